from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "jiguan.core"
    label = "core"
    verbose_name = _("Platform kernel")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from . import audit, authcache, checks, jobs, module  # noqa: F401  (signal handlers, system checks, jobs, spec)

        post_migrate.connect(_sync_reference_data, sender=self)
        authcache.connect_signals()


def _sync_reference_data(sender, **kwargs) -> None:
    from .reference import sync_all

    sync_all()
