"""Management-portal pages of the alerts, mounted at /manage/monitor/alerts/: the alerts (filters, sort,
export), an alert with its history, explanation and events; the rules, silences and routes — read in the
user's scope, edited by the bureau (``monitor.manage``) within it. Thin: the services decide."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from jiguan.core.listing import BooleanFilter, ChoiceFilter, Column, ListSpec, TextFilter
from jiguan.core.scoping import has_permission
from jiguan.core.services.base import get_in_scope
from jiguan.core.statemachine import timeline
from jiguan.portals.manage.access import manage_view
from jiguan.portals.manage.filters import region_filter
from jiguan.portals.manage.views.common import perform, submit

from ..forms.alerts import RouteForm, RuleForm, SilenceForm
from ..models.alerts import AlertRoute, AlertRule, AlertState, RuleKind, Severity, Silence
from ..module import MANAGE, VIEW
from ..services import alerts as services

# --- Lists ---------------------------------------------------------------------------------------------------

ALERT_LIST = ListSpec(
    name="monitor.alerts", title=gettext_lazy("Alerts"),
    columns=(
        Column("title", gettext_lazy("Alert"), order_by="title"),
        Column("severity", gettext_lazy("Severity"), order_by="severity_rank",
               value=lambda a: a.rule.get_severity_display()),
        Column("state", gettext_lazy("State"), order_by="state"),
        Column("place", gettext_lazy("Place"), order_by="org_path", value=services.place_name),
        Column("rule__name", gettext_lazy("Alert rule"), order_by="rule__name"),
        Column("value", gettext_lazy("Value"), order_by="value"),
        Column("started_at", gettext_lazy("Pending since"), order_by="started_at"),
        Column("fired_at", gettext_lazy("Firing since"), order_by="fired_at"),
        Column("resolved_at", gettext_lazy("Resolved at"), order_by="resolved_at"),
        Column("event", gettext_lazy("Event"), value=lambda a: a.event.get_status_display() if a.event else ""),
        Column("explanation", gettext_lazy("Explanation"), display=False),
    ),
    filters=(
        ChoiceFilter("state", gettext_lazy("State"), "state",
                     choices=[c for c in AlertState.choices if c[0] != AlertState.NORMAL]),
        ChoiceFilter("severity", gettext_lazy("Severity"), "rule__severity", choices=Severity.choices),
        TextFilter("rule", gettext_lazy("Alert rule"), "rule__name__icontains"),
        region_filter("region"),
    ),
    search=("title", "explanation"), search_label=gettext_lazy("Alert or explanation"),
    default_sort="severity",
)
RULE_LIST = ListSpec(
    name="monitor.alert_rules", title=gettext_lazy("Alert rules"),
    columns=(
        Column("name", gettext_lazy("Rule name"), order_by="name"),
        Column("kind", gettext_lazy("Rule kind"), order_by="kind"),
        Column("region__name", gettext_lazy("Region"), order_by="org_path"),
        Column("condition", gettext_lazy("Condition"), value=lambda r: _condition(r)),
        Column("severity", gettext_lazy("Severity"), order_by="severity"),
        Column("category", gettext_lazy("Category"), order_by="category",
               value=lambda r: dict(services.categories()).get(r.category, r.category)),
        Column("pending_minutes", gettext_lazy("Pending period (minutes)"), order_by="pending_minutes"),
        Column("keep_firing_minutes", gettext_lazy("Keep-firing period (minutes)"), order_by="keep_firing_minutes"),
        Column("enabled", gettext_lazy("Enabled"), order_by="enabled"),
    ),
    filters=(
        ChoiceFilter("kind", gettext_lazy("Rule kind"), "kind", choices=RuleKind.choices),
        ChoiceFilter("severity", gettext_lazy("Severity"), "severity", choices=Severity.choices),
        BooleanFilter("enabled", gettext_lazy("Enabled"), "enabled"),
    ),
    search=("name", "kpi", "business_rule"), search_label=gettext_lazy("Rule, KPI or business rule"),
    default_sort="region__name",
)
SILENCE_LIST = ListSpec(
    name="monitor.silences", title=gettext_lazy("Silences"),
    columns=(
        Column("reason", gettext_lazy("Reason")),
        Column("matcher", gettext_lazy("Matches"), value=lambda s: _matcher(s)),
        Column("starts_at", gettext_lazy("Starts at"), order_by="starts_at"),
        Column("ends_at", gettext_lazy("Ends at"), order_by="ends_at"),
        Column("created_by", gettext_lazy("Created by"), value=lambda s: str(s.created_by or "")),
    ),
    filters=(ChoiceFilter("status", gettext_lazy("Status"), method=lambda qs, v: _silence_status(qs, v),
                          choices=[("active", gettext_lazy("In force")), ("ended", gettext_lazy("Ended"))]),),
    search=("reason",), search_label=gettext_lazy("Reason"), default_sort="-ends_at",
)
ROUTE_LIST = ListSpec(
    name="monitor.alert_routes", title=gettext_lazy("Alert routing"),
    columns=(
        Column("place", gettext_lazy("Place"), order_by="org_path",
               value=lambda r: r.unit.name if r.unit_id else r.region.name),
        Column("category", gettext_lazy("Category"), order_by="category",
               value=lambda r: dict(services.categories()).get(r.category, "") or _("All categories")),
        Column("assignee__name", gettext_lazy("Responsible organisation"), order_by="assignee__name"),
    ),
    search=("assignee__name", "unit__name"), search_label=gettext_lazy("Unit or organisation"), default_sort="place",
)


def _condition(rule: AlertRule) -> str:
    kpis = dict(services.kpi_choices())
    if rule.kind == RuleKind.THRESHOLD:
        return f"{kpis.get(rule.kpi, rule.kpi)} {rule.get_operator_display()} {services.number(rule.threshold)}"
    if rule.kind == RuleKind.ANOMALY:
        return _("%(kpi)s: %(method)s, last %(n)d, limit %(z)s") % {
            "kpi": kpis.get(rule.kpi, rule.kpi), "method": rule.get_method_display(), "n": rule.window,
            "z": services.number(rule.z_limit)}
    return dict(services.business_rule_choices()).get(rule.business_rule, rule.business_rule)


def _matcher(silence: Silence) -> str:
    parts = [silence.unit.name if silence.unit_id else silence.region.name]
    if silence.rule_id:
        parts.append(silence.rule.name)
    if silence.category:
        parts.append(dict(services.categories()).get(silence.category, silence.category))
    return " · ".join(parts)


def _silence_status(queryset, value):
    now = timezone.now()
    return queryset.filter(starts_at__lte=now, ends_at__gt=now) if value == "active" else queryset.filter(ends_at__lte=now)


# --- Alerts --------------------------------------------------------------------------------------------------


@require_GET
@manage_view(VIEW)
def alert_list(request):
    listing = ALERT_LIST.bind(request, services.visible_alerts(request.user))
    return listing.response("monitor/alerts/list.html", "monitor/alerts/_table.html")


@require_GET
@manage_view(VIEW)
def alert_detail(request, pk: int):
    alert = services.get_alert(request.user, pk)
    labels, states = services.action_labels(), dict(AlertState.choices)
    return render(request, "monitor/alerts/detail.html", {
        "alert": alert,
        "timeline": [{"entry": e, "label": labels.get(e.action, e.action), "to": states.get(e.to_state, e.to_state)}
                     for e in timeline(alert).select_related("actor")],
        "events": services.events_of(alert),
        "closed_while_firing": services.event_closed_while_firing(alert),
        "condition": _condition(alert.rule),
        "can_manage": has_permission(request.user, MANAGE),
    })


# --- Rules ---------------------------------------------------------------------------------------------------


@require_GET
@manage_view(VIEW)
def rule_list(request):
    listing = RULE_LIST.bind(request, services.visible_rules(request.user))
    editable = {r.pk for r in listing.page if services.may_edit_rule(request.user, r)}
    return listing.response("monitor/alerts/rules.html", "monitor/alerts/_rules_table.html",
                            {"editable": editable, "can_manage": has_permission(request.user, MANAGE)})


@manage_view(MANAGE)
def rule_create(request):
    form = RuleForm(request.POST or None, user=request.user)
    if request.method == "POST":
        done, _rule = submit(request, form, lambda: services.create_rule(request.user, **form.service_values()),
                             _("The rule has been saved; it is evaluated every five minutes."))
        if done:
            return redirect("manage:monitor:alert_rules")
    return _form(request, form, _("New alert rule"), "manage:monitor:alert_rules")


@manage_view(MANAGE)
def rule_edit(request, pk: int):
    rule = get_in_scope(AlertRule, request.user, MANAGE, pk)
    initial = {name: getattr(rule, name) for name in services.RULE_FIELDS - {"region_code"}}
    form = RuleForm(request.POST or None, initial={**initial, "region": rule.region_id}, user=request.user)
    if request.method == "POST":
        done, _rule = submit(request, form, lambda: services.update_rule(request.user, rule.pk, **form.service_values()),
                             _("The changes have been saved."))
        if done:
            return redirect("manage:monitor:alert_rules")
    return _form(request, form, _("Edit “%(name)s”") % {"name": rule.name}, "manage:monitor:alert_rules")


def _form(request, form, title: str, back: str):
    return render(request, "monitor/alerts/form.html", {"form": form, "title": title, "cancel_url": reverse(back)})


# --- Silences ------------------------------------------------------------------------------------------------


@require_GET
@manage_view(VIEW)
def silence_list(request):
    listing = SILENCE_LIST.bind(request, services.visible_silences(request.user))
    return listing.response("monitor/alerts/silences.html", "monitor/alerts/_silences_table.html",
                            {"can_manage": has_permission(request.user, MANAGE), "now": timezone.now()})


@manage_view(MANAGE)
def silence_create(request):
    initial = {"rule": request.GET.get("rule"), "unit": request.GET.get("unit"), "region": request.GET.get("region")}
    form = SilenceForm(request.POST or None, initial=initial, user=request.user,
                       rules=services.visible_rules(request.user))
    if request.method == "POST":
        done, _silence = submit(request, form, lambda: services.create_silence(request.user, **form.service_values()),
                                _("The silence is in force: matching alerts open no event until it ends."))
        if done:
            return redirect("manage:monitor:silences")
    return _form(request, form, _("New silence"), "manage:monitor:silences")


@require_POST
@manage_view(MANAGE)
def silence_expire(request, pk: int):
    perform(request, lambda: services.expire_silence(request.user, pk), _("The silence has ended."))
    return redirect("manage:monitor:silences")


# --- Routes --------------------------------------------------------------------------------------------------


@require_GET
@manage_view(VIEW)
def route_list(request):
    listing = ROUTE_LIST.bind(request, services.visible_routes(request.user))
    return listing.response("monitor/alerts/routes.html", "monitor/alerts/_routes_table.html",
                            {"can_manage": has_permission(request.user, MANAGE)})


@manage_view(MANAGE)
def route_edit(request, pk: int | None = None):
    route = get_in_scope(AlertRoute, request.user, MANAGE, pk) if pk else None
    initial = {"region": route.region_id, "unit": route.unit_id, "category": route.category,
               "assignee": route.assignee_id} if route else {}
    form = RouteForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST":
        done, _route = submit(request, form, lambda: services.save_route(request.user, pk, **form.service_values()),
                              _("The route has been saved."))
        if done:
            return redirect("manage:monitor:alert_routes")
    return _form(request, form, _("Edit route") if route else _("New route"), "manage:monitor:alert_routes")


@require_POST
@manage_view(MANAGE)
def route_delete(request, pk: int):
    perform(request, lambda: services.delete_route(request.user, pk), _("The route has been deleted."))
    return redirect("manage:monitor:alert_routes")


manage_urlpatterns = [
    path("", alert_list, name="alerts"),
    path("<int:pk>/", alert_detail, name="alert"),
    path("rules/", rule_list, name="alert_rules"),
    path("rules/new/", rule_create, name="alert_rule_create"),
    path("rules/<int:pk>/", rule_edit, name="alert_rule_edit"),
    path("silences/", silence_list, name="silences"),
    path("silences/new/", silence_create, name="silence_create"),
    path("silences/<int:pk>/expire/", silence_expire, name="silence_expire"),
    path("routes/", route_list, name="alert_routes"),
    path("routes/new/", route_edit, name="alert_route_create"),
    path("routes/<int:pk>/", route_edit, name="alert_route_edit"),
    path("routes/<int:pk>/delete/", route_delete, name="alert_route_delete"),
]
