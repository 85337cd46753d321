from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HousingConfig(AppConfig):
    name = "jiguan.modules.housing"
    label = "housing"
    verbose_name = _("Staff housing")

    def ready(self) -> None:
        from . import jobs, module  # noqa: F401  (the periodic jobs, the ModuleSpec)
