"""Who is acting in the current request or job: read by the audit log without passing it around."""

import uuid
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass
class ActorContext:
    request_id: str
    actor: object | None = None  # Account
    ip: str | None = None


_current: ContextVar[ActorContext | None] = ContextVar("jiguan_actor", default=None)


def current() -> ActorContext:
    ctx = _current.get()
    if ctx is None:  # outside a request (shell, job): one id per unit of work
        ctx = ActorContext(request_id=str(uuid.uuid4()))
        _current.set(ctx)
    return ctx


@contextmanager
def acting(actor=None, ip: str | None = None, request_id: str | None = None):
    token = _current.set(ActorContext(request_id=request_id or str(uuid.uuid4()), actor=actor, ip=ip))
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def set_actor(actor) -> None:
    current().actor = actor
