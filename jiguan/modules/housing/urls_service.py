"""Service-portal pages of the module, mounted at ``/service/housing/`` behind the portal's gate."""

from django.urls import path

from .views import billing, endings, leases, reviews, service

app_name = "housing"

urlpatterns = [
    path("", service.home, name="home"),
    path("apply/", service.apply, name="apply"),
    path("applications/<int:pk>/", service.application, name="application"),
    path("applications/<int:pk>/revise/", service.revise, name="revise"),
    path("applications/<int:pk>/withdraw/", service.withdraw, name="withdraw"),
    path("applications/<int:pk>/attachments/<int:attachment_pk>/", service.attachment, name="attachment"),
    path("offers/<int:pk>/", service.offer, name="offer"),
    path("lease/<int:pk>/move-out/", endings.move_out, name="move_out"),
    path("bills/", billing.my_bills, name="bills"),
    *leases.service_urlpatterns,  # leases/…
    *reviews.service_urlpatterns,  # reviews/<pk>/
]
