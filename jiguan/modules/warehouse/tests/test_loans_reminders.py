"""The daily loan job: a reminder three days before the due date, sent once per due date; past the due date one
overdue event for the keeping unit, settled by the return (or by an extension past today)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from jiguan.core.jobs import registered_jobs
from jiguan.core.models import Event, Notification
from jiguan.core.services.common import subject_reference
from jiguan.core.testing import make_account
from jiguan.modules.warehouse.models import Loan
from jiguan.modules.warehouse.services import loans
from jiguan.monitor.models import Alert
from jiguan.monitor.services import alerts

from .test_loans import lent, returned
from .world import build_world, pooled

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    world = build_world()
    world.item = pooled(world, name="折叠会议桌", source_unit=world.education)
    return world


def overdue_events(loan):
    content_type, object_id = subject_reference(loan)
    return Event.objects.filter(type="warehouse.loan_overdue", subject_type=content_type, subject_id=object_id)


def test_a_reminder_goes_out_once_three_days_before(w):
    loan = lent(w, days=5)
    before = Notification.objects.filter(recipient=w.finance_admin).count()
    today = timezone.localdate()
    assert loans.run_loan_reminders(today) == {"reminded": 0, "overdue": 0}  # five days left
    assert loans.run_loan_reminders(today + timedelta(days=2)) == {"reminded": 1, "overdue": 0}
    assert loans.run_loan_reminders(today + timedelta(days=3)) == {"reminded": 0, "overdue": 0}  # sent already
    assert Notification.objects.filter(recipient=w.finance_admin).count() == before + 1
    loan.refresh_from_db()
    assert loan.reminded_on == today + timedelta(days=2)
    loans.extend_loan(w.bureau_admin, loan.pk, due_on=loan.due_on + timedelta(days=10))
    assert loans.run_loan_reminders(today + timedelta(days=12)) == {"reminded": 1, "overdue": 0}  # the new date


def test_overdue_opens_exactly_one_event_and_the_return_settles_it(w):
    loan = lent(w, days=2)
    later = timezone.localdate() + timedelta(days=3)
    before = Notification.objects.filter(recipient=w.finance_admin).count()
    assert loans.run_loan_reminders(later)["overdue"] == 1
    assert loans.run_loan_reminders(later)["overdue"] == 0
    assert loans.run_loan_reminders(later + timedelta(days=1))["overdue"] == 0
    event = overdue_events(loan).get()
    assert (event.unit, event.assignee_unit, event.status) == (w.bureau, w.bureau, "dispatched")
    assert "折叠会议桌" in event.title and event.due_at is not None
    assert Notification.objects.filter(recipient=w.finance_admin).count() == before + 1  # the borrower, once
    returned(w, loan)
    event.refresh_from_db()
    assert event.status == "resolved"
    assert loans.run_loan_reminders(later + timedelta(days=2)) == {"reminded": 0, "overdue": 0}


def test_an_extension_past_today_settles_the_overdue_event(w):
    loan = lent(w, days=0)
    tomorrow = timezone.localdate() + timedelta(days=1)
    loans.run_loan_reminders(tomorrow)
    loans.extend_loan(w.bureau_admin, loan.pk, due_on=loan.due_on + timedelta(days=14))
    assert overdue_events(loan).get().status == "resolved"


def test_the_monitor_alert_on_an_overdue_loan_joins_the_loans_own_event(w):
    loan = lent(w, days=0)
    today = timezone.localdate()  # the monitor's rule reads today's date: the loan is made due yesterday
    Loan.objects.filter(pk=loan.pk).update(starts_on=today - timedelta(days=3), due_on=today - timedelta(days=1))
    loans.run_loan_reminders(today)
    alerts.seed_default_rules()
    alerts.evaluate_all()
    alert = Alert.objects.get(rule__code="default.warehouse.loan_overdue")
    assert alert.state == "firing" and alert.event == overdue_events(loan).get()
    assert not Event.objects.filter(type="monitor.alert").exists()  # one problem, one work item


def test_the_job_is_registered_daily():
    job = registered_jobs()["warehouse.loan_reminders"]
    assert job.every == timedelta(days=1)
    assert job.run() == "0 reminded, 0 overdue"


def test_managers_and_keepers_hear_once_of_several_overdue_loans(w):
    deputy = make_account("fin_deputy", roles=("unit_admin",), unit=w.finance)
    lent(w, days=2)
    lent(w, item=pooled(w, name="投影仪", source_unit=w.education), days=1)
    seen = {account.pk: Notification.objects.filter(recipient=account).count()
            for account in (w.finance_admin, deputy, w.bureau_admin)}

    def new(account):
        return list(Notification.objects.filter(recipient=account).order_by("pk"))[seen[account.pk]:]

    assert loans.run_loan_reminders(timezone.localdate() + timedelta(days=3))["overdue"] == 2
    assert len(new(w.finance_admin)) == 2  # the requester hears of each of their loans
    [summary] = new(deputy)  # another manager of the borrowing unit: one summary
    assert summary.title == "2 件借用物品已逾期未还，请尽快归还"
    assert "折叠会议桌" in summary.body and "投影仪" in summary.body and summary.link.endswith("?overdue=1")
    [announced] = new(w.bureau_admin)  # the keeper's handler: one message for the two events
    assert announced.title == "2 件出借物品逾期未还，新派遣待处置事件"
