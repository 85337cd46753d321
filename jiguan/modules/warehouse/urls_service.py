"""Service-portal pages of the module, mounted at ``/service/warehouse/`` behind the portal's gate."""

from .views import bidding as bidding_views
from .views import catalogue, reuse
from .views import loans as loan_views

app_name = "warehouse"

urlpatterns = [
    *catalogue.service_urlpatterns,  # the catalogue and its items
    *reuse.service_urlpatterns,  # requests/…
    *bidding_views.service_urlpatterns,  # bidding/…
    *loan_views.service_urlpatterns,  # items/<pk>/borrow/, loans/…
]
