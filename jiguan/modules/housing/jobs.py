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
