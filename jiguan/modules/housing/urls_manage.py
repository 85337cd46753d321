"""Management-portal pages of the module; the portal mounts them under ``manage:housing`` and guards them
with login, the portal gate and the module's enablement. Each view checks its own permission."""

from django.urls import include, path

from .views import applications, billing, endings, leases, offers, reviews, stock, waiting

urlpatterns = [
    path("", include(stock.manage_urlpatterns)),
    path("applications/", include(applications.manage_urlpatterns)),
    path("waiting/", include(waiting.manage_urlpatterns)),
    path("offers/", include(offers.manage_urlpatterns)),
    path("", include(endings.manage_urlpatterns)),  # leases/<pk>/end/, leases/<pk>/check-out/, overstays/
    path("", include(billing.manage_urlpatterns)),
    path("", include(leases.manage_urlpatterns)),  # leases/…, offers/<pk>/sign/
    path("", include(reviews.manage_urlpatterns)),  # reviews/…  # billing/, leases/<pk>/ledger/, flats/<pk>/readings/, dashboard/
]
