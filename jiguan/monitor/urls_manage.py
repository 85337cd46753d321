"""Management-portal pages of the monitoring center, mounted under ``manage:monitor``; each view checks
its own permission."""

from django.urls import include, path

from .views import alerts, costs, health, kpis, screen

urlpatterns = [
    path("", include(kpis.manage_urlpatterns)),
    path("alerts/", include(alerts.manage_urlpatterns)),
    path("screen/", include(screen.manage_urlpatterns)),
    path("costs/", include(costs.manage_urlpatterns)),
    path("health/", include(health.manage_urlpatterns)),
]
