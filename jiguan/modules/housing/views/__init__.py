"""Portal pages of the module, one file per workflow; thin: every change goes through ``services``."""

from __future__ import annotations

from jiguan.core.statemachine import timeline
from jiguan.portals.service.views import Step


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
