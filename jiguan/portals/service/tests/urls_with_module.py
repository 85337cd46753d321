"""Root URLconf for the module-mounting tests: the platform's, with the stand-in module in the portal."""

from .module_urls import ROOT_URLCONF_PATTERNS as urlpatterns  # noqa: F401
