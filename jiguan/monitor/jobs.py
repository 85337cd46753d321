"""The monitoring center's periodic jobs, run by the worker (registered on import, from ``apps.py``)."""

from datetime import timedelta

from django.utils.translation import gettext_lazy as _

from jiguan.core.jobs import periodic


@periodic("monitor.kpis", _("Take KPI snapshots and thin out old ones"), timedelta(hours=1))
def kpis_job() -> str:
    from .services.kpis import compute_all, tidy

    return f"{compute_all()} snapshots, {tidy()} thinned"


@periodic("monitor.alerts", _("Evaluate alert rules"), timedelta(minutes=5))
def alerts_job() -> str:
    from .services.alerts import evaluate_all

    counts = evaluate_all()
    return ", ".join(f"{name} {count}" for name, count in counts.items())


@periodic("monitor.verify_audit", _("Audit chain verification (recorded for the security watch)"),
          timedelta(hours=24))
def verify_audit_job() -> str:
    from .services.health import record_verification

    return f"{record_verification().problem_count} problems"
