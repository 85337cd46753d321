"""Portal pages of the module, one file per workflow; thin: every change goes through ``services``."""

from __future__ import annotations

from jiguan.core.scoping import scoped
from jiguan.core.statemachine import timeline
from jiguan.portals.service.views import Step

from ..models import Estate, MeterKind
from ..module import VIEW
from ..services.leases import Condition


def labelled_timeline(obj, actions: dict, states) -> list[dict]:
    """The object's timeline as ``manage/_timeline.html`` draws it: each entry, its action's and state's label."""
    labels = dict(states.choices)
    return [{"entry": entry, "label": actions.get(entry.action, entry.action),
             "to": labels.get(entry.to_state, entry.to_state)}
            for entry in timeline(obj).select_related("actor__person")]


def steps(obj, actions: dict, states) -> list[Step]:
    """The same for the service portal's ``service/includes/timeline.html``."""
    labels = dict(states.choices)
    return [Step(entry.at, entry.actor, actions.get(entry.action, entry.action), entry.comment,
                 labels.get(entry.to_state, "") if entry.to_state != entry.from_state else "")
            for entry in timeline(obj).select_related("actor__person")]


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
