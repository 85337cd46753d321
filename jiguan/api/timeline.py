"""The timeline (流程可追溯) of a stateful record, as the API shows it."""

from __future__ import annotations

from datetime import datetime

from django.db import models
from ninja import Field, Schema

from jiguan.core.statemachine import timeline

from .schemas import AccountRef


class TimelineOut(Schema):
    at: datetime
    actor: AccountRef | None
    action: str = Field(description="操作代码")
    from_state: str = Field(description="原状态代码")
    to_state: str = Field(description="新状态代码")
    to_state_label: str = Field(description="新状态名称")
    comment: str


def timeline_of(obj: models.Model, states: type[models.TextChoices]) -> list[dict]:
    labels = dict(states.choices)
    return [
        {
            "at": entry.at,
            "actor": entry.actor,
            "action": entry.action,
            "from_state": entry.from_state,
            "to_state": entry.to_state,
            "to_state_label": str(labels.get(entry.to_state, entry.to_state)),
            "comment": entry.comment,
        }
        for entry in timeline(obj)
    ]
