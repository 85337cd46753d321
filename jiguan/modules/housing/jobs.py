"""The module's periodic jobs, run by the worker."""

from datetime import timedelta

from django.utils.translation import gettext_lazy as _

from jiguan.core.jobs import periodic


@periodic("housing.offer_expiry", _("Expire unanswered flat offers"), timedelta(hours=1))
def offer_expiry_job() -> str:
    from .services.offers import expire_offers

    return f"{expire_offers()} expired"


@periodic("housing.waiting_scores", _("Rescore the housing waiting lists"), timedelta(days=1))
def waiting_scores_job() -> str:
    """Months waited grow every day; the stored scores follow once a day."""
    from .services.waiting import rescore_all

    return f"{rescore_all()} rescored"


@periodic("housing.monthly_billing", _("Bill rent and utilities of staff flats"), timedelta(days=1))
def monthly_billing_job() -> str:
    """Months are billed once over; the run is idempotent, so running it daily bills each on its first day."""
    from .services.billing import run_monthly_billing

    return f"{run_monthly_billing()} charges"


@periodic("housing.tenancy_deadlines", _("End expired staff-flat leases, flag overstays and remind tenants"),
          timedelta(days=1))
def tenancy_deadlines_job() -> str:
    from .services.endings import run_deadlines

    counts = run_deadlines()
    return ", ".join(f"{count} {name}" for name, count in counts.items())
