"""Management-portal pages of the module; the portal mounts them under ``manage:warehouse`` and guards them
with login, the portal gate and the module's enablement. Each view checks its own permission."""

from django.urls import include, path

from .views import catalogue, intake, measures, purchase, reuse, warehouses
from .views import disposal as disposal_views
from .views import idle as idle_views
from .views import loans as loan_views
from .views import repairs as repair_views

urlpatterns = [
    path("intake/", include(intake.manage_urlpatterns)),
    path("", include(warehouses.manage_urlpatterns)),  # warehouses/…, assets/<pk>/
    path("", include(measures.manage_urlpatterns)),  # dashboard/
    path("", include(catalogue.manage_urlpatterns)),  # catalogue/
    path("", include(reuse.manage_urlpatterns)),  # reuse/…
    path("", include(purchase.manage_urlpatterns)),  # purchase-checks/…
    path("", include(disposal_views.manage_urlpatterns)),  # lots/…, bidders/…
    path("", include(idle_views.manage_urlpatterns)),  # idle/…
    path("", include(loan_views.manage_urlpatterns)),  # loans/…
    path("", include(repair_views.manage_urlpatterns)),  # repairs/…, assets/<pk>/repair/
]
