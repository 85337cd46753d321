"""System checks: every model declares its data scope (fail closed)."""

from django.apps import apps
from django.conf import settings
from django.core.checks import Error, register

# Framework tables outside the platform's data, each reached only through its own framework.
UNSCOPED_FRAMEWORK_MODELS = {
    "admin.LogEntry",
    "auth.Permission",
    "auth.Group",
    "contenttypes.ContentType",
    "sessions.Session",
    "django_tasks_database.DBTaskResult",
}


def models_without_scope() -> list[str]:
    allowed = UNSCOPED_FRAMEWORK_MODELS | set(getattr(settings, "JIGUAN_UNSCOPED_MODELS", ()))
    return [
        m._meta.label
        for m in apps.get_models(include_auto_created=False)
        if m._meta.label not in allowed and getattr(m, "data_scope", None) is None
    ]


@register()
def check_data_scopes(app_configs, **kwargs):
    return [
        Error(f"{label} declares no data_scope", hint="Add data_scope = ScopeSpec(...) or PUBLIC.", id="jiguan.E001")
        for label in models_without_scope()
    ]
