from django.apps import apps
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from jiguan.core import views as core_views

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="service:home", permanent=False)),
    path("healthz", core_views.healthz, name="healthz"),
    path("accounts/", include("jiguan.core.urls")),
    path("manage/", include("jiguan.portals.manage.urls")),
    path("service/", include("jiguan.portals.service.urls")),
    path("api/v1/", include("jiguan.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    # The Django admin (superusers only) signs in through the platform's login: lockout, 2FA, login log.
    path("admin/login/", RedirectView.as_view(pattern_name="core:login", query_string=True)),
    path("admin/", admin.site.urls),
]

# The monitoring center's big screen sits outside the portals (a wall display or a kiosk).
if apps.is_installed("jiguan.monitor"):
    urlpatterns.append(path("screen/", include(("jiguan.monitor.urls_screen", "screen"))))
