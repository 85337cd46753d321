from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DatahubConfig(AppConfig):
    name = "jiguan.datahub"
    label = "datahub"
    verbose_name = _("Data governance center")

    def ready(self) -> None:
        from . import module  # noqa: F401  (registers the ModuleSpec)
