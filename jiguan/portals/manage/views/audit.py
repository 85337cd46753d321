"""Audit logs for the audit administrator: read-only (GET only), each list exportable, and the hash-chain check."""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.shortcuts import render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from jiguan.core.access import is_htmx
from jiguan.core.audit import verify_chains
from jiguan.core.listing import ChoiceFilter, Column, ListSpec, TextFilter
from jiguan.core.models import AccessLog, AuditLog, LoginLog
from jiguan.core.models.accounts import LoginOutcome
from jiguan.core.models.audit import AccessKind, AuditAction
from jiguan.core.models.base import TrackedModel
from jiguan.core.scoping import scoped

from ..access import manage_view
from ..filters import date_range

VIEW_AUDIT = "core.view_audit"


def tracked_model_choices() -> list[tuple[str, str]]:
    models = (m for m in apps.get_models() if issubclass(m, TrackedModel))
    return sorted(((m._meta.label, str(m._meta.verbose_name)) for m in models), key=lambda c: c[1])


def _model_name(label: str) -> str:
    try:
        return str(apps.get_model(label)._meta.verbose_name)
    except LookupError:  # a model since removed: its history stays readable
        return label


@dataclass(frozen=True)
class Change:
    field: str
    before: object
    after: object


def changes_of(entry: AuditLog) -> list[Change]:
    """The fields an entry changed, named as the model names them (all fields for a create or delete)."""
    before, after = entry.before or {}, entry.after or {}
    names = [n for n in dict.fromkeys([*before, *after]) if before.get(n) != after.get(n) or not (before and after)]
    try:
        fields = {f.attname: str(f.verbose_name) for f in apps.get_model(entry.model)._meta.concrete_fields}
    except LookupError:
        fields = {}
    return [Change(fields.get(n, n), before.get(n, ""), after.get(n, "")) for n in names]


def _changes_text(entry: AuditLog) -> str:
    return "；".join(f"{c.field}: {c.before} → {c.after}" for c in changes_of(entry))


CHANGE_LIST = ListSpec(
    name="audit_changes",
    title=gettext_lazy("Change log"),
    columns=(
        Column("seq", gettext_lazy("No."), order_by="seq"),
        Column("at", gettext_lazy("Time"), order_by="at"),
        Column("actor_name", gettext_lazy("Actor"), order_by="actor_name"),
        Column("action", gettext_lazy("Action"), order_by="action"),
        Column("model", gettext_lazy("Object type"), order_by="model", value=lambda e: _model_name(e.model)),
        Column("object_repr", gettext_lazy("Object")),
        Column("changes", gettext_lazy("Changes"), value=_changes_text, display=False),
        Column("ip", gettext_lazy("IP address")),
        Column("request_id", gettext_lazy("Request ID"), display=False),
    ),
    filters=(
        ChoiceFilter("model", gettext_lazy("Object type"), "model", choices=tracked_model_choices),
        TextFilter("actor", gettext_lazy("Actor"), "actor_name__icontains"),
        ChoiceFilter("action", gettext_lazy("Action"), "action", choices=AuditAction.choices),
        *date_range("at"),
    ),
    search=("object_repr", "object_id", "request_id"),
    search_label=gettext_lazy("Object or request ID"),
    default_sort="-seq",
)

LOGIN_LIST = ListSpec(
    name="audit_logins",
    title=gettext_lazy("Login log"),
    columns=(
        Column("seq", gettext_lazy("No."), order_by="seq"),
        Column("at", gettext_lazy("Time"), order_by="at"),
        Column("username", gettext_lazy("Username"), order_by="username"),
        Column("outcome", gettext_lazy("Outcome"), order_by="outcome"),
        Column("ip", gettext_lazy("IP address"), order_by="ip"),
        Column("user_agent", gettext_lazy("User agent")),
    ),
    filters=(
        TextFilter("username", gettext_lazy("Username"), "username__icontains"),
        ChoiceFilter("outcome", gettext_lazy("Outcome"), "outcome", choices=LoginOutcome.choices),
        *date_range("at"),
    ),
    search=("ip",),
    search_label=gettext_lazy("IP address"),
    default_sort="-seq",
)

ACCESS_LIST = ListSpec(
    name="audit_access",
    title=gettext_lazy("Access log"),
    columns=(
        Column("seq", gettext_lazy("No."), order_by="seq"),
        Column("at", gettext_lazy("Time"), order_by="at"),
        Column("actor_name", gettext_lazy("Actor"), order_by="actor_name"),
        Column("kind", gettext_lazy("Kind"), order_by="kind"),
        Column("method", gettext_lazy("Method")),
        Column("path", gettext_lazy("Path")),
        Column("status", gettext_lazy("Status code")),
        Column("detail", gettext_lazy("Detail")),
        Column("ip", gettext_lazy("IP address")),
    ),
    filters=(
        TextFilter("actor", gettext_lazy("Actor"), "actor_name__icontains"),
        ChoiceFilter("kind", gettext_lazy("Kind"), "kind", choices=AccessKind.choices),
        *date_range("at"),
    ),
    search=("path", "detail"),
    search_label=gettext_lazy("Path or detail"),
    default_sort="-seq",
)


@require_GET
@manage_view(VIEW_AUDIT)
def change_log(request):
    listing = CHANGE_LIST.bind(request, scoped(AuditLog.objects.all(), request.user, VIEW_AUDIT))
    entries = [] if listing.export_requested else [(entry, _model_name(entry.model), changes_of(entry)) for entry in listing.page]
    return listing.response("manage/audit/changes.html", "manage/audit/_changes_table.html", {"entries": entries})


@require_GET
@manage_view(VIEW_AUDIT)
def login_log(request):
    listing = LOGIN_LIST.bind(request, scoped(LoginLog.objects.all(), request.user, VIEW_AUDIT))
    return listing.response("manage/audit/list.html", "manage/listing/table.html", {"title": LOGIN_LIST.title})


@require_GET
@manage_view(VIEW_AUDIT)
def access_log(request):
    listing = ACCESS_LIST.bind(request, scoped(AccessLog.objects.all(), request.user, VIEW_AUDIT))
    return listing.response("manage/audit/list.html", "manage/listing/table.html", {"title": ACCESS_LIST.title})


@require_GET
@manage_view(VIEW_AUDIT)
def verify(request):
    """Re-hash every chain now. A read: it changes nothing, so the auditor may run it."""
    template = "manage/audit/_verify.html" if is_htmx(request) else "manage/audit/verify.html"
    return render(request, template, {"problems": verify_chains()})
