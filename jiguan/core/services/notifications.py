"""The user's own inbox: unread count and marking messages read."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from ..errors import NotAllowed
from ..models import Notification
from .common import use_case
from .inputs import Errors
from .inputs import ids as clean_ids  # the contract names the parameter ``ids``


@use_case
def mark_read(user, ids=None) -> int:
    """Mark the user's unread messages read — those in ``ids``, or all of them; returns how many changed."""
    _require_login(user)
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        errors = Errors()
        listed = ids if isinstance(ids, list | tuple | set) else [ids]
        wanted = clean_ids(errors, "ids", listed, label=_("message numbers"))
        errors.raise_if_any()
        unread = unread.filter(pk__in=wanted)
    return unread.update(read_at=timezone.now())


def unread_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def _require_login(user) -> None:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        raise NotAllowed(_("Please log in first."))
