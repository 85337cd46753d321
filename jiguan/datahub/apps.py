from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_module_datasets(sender, **kwargs) -> None:
    """After every migrate, the catalog lists what the installed modules publish (see services.catalog)."""
    from .services.catalog import sync_module_datasets

    sync_module_datasets()


class DatahubConfig(AppConfig):
    name = "jiguan.datahub"
    label = "datahub"
    verbose_name = _("Data governance center")

    def ready(self) -> None:
        from . import jobs, module  # noqa: F401  (registers the periodic jobs and the ModuleSpec)

        post_migrate.connect(_sync_module_datasets, sender=self, dispatch_uid="datahub_sync_module_datasets")
