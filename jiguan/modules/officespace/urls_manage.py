"""Management-portal pages of the module; the portal mounts them under ``manage:officespace`` and guards
them with login, the portal gate and the module's enablement. Each view checks its own permission."""

from django.urls import include, path

from .views import analysis, applications, campaigns, imports, ledger, records, repairs, reports

urlpatterns = [
    path("ledger/", ledger.ledger, name="ledger"),
    path("ledger/compounds/<int:pk>/buildings/", ledger.compound_buildings, name="compound_buildings"),
    path("ledger/buildings/<int:pk>/rooms/", ledger.building_rooms, name="building_rooms"),
    path("ledger/import/", imports.import_rooms, name="import"),
    path("ledger/import/template/", imports.import_template, name="import_template"),
    path("ledger/import/errors/", imports.import_report, name="import_report"),
    path("compounds/new/", ledger.compound_create, name="compound_create"),
    path("buildings/new/", ledger.building_create, name="building_create"),
    path("rooms/new/", ledger.room_create, name="room_create"),
    path("rooms/<int:pk>/", ledger.room_detail, name="room"),
    path("rooms/<int:pk>/assign/", ledger.room_assign, name="room_assign"),
    path("rooms/<int:pk>/state/", ledger.room_state, name="room_state"),
    path("occupancies/<int:pk>/release/", ledger.occupancy_release, name="occupancy_release"),
    path("occupancies/<int:pk>/recovery/", analysis.recovery_open, name="recovery_open"),
    path("over-standard/", analysis.over_standard, name="over_standard"),
    path("idle/", analysis.idle, name="idle"),
    path("recoveries/", analysis.recoveries, name="recoveries"),
    path("recoveries/<int:pk>/complete/", analysis.recovery_complete, name="recovery_complete"),
    path("standards/", analysis.standard_table, name="standards"),
    path("buildings/<int:pk>/", records.building_detail, name="building"),
    path("buildings/<int:pk>/edit/", records.building_edit, name="building_edit"),
    path("buildings/<int:pk>/retire/", records.building_retire, name="building_retire"),
    path("buildings/<int:pk>/ownerships/", records.ownership_register, name="ownership_register"),
    path("rooms/<int:pk>/edit/", records.room_edit, name="room_edit"),
    path("rooms/<int:pk>/retire/", records.room_retire, name="room_retire"),
    path("allocation-documents/", records.allocation_documents, name="allocation_documents"),
    path("allocation-documents/new/", records.allocation_issue, name="allocation_issue"),
    path("applications/", include(applications.manage_urlpatterns)),
    path("repairs/", include(repairs.manage_urlpatterns)),
    path("campaigns/", include(campaigns.manage_urlpatterns)),
    path("reports/", include(reports.manage_urlpatterns)),
]
