"""Management-portal pages of the module; the portal mounts them under ``manage:housing`` and guards them
with login, the portal gate and the module's enablement. Each view checks its own permission."""

from django.urls import include, path

from .views import applications, offers, stock, waiting

urlpatterns = [
    path("", include(stock.manage_urlpatterns)),
    path("applications/", include(applications.manage_urlpatterns)),
    path("waiting/", include(waiting.manage_urlpatterns)),
    path("offers/", include(offers.manage_urlpatterns)),
]
