"""The data center's periodic jobs, run by the worker (registered on import, from ``apps.py``)."""

from datetime import timedelta

from django.utils.translation import gettext_lazy as _

from jiguan.core.jobs import periodic


@periodic("datahub.stale_runs", _("Fail ingestion runs whose worker stopped; sweep the store"), timedelta(minutes=5))
def stale_runs_job() -> str:
    from .services.runs import fail_stale_runs

    return f"{fail_stale_runs()} stale"


@periodic("datahub.pull", _("Pull data from source databases when due"), timedelta(minutes=15))
def pull_job() -> str:
    from .services.runs import pull_due

    return f"{pull_due()} pulls"


@periodic("datahub.reporting_late", _("Flag late reporting submissions"), timedelta(hours=6))
def late_submissions_job() -> str:
    from .services.reporting import flag_late_assignments

    return f"{flag_late_assignments()} late"


@periodic("datahub.package_imports", _("Publish verified reporting packages"), timedelta(minutes=5))
def package_imports_job() -> str:
    from .services.packages import advance_imports

    return f"{advance_imports()} settled"
