"""Applications through the services: apply → unit confirms → bureau finds eligible (waiting list), each
refusal of the eligibility check, validation that changes nothing, returns, withdrawals, the timeline."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.http import Http404
from django.utils import timezone

from jiguan.core.errors import NotAllowed, StateError, ValidationFailed
from jiguan.core.models import Notification
from jiguan.core.models.org import PersonStatus
from jiguan.core.statemachine import timeline
from jiguan.modules.housing.models import Application, FamilyMember, ScoringCriteria
from jiguan.modules.housing.services import applications as apps

from .world import application_values, applied, build_world, confirmed, spouse, waiting

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return build_world()


def test_apply_confirm_approve_puts_the_applicant_on_the_list(w):
    application = applied(w, family=[spouse()], hardship_notes="配偶随迁，无固定住所。")
    assert (application.state, application.unit, application.region_id) == ("submitted", w.finance, "360100")
    assert Notification.objects.filter(recipient=w.fin_admin, link__contains=f"/applications/{application.pk}/")

    apps.confirm(w.fin_admin, application.pk, "情况属实")
    assert Notification.objects.filter(recipient=w.nc_admin).exists()
    application = apps.approve(w.nc_admin, application.pk, hardship_level=1)

    assert application.state == "waiting" and application.eligible_since == timezone.localdate()
    assert application.score == 15  # 0 rank steps (lowest rank) + 1 family × 5 + 1 hardship × 10
    assert [e.action for e in timeline(application)] == ["apply", "confirm", "approve"]
    assert Notification.objects.filter(recipient=w.staff, title__contains="1").exists()


def test_family_id_numbers_are_encrypted_and_masked(w):
    member_values = spouse()
    application = applied(w, family=[member_values])
    member = application.family.get()
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM housing_familymember WHERE id = %s", [member.pk])
        raw = cursor.fetchone()[0]
    assert raw.startswith("sm4gcm:") and member_values["id_number"] not in raw
    assert member.id_number_masked == member_values["id_number"][:6] + "********" + member_values["id_number"][-4:]


@pytest.mark.parametrize(("changes", "field"), [
    ({"category": "promoted"}, "category"),
    ({"category_date": ""}, "category_date"),
    ({"category_date": "2026-02-30"}, "category_date"),
    ({"category_date": timezone.localdate() + timedelta(days=3)}, "category_date"),
    ({"category_date": timezone.localdate() - timedelta(days=800)}, "category_date"),
    ({"no_home_declared": False}, "no_home_declared"),
    ({"hardship_notes": "难" * 1001}, "hardship_notes"),
    ({"family": [spouse(id_number="360102199001011234")]}, "family"),
    ({"family": [spouse(relation="friend")]}, "family"),
    ({"family": [spouse(name="")]}, "family"),
    ({"family": [spouse(1), spouse(1, relation="child")]}, "family"),
    ({"family": [spouse(1), spouse(2)]}, "family"),
])
def test_bad_input_is_refused_and_changes_nothing(w, changes, field):
    with pytest.raises(ValidationFailed) as refusal:
        applied(w, **changes)
    assert field in refusal.value.errors
    assert refusal.value.errors[field][0]
    assert not Application.objects.exists() and not FamilyMember.objects.exists()


def test_window_is_the_regions_own(w):
    ScoringCriteria.objects.create(region_id="360100", category_window_months=1)
    with pytest.raises(ValidationFailed) as refusal:
        applied(w)  # 60 days ago
    assert "1 个月" in refusal.value.errors["category_date"][0]


def test_one_open_application_per_person(w):
    applied(w)
    with pytest.raises(StateError):
        applied(w)
    with pytest.raises(IntegrityError), transaction.atomic():  # the database holds the rule too
        first = Application.objects.get()
        Application.objects.create(person=first.person, applicant=first.applicant, unit=first.unit,
                                   region=first.region, category="recruited", category_date=first.category_date,
                                   no_home_declared=True)
    assert Application.objects.count() == 1


def test_accounts_without_a_person_or_out_of_post_cannot_apply(w):
    from jiguan.core.testing import make_account

    nobody = make_account("nobody", roles=("staff",))
    with pytest.raises(ValidationFailed):
        apps.apply(nobody, **application_values())
    w.clerk.status = PersonStatus.RETIRED
    w.clerk.save()
    with pytest.raises(ValidationFailed):
        applied(w)
    assert not Application.objects.exists()


def test_return_by_the_unit_and_resubmission(w):
    application = applied(w)
    with pytest.raises(ValidationFailed):
        apps.return_application(w.fin_admin, application.pk, "")
    apps.return_application(w.fin_admin, application.pk, "请补充调入文件")
    application.refresh_from_db()
    assert application.state == "returned"
    with pytest.raises(StateError):
        apps.confirm(w.fin_admin, application.pk)
    apps.resubmit(w.staff, application.pk, **application_values(category="recruited", family=[spouse()]))
    application.refresh_from_db()
    assert (application.state, application.category, application.family.count()) == ("submitted", "recruited", 1)


def test_the_bureau_returns_a_confirmed_application(w):
    application = confirmed(w)
    with pytest.raises(NotAllowed):  # the unit's step is over: returning it now is the bureau's
        apps.return_application(w.fin_admin, application.pk, "再看看")
    apps.return_application(w.nc_admin, application.pk, "调入时间材料不清")
    application.refresh_from_db()
    assert application.state == "returned"


def test_withdraw_only_own_and_only_before_an_offer(w):
    application = applied(w)
    with pytest.raises(Http404):
        apps.withdraw(w.staff2, application.pk)
    apps.withdraw(w.staff, application.pk, "已购房")
    application.refresh_from_db()
    assert application.state == "withdrawn"
    with pytest.raises(StateError):
        apps.withdraw(w.staff, application.pk)
    applied(w)  # a new application is possible once the old one is closed


# --- The eligibility check: each reason ----------------------------------------------------------------------


def test_category_window_is_checked_again_at_review(w):
    application = confirmed(w)
    Application.objects.filter(pk=application.pk).update(category_date=timezone.localdate() - timedelta(days=900))
    with pytest.raises(ValidationFailed) as refusal:
        apps.approve(w.nc_admin, application.pk)
    assert "24 个月" in refusal.value.errors["eligibility"][0]
    application.refresh_from_db()
    assert application.state == "confirmed" and application.eligible_since is None


def test_person_no_longer_in_post_is_not_eligible(w):
    application = confirmed(w)
    w.clerk.status = PersonStatus.TRANSFERRED
    w.clerk.save()
    with pytest.raises(ValidationFailed) as refusal:
        apps.approve(w.nc_admin, application.pk)
    assert "调离" in refusal.value.errors["eligibility"][0]


def test_spouse_already_on_an_open_application_is_found(w):
    member = spouse()
    waiting(w, w.staff2, family=[member])
    application = confirmed(w, family=[member])
    with pytest.raises(ValidationFailed) as refusal:
        apps.approve(w.nc_admin, application.pk)
    assert "赵科员" in refusal.value.errors["eligibility"][0]


def test_applicant_listed_as_family_elsewhere_is_found(w):
    waiting(w, w.staff2, family=[spouse(name="王科员", id_number=w.clerk.id_number)])
    application = confirmed(w)
    with pytest.raises(ValidationFailed) as refusal:
        apps.approve(w.nc_admin, application.pk)
    assert "赵科员" in refusal.value.errors["eligibility"][0]


def test_earlier_refusal_for_owning_a_home_is_found(w):
    first = confirmed(w)
    apps.reject(w.nc_admin, first.pk, refusal="owns_home", comment="经核实本人在南昌市有房产")
    first.refresh_from_db()
    assert (first.state, first.refusal) == ("rejected", "owns_home")
    second = confirmed(w)
    with pytest.raises(ValidationFailed) as refusal:
        apps.approve(w.nc_admin, second.pk)
    assert "拥有住房" in refusal.value.errors["eligibility"][0]


def test_reject_needs_a_reason_code_and_an_explanation(w):
    application = confirmed(w)
    with pytest.raises(ValidationFailed) as refusal:
        apps.reject(w.nc_admin, application.pk, refusal="dislike", comment="")
    assert set(refusal.value.errors) == {"refusal", "comment"}
    application.refresh_from_db()
    assert application.state == "confirmed"


def test_hardship_level_is_bounded(w):
    application = confirmed(w)
    with pytest.raises(ValidationFailed) as refusal:
        apps.approve(w.nc_admin, application.pk, hardship_level=4)
    assert "hardship_level" in refusal.value.errors


def test_steps_in_the_wrong_order_are_refused(w):
    application = applied(w)
    with pytest.raises(StateError):
        apps.approve(w.nc_admin, application.pk)
    with pytest.raises(NotAllowed):  # a unit administrator does not review eligibility
        apps.approve(w.fin_admin, application.pk)
