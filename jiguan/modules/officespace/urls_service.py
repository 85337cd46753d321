"""Service-portal pages of the module, mounted at ``/service/officespace/`` behind the portal's gate."""

from django.urls import include, path

from .views import applications, repairs, service

app_name = "officespace"

urlpatterns = [
    path("", service.my_office, name="my_office"),
    path("applications/", include(applications.service_urlpatterns)),
    path("repairs/", include(repairs.service_urlpatterns)),
]
