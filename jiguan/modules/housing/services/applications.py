"""Applications for a staff flat: 申请 (the staff member, in the service portal) → 单位确认 (the unit's
administrator confirms or returns) → 资格审核 (the bureau checks eligibility) → 轮候 (the waiting list).
The only place applications change state.

The module keeps its own declared state machine rather than the kernel's configurable approval flow: the
two steps are fixed by the rules and do different work (the unit vouches for facts about its staff, the
bureau runs the eligibility checks and assesses hardship), and what follows — the list, offers, the
lease — is the application's own life, not an approval outcome.

Eligibility is checked against what the platform holds: the category and its date within the region's
window; the person still in post; no other open application or accepted offer of the person (also a
partial unique index); neither the applicant nor a listed family member already on another open
application (a spouse who applied, found by ID blind index); no earlier application of the person found
not eligible for owning a home in the city within ``OWNS_HOME_LOOKBACK_DAYS``. What the platform does not
hold yet and a deployment could add through the data center: the real-estate register (不动产登记) by ID
number of the applicant and spouse, housing-fund (公积金) withdrawals for a home purchase, and the
personnel file's transfer or recruitment date instead of the declared one.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from jiguan.core import notify
from jiguan.core.crypto import blind_index
from jiguan.core.errors import StateError, ValidationFailed
from jiguan.core.models import Person
from jiguan.core.models.org import PersonStatus
from jiguan.core.registry import OwnRequest
from jiguan.core.services.base import get_in_scope, require
from jiguan.core.services.common import permission_holders, use_case
from jiguan.core.services.inputs import (
    Errors,
    add_months,
    bounded_int,
    choice,
    date_value,
    find,
    text,
    unique,
)
from jiguan.core.statemachine import StateMachine, record
from jiguan.core.validators import validate_id_number

from ..models import OPEN_STATES, Application, ApplicationState, Category, FamilyMember, Refusal, Relation
from ..models.applications import HARDSHIP_LEVELS
from ..module import CONFIRM, REVIEW
from . import waiting

USE_SERVICE = "core.use_service"
MAX_FAMILY = 10
OWNS_HOME_LOOKBACK_DAYS = 3 * 365

S = ApplicationState
APPLICATION_MACHINE = StateMachine("state", {
    "resubmit": {S.RETURNED: S.SUBMITTED},
    "confirm": {S.SUBMITTED: S.CONFIRMED},
    "return": {S.SUBMITTED: S.RETURNED, S.CONFIRMED: S.RETURNED},
    "approve": {S.CONFIRMED: S.WAITING},
    "reject": {S.CONFIRMED: S.REJECTED},
    "withdraw": {S.SUBMITTED: S.WITHDRAWN, S.RETURNED: S.WITHDRAWN, S.CONFIRMED: S.WITHDRAWN,
                 S.WAITING: S.WITHDRAWN},
    "offer": {S.WAITING: S.OFFERED},
    "accept": {S.OFFERED: S.ACCEPTED},
    "decline": {S.OFFERED: S.WAITING},
    "expire": {S.OFFERED: S.WAITING},
    "sign": {S.ACCEPTED: S.HOUSED},  # services.leases
    "move_out": {S.HOUSED: S.MOVED_OUT},  # the tenancy is settled at check-out
})
APPLICATION_ACTIONS = {
    "apply": pgettext_lazy("housing application action", "Applied"),
    "resubmit": pgettext_lazy("housing application action", "Revised and resubmitted"),
    "confirm": pgettext_lazy("housing application action", "Confirmed by the unit"),
    "return": pgettext_lazy("housing application action", "Returned for revision"),
    "approve": pgettext_lazy("housing application action", "Eligible: on the waiting list"),
    "reject": pgettext_lazy("housing application action", "Found not eligible"),
    "withdraw": pgettext_lazy("housing application action", "Withdrawn"),
    "offer": pgettext_lazy("housing application action", "Flat offered"),
    "accept": pgettext_lazy("housing application action", "Offer accepted"),
    "decline": pgettext_lazy("housing application action", "Offer declined"),
    "expire": pgettext_lazy("housing application action", "Offer expired"),
    "to_end": pgettext_lazy("housing application action", "Moved to the end of the list"),
    "sign": pgettext_lazy("housing application action", "Lease signed"),
    "move_out": pgettext_lazy("housing application action", "Moved out"),
}
# Who may return an application, by the step it is at.
RETURNING_PERMISSION = {S.SUBMITTED: CONFIRM, S.CONFIRMED: REVIEW}


def check_action(application: Application, action: str) -> None:
    if action not in APPLICATION_MACHINE.allowed_actions(application):
        raise StateError(_("The application is “%(state)s”; “%(action)s” is not possible now.")
                         % {"state": application.get_state_display(), "action": APPLICATION_ACTIONS[action]})


# --- The staff member ---------------------------------------------------------------------------------------


def _applicant(user) -> Person:
    require(user, USE_SERVICE)
    person = (Person.objects.select_for_update(of=("self",)).filter(pk=user.person_id)
              .select_related("unit__region", "unit__unit").first())
    if person is None:
        raise ValidationFailed(_("Your account is not linked to a member of staff, so you cannot apply for a flat."))
    if person.status != PersonStatus.ACTIVE:
        raise ValidationFailed(_("Only staff in post can apply for a flat; you are recorded as “%(status)s”.")
                               % {"status": person.get_status_display()})
    return person


@use_case
def apply(user, **values) -> Application:
    """A staff member applies; values: category, category_date, no_home_declared, hardship_notes,
    family ``[{"name", "relation", "id_number"}]``. One open application or tenancy per person."""
    person = _applicant(user)
    agency = person.unit.agency
    application = Application(person=person, applicant=user, unit=agency, region=agency.region)
    family = _set_fields(application, values)
    if Application.objects.filter(person=person, state__in=OPEN_STATES).exists():
        raise StateError(_("You already have a housing application or a flat in progress; follow it up, or "
                           "withdraw it before applying again."))
    with unique("person", _("You already have a housing application or a flat in progress.")):
        application.save()
    _save_family(application, family)
    record(application, "apply", "", application.state, actor=user)
    _tell(permission_holders(application.org_path, CONFIRM, nearest=True),
          _("%(name)s applies for a staff flat") % {"name": person.name}, application, manage=True)
    return application


def _set_fields(application: Application, values: dict) -> list[FamilyMember]:
    errors = Errors()
    application.category = choice(errors, "category", values.get("category"), label=_("eligibility category"),
                                  choices=Category)
    application.category_date = _category_date(errors, application, values.get("category_date"))
    declared = values.get("no_home_declared")
    if declared not in (True, "true", "on", "1", 1):
        errors.add("no_home_declared", _("Only staff without a home in the city can apply: confirm the declaration "
                                         "that you and your family own no home here."))
    application.no_home_declared = True
    application.hardship_notes = text(errors, "hardship_notes", values.get("hardship_notes"),
                                      label=_("hardship"), max_length=1000, required=False)
    family = _family(errors, application.person, values.get("family"))
    errors.raise_if_any()
    return family


def _category_date(errors: Errors, application: Application, value) -> date | None:
    label = _("date of transfer, recruitment or exchange")
    if value in (None, ""):
        errors.add("category_date", _("Please fill in %(field)s.") % {"field": label})
        return None
    day = date_value(errors, "category_date", value, label=label)
    if day is not None:
        problem = category_problem(application.region, day)
        if problem:
            errors.add("category_date", problem)
    return day


def category_problem(region, day: date, today: date | None = None) -> str:
    """Why ``day`` (of the transfer, recruitment or exchange) does not qualify, or ""."""
    today = today or timezone.localdate()
    window = waiting.criteria_for(region).category_window_months
    if day > today:
        return _("The date of transfer, recruitment or exchange (%(day)s) is in the future.") % {"day": day}
    if add_months(day, window) < today:
        return _("The transfer, recruitment or exchange on %(day)s was more than %(n)d months ago; only staff within "
                 "%(n)d months of it can apply.") % {"day": day, "n": window}
    return ""


def _family(errors: Errors, person: Person, raw) -> list[FamilyMember]:
    members, seen = [], {person.id_digest} if person.id_digest else set()
    entries = list(raw or ())
    if len(entries) > MAX_FAMILY:
        errors.add("family", _("List at most %(n)d family members.") % {"n": MAX_FAMILY})
        return []
    for index, entry in enumerate(entries, start=1):
        entry = entry if isinstance(entry, dict) else {}
        member = FamilyMember(
            name=text(errors, "family", entry.get("name"), label=_("the name of family member %(n)d") % {"n": index},
                      max_length=50),
            relation=choice(errors, "family", entry.get("relation"),
                            label=_("the relation of family member %(n)d") % {"n": index}, choices=Relation),
            id_number=str(entry.get("id_number") or "").strip().upper(),
        )
        try:
            validate_id_number(member.id_number)
        except DjangoValidationError as problem:
            errors.add("family", _("Family member %(n)d: %(problem)s") % {"n": index, "problem": problem.messages[0]})
            continue
        digest = blind_index(member.id_number)
        if digest in seen:
            errors.add("family", _("The ID number of family member %(n)d is listed twice or is your own.")
                       % {"n": index})
        seen.add(digest)
        members.append(member)
    spouses = [m for m in members if m.relation == Relation.SPOUSE]
    if len(spouses) > 1:
        errors.add("family", _("List at most one spouse."))
    return members


def _save_family(application: Application, family: list[FamilyMember]) -> None:
    for member in family:
        member.application = application
        member.save()


def my_applications(user) -> QuerySet:
    """The signed-in staff member's own applications, newest first."""
    require(user, USE_SERVICE)
    return Application.objects.filter(person_id=user.person_id).select_related("unit", "region", "person")


def own_requests(user) -> list[OwnRequest]:
    """The staff member's applications as the service portal's list of their applications shows them."""
    return [OwnRequest.of(a, _("Staff flat application: %(category)s") % {"category": a.get_category_display()},
                          reverse("service:housing:application", args=[a.pk]))
            for a in my_applications(user)]


def my_application(user, application_id, *, lock: bool = False) -> Application:
    applications = my_applications(user)
    application = find(applications.select_for_update(of=("self",)) if lock else applications, application_id)
    if application is None:
        raise Http404(_("Not found."))
    return application


def applicant_actions(application: Application) -> set[str]:
    """What the applicant may do with their own application now: revise it once returned, withdraw it
    before a flat is offered."""
    allowed = APPLICATION_MACHINE.allowed_actions(application)
    return {action for action, step in (("revise", "resubmit"), ("withdraw", "withdraw")) if step in allowed}


@use_case
def resubmit(user, application_id, **values) -> Application:
    """The applicant revises a returned application and sends it to the unit again."""
    application = my_application(user, application_id, lock=True)
    check_action(application, "resubmit")
    family = _set_fields(application, values)
    application.family.all().delete()
    APPLICATION_MACHINE.transition(application, "resubmit", user)
    _save_family(application, family)
    _tell(permission_holders(application.org_path, CONFIRM, nearest=True),
          _("%(name)s resubmits a housing application") % {"name": application.person.name}, application,
          manage=True)
    return application


@use_case
def withdraw(user, application_id, comment="") -> Application:
    """The applicant withdraws before a flat is offered (an open offer is declined instead)."""
    application = my_application(user, application_id, lock=True)
    check_action(application, "withdraw")
    errors = Errors()
    comment = text(errors, "comment", comment, label=_("remarks"), max_length=500, required=False)
    errors.raise_if_any()
    APPLICATION_MACHINE.transition(application, "withdraw", user, comment)
    return application


# --- The unit and the bureau ---------------------------------------------------------------------------------


def _reviewed(user, application_id, permission: str) -> Application:
    queryset = Application.objects.select_related("person__rank", "unit__region", "region", "applicant")
    return get_in_scope(Application, user, permission, application_id, lock=True, queryset=queryset)


@use_case
def confirm(user, application_id, comment="") -> Application:
    """The unit vouches for the facts (category, date, family) and passes the application to the bureau."""
    application = _reviewed(user, application_id, CONFIRM)
    comment = _comment(comment, required=False)
    check_action(application, "confirm")
    APPLICATION_MACHINE.transition(application, "confirm", user, comment)
    _tell(permission_holders(application.org_path, REVIEW, nearest=True),
          _("Housing application to review: %(name)s (%(unit)s)")
          % {"name": application.person.name, "unit": application.unit.name}, application, manage=True)
    _tell([application.applicant], _("Your unit has confirmed your housing application"), application)
    return application


@use_case
def return_application(user, application_id, comment) -> Application:
    """The unit (before confirming) or the bureau (before its review) sends the application back, saying why."""
    state = Application.objects.filter(pk=application_id).values_list("state", flat=True).first() \
        if str(application_id).isdigit() else None
    application = _reviewed(user, application_id, RETURNING_PERMISSION.get(state, REVIEW))
    comment = _comment(comment, required=True)
    check_action(application, "return")
    APPLICATION_MACHINE.transition(application, "return", user, comment)
    _tell([application.applicant], _("Your housing application was returned for revision"), application,
          body=comment)
    return application


def eligibility_problems(application: Application, today: date | None = None) -> list[tuple[str, str]]:
    """``(refusal code, reason)`` for every eligibility check the application fails; empty when eligible."""
    problems = []
    day_problem = category_problem(application.region, application.category_date, today)
    if day_problem:
        problems.append((Refusal.CATEGORY, day_problem))
    person = application.person
    if person.status != PersonStatus.ACTIVE:
        problems.append((Refusal.OTHER, _("%(name)s is no longer in post (%(status)s).")
                         % {"name": person.name, "status": person.get_status_display()}))
    problems += _holding_problems(application)
    refused = (Application.objects.filter(person=person, refusal=Refusal.OWNS_HOME,
                                          reviewed_at__gte=timezone.now() - timedelta(days=OWNS_HOME_LOOKBACK_DAYS))
               .exclude(pk=application.pk).order_by("-reviewed_at").first())
    if refused:
        problems.append((Refusal.OWNS_HOME, _("An earlier application of %(name)s was found not eligible on %(day)s "
                                              "because a home in the city is owned.")
                         % {"name": person.name, "day": timezone.localdate(refused.reviewed_at)}))
    return problems


def _holding_problems(application: Application) -> list[tuple[str, str]]:
    """The applicant or a family member already on another open application (as applicant or family)."""
    others = Application.objects.filter(state__in=OPEN_STATES).exclude(pk=application.pk)
    digests = set(application.family.values_list("id_digest", flat=True))
    problems = []
    if application.person.id_digest:
        listed = (FamilyMember.objects.filter(id_digest=application.person.id_digest, application__in=others)
                  .select_related("application__person").first())
        if listed:
            problems.append((Refusal.HOLDS_FLAT, _("%(name)s is listed as family on the open application of "
                                                   "%(other)s.") % {"name": application.person.name,
                                                                    "other": listed.application.person.name}))
    holders = others.filter(Q(person__id_digest__in=digests) | Q(family__id_digest__in=digests)).distinct()
    for other in holders.select_related("person")[:5]:
        problems.append((Refusal.HOLDS_FLAT, _("A family member listed here is already on the open application of "
                                               "%(other)s.") % {"other": other.person.name}))
    return problems


@use_case
def approve(user, application_id, *, hardship_level=0, comment="") -> Application:
    """The bureau finds the application eligible: it joins the waiting list, scored, from today."""
    application = _reviewed(user, application_id, REVIEW)
    errors = Errors()
    level = bounded_int(errors, "hardship_level", hardship_level, label=_("hardship level"), low=0,
                        high=HARDSHIP_LEVELS)
    comment = text(errors, "comment", comment, label=_("remarks"), max_length=1000, required=False)
    errors.raise_if_any()
    check_action(application, "approve")
    problems = eligibility_problems(application)
    if problems:
        raise ValidationFailed({"eligibility": [reason for _code, reason in problems]})
    application.hardship_level = level
    application.eligible_since = timezone.localdate()
    waiting.score(application, waiting.criteria_for(application.region))
    APPLICATION_MACHINE.transition(application, "approve", user, comment, reviewed_at=timezone.now())
    place = waiting.position(application)
    _tell([application.applicant], _("You are on the waiting list for a staff flat: number %(n)d")
          % {"n": place["position"]}, application)
    return application


@use_case
def reject(user, application_id, *, refusal, comment) -> Application:
    """The bureau finds the application not eligible, with the reason code and an explanation."""
    application = _reviewed(user, application_id, REVIEW)
    errors = Errors()
    choice(errors, "refusal", refusal, label=_("reason not eligible"), choices=Refusal)
    comment = text(errors, "comment", comment, label=_("explanation to the applicant"), max_length=1000,
                   min_length=4)
    errors.raise_if_any()
    check_action(application, "reject")
    APPLICATION_MACHINE.transition(application, "reject", user, comment, refusal=refusal, reviewed_at=timezone.now())
    _tell([application.applicant], _("Your housing application was found not eligible"), application, body=comment)
    return application


def _comment(value, *, required: bool) -> str:
    errors = Errors()
    comment = text(errors, "comment", value, label=_("remarks") if not required else _("the reason"),
                   max_length=1000, required=required)
    errors.raise_if_any()
    return comment


def _tell(accounts, title: str, application: Application, *, manage: bool = False, body: str = "") -> None:
    link = notify.link_to("manage:housing:application" if manage else "service:housing:application", application.pk)
    notify.send(accounts, title, body=body, link=link, category="housing")
