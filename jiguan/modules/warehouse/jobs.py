"""The module's periodic jobs, run by the worker."""

from datetime import timedelta

from django.utils.translation import gettext_lazy as _

from jiguan.core.jobs import periodic


@periodic("warehouse.idle_reminders", _("Remind units to offer assets idle for 6 months to the pool"),
          timedelta(days=1))
def idle_reminders_job() -> str:
    from .services.idle import run_idle_reminders

    counts = run_idle_reminders()
    return ", ".join(f"{count} {name}" for name, count in counts.items())


@periodic("warehouse.loan_reminders", _("Remind borrowers of pool items due back and flag overdue loans"),
          timedelta(days=1))
def loan_reminders_job() -> str:
    from .services.loans import run_loan_reminders

    counts = run_loan_reminders()
    return ", ".join(f"{count} {name}" for name, count in counts.items())


@periodic("warehouse.close_lots", _("Close ended disposal biddings and pass unpaid lots to the next bidder"),
          timedelta(minutes=1))
def close_lots_job() -> str:
    from .services.bidding import close_due_lots

    return f"{close_due_lots()} lots closed"
