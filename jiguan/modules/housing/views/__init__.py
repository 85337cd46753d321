"""Portal pages of the module, one file per workflow; thin: every change goes through ``services``."""

from __future__ import annotations

from jiguan.core.scoping import scoped

from ..models import Estate, MeterKind
from ..module import VIEW
from ..services.leases import Condition


def shown_inspection(inspection) -> dict:
    """An inspection for display: furnishing conditions and meter kinds by their labels."""
    conditions, kinds = dict(Condition.choices), dict(MeterKind.choices)
    return {"inspection": inspection,
            "rows": [{**row, "condition": conditions.get(row["condition"], row["condition"])}
                     for row in inspection.items],
            "readings": [(kinds.get(kind, kind), reading) for kind, reading in inspection.meter_readings.items()]}


def estate_choices(user):
    """The estates the user sees, for a list's estate filter (called when the filter is drawn)."""
    def choices():
        return list(scoped(Estate.objects.order_by("name"), user, VIEW).values_list("pk", "name"))

    return choices
