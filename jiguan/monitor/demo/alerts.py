"""Demo alerts: the default rules, then three days of evaluations over the demo ledger — business rules
finding over-standard rooms and overdue recoveries (firing, each with its event), one unit's alerts
silenced while it rectifies, and an idle-rate threshold that fired and resolved with its event settled."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal
from itertools import islice

from django.utils import timezone

from jiguan.core.models import Account, OrgUnit
from jiguan.core.models.org import UnitKind
from jiguan.core.registry import registry

from ..models import Alert, AlertRule, KpiSnapshot, Silence
from ..models.alerts import AlertState
from ..services import alerts as services

IDLE_RATE = "officespace.idle_rate"
HOUR = timedelta(hours=1)


def seed_demo(scale: str, rng: random.Random) -> str:
    """Called after the office-space demo; returns a one-line summary."""
    rules = services.seed_default_rules()
    start = timezone.now() - timedelta(days=3)
    _silence_one_unit(start)
    threshold = AlertRule.objects.filter(kpi=IDLE_RATE, kind="threshold").first()
    unit = _demo_unit()
    if threshold is not None and unit is not None:
        # Idle rate above 10 % for two hours, then back under it: fires after the pending hour, resolves
        # after the keep-firing hour.
        for hours, value in ((0, rng.uniform(12, 16)), (2, rng.uniform(6, 9))):
            KpiSnapshot.objects.get_or_create(kpi=IDLE_RATE, org_path=unit.org_path, taken_at=start + hours * HOUR,
                                              defaults={"region": unit.region, "unit": unit,
                                                        "value": Decimal(f"{value:.2f}")})
    for hours in range(4):
        services.evaluate_all(start + hours * HOUR)
    services.evaluate_all()
    alerts = Alert.objects.all()
    return (f"预警规则 {rules} 条；告警中 {alerts.filter(state=AlertState.FIRING).count()} 条"
            f"（静默 {alerts.filter(state=AlertState.FIRING, silence__isnull=False).count()} 条），"
            f"已解除 {alerts.filter(state=AlertState.RESOLVED).count()} 条")


def _silence_one_unit(start) -> None:
    """The unit behind the first problem a module's rule finds is rectifying: that rule's alerts there are silenced."""
    found = next(((rule, obj) for spec in registry for rule in spec.rules for obj in islice(rule.evaluate(), 1)),
                 None)
    unit = getattr(found[1], "unit", None) if found else None
    if unit is None:
        return
    unit = unit.unit if unit.kind == UnitKind.DEPARTMENT else unit
    Silence.objects.create(
        rule=AlertRule.objects.filter(business_rule=found[0].code).first(), region=unit.region, unit=unit,
        starts_at=start, ends_at=timezone.now() + timedelta(days=14),
        reason=f"{unit.name}正在按整改方案调整办公用房，整改期内暂停派发预警事件",
        created_by=Account.objects.filter(username="jx_admin").first(),
    )


def _demo_unit() -> OrgUnit | None:
    """南昌市财政局 (the demo unit administrator's unit), else any agency."""
    account = Account.objects.filter(username="unit_admin").select_related("unit__region").first()
    if account is not None and account.unit is not None:
        return account.unit
    return OrgUnit.objects.filter(kind=UnitKind.UNIT, active=True, is_bureau=False).select_related("region").first()
