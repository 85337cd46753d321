"""Declared state machines: one table of allowed transitions per stateful model, one ``transition()``
that checks it, saves the new state, and writes the timeline entry (the audit change log follows
from the save)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext as _

from .context import current
from .errors import StateError
from .models import TimelineEntry


@dataclass(frozen=True)
class StateMachine:
    field: str
    transitions: dict[str, dict[str, str]]  # action -> {from_state: to_state}

    def target(self, obj: models.Model, action: str) -> str:
        state = getattr(obj, self.field)
        moves = self.transitions.get(action)
        if moves is None:
            raise StateError(_("Unknown action: %(a)s.") % {"a": action})
        if state not in moves:
            raise StateError(
                _("“%(action)s” is not possible while the status is “%(state)s”.")
                % {"action": action, "state": _label(obj, self.field, state)}
            )
        return moves[state]

    def allowed_actions(self, obj: models.Model) -> list[str]:
        state = getattr(obj, self.field)
        return [action for action, moves in self.transitions.items() if state in moves]

    def transition(self, obj: models.Model, action: str, actor=None, comment: str = "", **changes) -> TimelineEntry:
        """Move ``obj`` by ``action``; the caller holds the row lock and the transaction."""
        to_state = self.target(obj, action)
        from_state = getattr(obj, self.field)
        setattr(obj, self.field, to_state)
        for name, value in changes.items():
            setattr(obj, name, value)
        obj.save()
        return record(obj, action, from_state, to_state, actor=actor, comment=comment)


def record(obj: models.Model, action: str, from_state: str = "", to_state: str = "", actor=None, comment: str = ""):
    """A timeline entry for ``obj`` (also used for steps that do not change state, e.g. comments)."""
    ctx = current()
    return TimelineEntry.objects.create(
        content_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
        actor=actor if actor is not None else (ctx.actor if getattr(ctx.actor, "pk", None) else None),
        action=action,
        from_state=from_state,
        to_state=to_state,
        comment=comment,
        request_id=ctx.request_id,
        org_path=getattr(obj, "org_path", "") or "",
    )


def timeline(obj: models.Model):
    return TimelineEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk)
    ).select_related("actor")


def _label(obj: models.Model, field: str, value: str) -> str:
    choices = dict(obj._meta.get_field(field).flatchoices)
    return str(choices.get(value, value))
