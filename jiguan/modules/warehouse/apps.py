from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class WarehouseConfig(AppConfig):
    name = "jiguan.modules.warehouse"
    label = "warehouse"
    verbose_name = _("Public property pool")

    def ready(self) -> None:
        from . import jobs, module  # noqa: F401  (the periodic jobs, the ModuleSpec)

        post_migrate.connect(_load_categories, sender=self)


def _load_categories(sender, **kwargs) -> None:
    from .reference import ensure_bidder_role, sync_categories

    sync_categories()
    ensure_bidder_role()
