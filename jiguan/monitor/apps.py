from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitorConfig(AppConfig):
    name = "jiguan.monitor"
    label = "monitor"
    verbose_name = _("Operation monitoring center")

    def ready(self) -> None:
        from . import jobs, module  # noqa: F401  (registers the periodic jobs and the ModuleSpec)
