from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicePortalConfig(AppConfig):
    name = "jiguan.portals.service"
    label = "service"
    verbose_name = _("Service portal")
