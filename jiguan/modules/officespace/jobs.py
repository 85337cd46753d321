"""The module's periodic jobs, run by the worker."""

from datetime import timedelta

from django.utils.translation import gettext_lazy as _

from jiguan.core.jobs import periodic


@periodic("officespace.recoveries", _("Flag overdue office-space recoveries"), timedelta(hours=6))
def overdue_recoveries_job() -> str:
    from .services import flag_overdue_recoveries

    return f"{flag_overdue_recoveries()} overdue"
