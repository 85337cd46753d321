"""Who a token belongs to and what their roles grant, remembered between requests.

Every API call needs both, and reading them is most of the cost of a small list. They change rarely,
and each change bumps one generation counter in Django's cache: a save or delete of a token, account,
role, role assignment or org unit (signals), or a bulk update that affects them (services call
``invalidate()``). Entries of an older generation are never used. With a shared cache (``REDIS_URL``)
a revocation takes effect on every server at the next request; with the default per-process cache,
other processes notice within ``LOCAL_TTL`` — set ``REDIS_URL`` when running several processes.
"""

from __future__ import annotations

import copy
import secrets
import threading
import time

from django.core.cache import cache
from django.db.models.signals import m2m_changed, post_delete, post_save

GENERATION_KEY = "jiguan:auth-generation"
LOCAL_TTL = 10.0  # seconds a process trusts its own entries without a shared cache telling it otherwise
MAX_ENTRIES = 10_000

_lock = threading.Lock()
_entries: dict[tuple, tuple[float, int, object]] = {}


def generation() -> int:
    value = cache.get(GENERATION_KEY)
    if value is None:  # first use, or the cache was flushed: start from a value no entry can hold
        cache.add(GENERATION_KEY, _fresh_generation(), timeout=None)
        value = cache.get(GENERATION_KEY)
    return value


def _fresh_generation() -> int:
    return time.time_ns() // 1000 + secrets.randbelow(1000)


def invalidate(**_signal_kwargs) -> None:
    """Forget every remembered token and grant, here and (through the shared cache) everywhere."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not set (or evicted): a fresh value differs from what any entry holds
        cache.set(GENERATION_KEY, _fresh_generation(), timeout=None)
    with _lock:
        _entries.clear()


def remembered(key: tuple, load):
    """``load()``'s value for ``key``, from memory while the generation and the local TTL hold."""
    now, current = time.monotonic(), generation()
    entry = _entries.get(key)
    if entry is not None and entry[1] == current and now - entry[0] < LOCAL_TTL:
        return entry[2]
    value = load()
    with _lock:
        if len(_entries) >= MAX_ENTRIES:
            _entries.clear()
        _entries[key] = (now, current, value)
    return value


def fresh_copy(account):
    """Each request gets its own Account object: per-request state stored on it must not leak."""
    clone = type(account).__new__(type(account))  # as copy.copy() does, without copying what is replaced
    clone.__dict__ = {k: v for k, v in account.__dict__.items() if not k.startswith("_grant")}
    clone._state = copy.copy(account._state)
    return clone


def connect_signals() -> None:
    from .models import Account, ApiToken, OrgUnit, Role, RoleAssignment

    for model in (Account, ApiToken, OrgUnit, Role, RoleAssignment):
        post_save.connect(invalidate, sender=model, dispatch_uid=f"authcache-save-{model.__name__}")
        post_delete.connect(invalidate, sender=model, dispatch_uid=f"authcache-delete-{model.__name__}")
    m2m_changed.connect(invalidate, sender=Role.custom_units.through, dispatch_uid="authcache-custom-units")
