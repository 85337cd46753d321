"""Notices (公告): published by a unit to everyone in a region and below."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ..errors import StateError
from ..models import Notice, Region
from ..models.org import region_key
from ..scoping import path_in_scope
from .base import get_in_scope, require
from .common import key_prefixes, use_case
from .inputs import Errors, find, text

MANAGE_NOTICES = "core.manage_notices"


@use_case
def publish_notice(user, *, title, body, audience_region_code, pinned=False, expires_at=None) -> Notice:
    """Publish now, in the name of the user's unit, to a region inside the user's scope."""
    require(user, MANAGE_NOTICES)
    errors = Errors()
    title = text(errors, "title", title, label=_("notice title"), max_length=200)
    body = text(errors, "body", body, label=_("notice body"), max_length=20000)
    audience = find(Region.objects.all(), audience_region_code)
    if audience is None:
        errors.add("audience_region_code",
                   _("There is no region with the code “%(code)s”.") % {"code": audience_region_code})
    elif not path_in_scope(user, MANAGE_NOTICES, audience.key):
        errors.add("audience_region_code",
                   _("“%(region)s” is outside your data scope; choose a region you manage.") % {"region": audience})
    if expires_at is not None and (not isinstance(expires_at, datetime) or expires_at <= timezone.now()):
        errors.add("expires_at", _("The expiry time must be in the future."))
    if user.unit is None:
        errors.add("__all__", _("Your account belongs to no unit, so there is no one to publish in the name of."))
    errors.raise_if_any()
    return Notice.objects.create(
        title=title, body=body, publisher=user.unit.agency, audience=audience, pinned=bool(pinned),
        published_at=timezone.now(), expires_at=expires_at, created_by=user,
    )


@use_case
def withdraw_notice(user, notice_id) -> Notice:
    """Take a notice down now; it is kept (ended) for the record."""
    notice = get_in_scope(Notice, user, MANAGE_NOTICES, notice_id, lock=True)
    now = timezone.now()
    if notice.expires_at is not None and notice.expires_at <= now:
        raise StateError(_("The notice has already been withdrawn or has expired."))
    notice.expires_at = now
    notice.save(update_fields=["expires_at"])
    return notice


def visible_notices(user) -> QuerySet:
    """Current notices addressed to the region of the user's unit or any region above it."""
    unit = getattr(user, "unit", None)
    now = timezone.now()
    return (
        Notice.objects.filter(audience_key__in=key_prefixes(region_key(unit.region_id)) if unit else [""])
        .filter(published_at__lte=now)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .select_related("publisher", "audience")
    )
