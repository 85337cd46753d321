"""Management-portal pages of the data center, mounted under ``manage:datahub``; each view checks its
own permission."""

from django.urls import include, path

from .views import catalog, quality, reporting, runs

urlpatterns = [
    path("", include(catalog.manage_urlpatterns)),
    path("runs/", include(runs.manage_urlpatterns)),
    path("quality/", include(quality.manage_urlpatterns)),
    path("reporting/", include(reporting.manage_urlpatterns)),
]
