"""Service-portal pages of the module, mounted at ``/service/officespace/`` behind the portal's gate."""

from django.urls import path

from .views import service

app_name = "officespace"

urlpatterns = [
    path("", service.my_office, name="my_office"),
]
