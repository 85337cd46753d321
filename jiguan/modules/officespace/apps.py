from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OfficeSpaceConfig(AppConfig):
    name = "jiguan.modules.officespace"
    label = "officespace"
    verbose_name = _("Office space")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from . import jobs, module, pickers, signals  # noqa: F401  (the job, the ModuleSpec, picker kinds, the Person hook)

        post_migrate.connect(_sync_standards, sender=self)


def _sync_standards(sender, **kwargs) -> None:
    from .reference import sync_standards

    sync_standards()
