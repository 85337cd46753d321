"""Service-portal pages of the module, mounted at ``/service/warehouse/`` behind the portal's gate."""

from .views import catalogue, reuse

app_name = "warehouse"

urlpatterns = [
    *catalogue.service_urlpatterns,  # the catalogue and its items
    *reuse.service_urlpatterns,  # requests/…
]
