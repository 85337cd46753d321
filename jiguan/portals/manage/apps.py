from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ManagePortalConfig(AppConfig):
    name = "jiguan.portals.manage"
    label = "manage"
    verbose_name = _("Management portal")
