"""/api/v1/: ninja's URL patterns, each wrapped to write the access log, and a JSON 404 for the rest."""

from django.urls import include, path, re_path

from .access import api_view, unknown_path_view, wrap_pattern
from .api import api

# Not unpacked into module globals: a module-level ``app_name`` would namespace this whole URLconf.
_ninja_urls = api.urls

urlpatterns = [
    path("", include(([wrap_pattern(api, p) for p in _ninja_urls[0]], _ninja_urls[1]), namespace=_ninja_urls[2])),
    re_path(r"", api_view(api, unknown_path_view(api))),
]
