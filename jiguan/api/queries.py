"""Read helpers for handlers: public reference data and single-record lookups that answer 404."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.http import Http404

from jiguan.core.scoping import PUBLIC, scope_spec, scoped


def reference_data(model: type[models.Model]) -> models.QuerySet:
    """Rows of a model declared PUBLIC (regions, dictionaries): every signed-in account reads them.
    Fails closed: a model that is not declared public cannot be read through here."""
    if scope_spec(model) != PUBLIC:
        raise ImproperlyConfigured(f"{model._meta.label} is not public: read it through scoped().")
    return model._default_manager.all()


def get_or_404(queryset: models.QuerySet, **lookup) -> models.Model:
    """The one row of an already scoped ``queryset`` matching ``lookup``; 404 when there is none."""
    try:
        return queryset.get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def scoped_any(queryset: models.QuerySet, user, permissions: tuple[str, ...]) -> models.QuerySet:
    """Rows reachable through any of ``permissions`` (each through ``scoped()``), e.g. an event its
    reporter follows through the service permission and a handler through ``core.handle_events``."""
    combined = queryset.none()
    for permission in permissions:
        combined = combined | scoped(queryset, user, permission)
    return combined
