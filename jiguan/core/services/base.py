"""What every service does first: check the permission, find the object inside the user's scope."""

from django.db import models
from django.http import Http404
from django.utils.translation import gettext as _

from ..errors import NotAllowed
from ..scoping import has_permission, path_in_scope, scoped


def require(user, permission: str) -> None:
    if not has_permission(user, permission):
        raise NotAllowed(_("You do not have the permission for this action."))


def get_in_scope(model: type[models.Model], user, permission: str, pk, *, lock: bool = False, queryset=None):
    """The object if it is inside the user's scope for ``permission``; otherwise 404 (not 403), so
    an out-of-scope object is indistinguishable from a missing one. ``lock`` adds SELECT … FOR UPDATE of
    the object's own row (PostgreSQL refuses to lock the nullable side of a ``select_related`` join)."""
    require(user, permission)
    qs = scoped(queryset if queryset is not None else model._default_manager.all(), user, permission)
    if lock:
        qs = qs.select_for_update(of=("self",))
    try:
        return qs.get(pk=pk)
    except (model.DoesNotExist, ValueError, TypeError):
        raise Http404(_("Not found.")) from None


def require_path(user, permission: str, path: str) -> None:
    """For creating something at ``path``: the user's scope for ``permission`` must reach it."""
    require(user, permission)
    if not path_in_scope(user, permission, path):
        raise NotAllowed(_("That unit is outside your data scope."))
