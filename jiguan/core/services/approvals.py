"""Approvals: a request goes through the sequential steps of the flow configured for its business type
and the applicant's region. Each step is decided by the holders of the step's role whose data scope
reaches the request. Approve moves on (or finishes), reject ends it, return sends it back for revision."""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from .. import notify
from ..errors import Conflict, NotAllowed, StateError, ValidationFailed
from ..models import ApprovalAction, ApprovalFlow, ApprovalRequest, ApprovalStep, Region, RoleAssignment
from ..models.approvals import ApprovalDecision, ApprovalStatus
from ..registry import registry
from ..scoping import NOTHING, Scope, ScopeSpec
from ..statemachine import StateMachine, record
from .accounts import visible_roles
from .base import require, require_path
from .common import region_chain, role_holders, subject_reference, use_case
from .inputs import Errors, find, text, unique

USE_SERVICE = "core.use_service"
MANAGE_FLOWS = "core.manage_flows"
MAX_STEPS = 20

A = ApprovalStatus
# "approve" here is the last step's; an earlier step's approval keeps the request pending (see ``decide``).
APPROVAL_MACHINE = StateMachine(
    "status",
    {
        "approve": {A.PENDING: A.APPROVED},
        "reject": {A.PENDING: A.REJECTED},
        "return": {A.PENDING: A.RETURNED},
        "resubmit": {A.RETURNED: A.PENDING},
        "withdraw": {A.PENDING: A.WITHDRAWN, A.RETURNED: A.WITHDRAWN},
    },
)
DECISIONS = {
    "approve": pgettext_lazy("approval action", "Approve"),
    "reject": pgettext_lazy("approval action", "Reject"),
    "return": pgettext_lazy("approval action", "Return for revision"),
}
ACTION_LABELS = {
    **DECISIONS,
    "resubmit": pgettext_lazy("approval action", "Resubmit"),
    "withdraw": pgettext_lazy("approval action", "Withdraw"),
}
# Where the approver's grant must reach: the request's org path, or its applicant's unit for own-unit scopes.
REQUEST_PLACE = ScopeSpec(paths=("org_path",), units=("unit",))


# --- Applying -----------------------------------------------------------------------------------


@use_case
def submit(user, *, business_type, subject, title, unit=None) -> ApprovalRequest:
    """Start the approval of ``subject`` (a saved business object) by the flow that applies to the unit."""
    require(user, USE_SERVICE)
    errors = Errors()
    _check_business_type(errors, business_type)
    title = text(errors, "title", title, label=_("application title"), max_length=200)
    unit = unit or user.unit
    if unit is None:
        errors.add("unit", _("Your account belongs to no unit, so there is no approval flow for it."))
    if subject is None or subject.pk is None:
        errors.add("subject", _("Save the matter before submitting it for approval."))
    errors.raise_if_any()
    flow, first = _flow_and_first_step(business_type, unit.region_id)
    subject_type, subject_id = subject_reference(subject)
    list(type(subject)._default_manager.select_for_update().filter(pk=subject.pk).values_list("pk"))  # one at a time
    if ApprovalRequest.objects.filter(
        subject_type=subject_type, subject_id=subject_id, business_type=business_type,
        status__in=(A.PENDING, A.RETURNED),
    ).exists():
        raise StateError(_("This matter already has an application in progress."))
    request = ApprovalRequest.objects.create(
        flow=flow, business_type=business_type, title=title, subject_type=subject_type, subject_id=subject_id,
        applicant=user, unit=unit, current_step=first.order, current_role=first.role,
    )
    record(request, ApprovalDecision.SUBMIT, "", request.status, actor=user)
    ApprovalAction.objects.create(request=request, actor=user, decision=ApprovalDecision.SUBMIT)
    _tell_approvers(request)
    return request


def resolve_flow(business_type: str, region_code: str | None) -> ApprovalFlow | None:
    """The active flow of the nearest region up the chain that has one, else the platform default."""
    chain = region_chain(region_code)
    flows = ApprovalFlow.objects.filter(business_type=business_type, active=True).filter(
        Q(region_id__in=chain) | Q(region__isnull=True)
    )
    return min(flows, key=lambda f: chain.index(f.region_id) if f.region_id else len(chain), default=None)


def _flow_and_first_step(business_type: str, region_code: str) -> tuple[ApprovalFlow, ApprovalStep]:
    flow = resolve_flow(business_type, region_code)
    first = flow.steps.select_related("role").first() if flow else None
    if first is None:
        raise _no_flow(business_type)
    return flow, first


def _no_flow(business_type: str) -> ValidationFailed:
    return ValidationFailed({"business_type": [
        _("No approval flow is configured for “%(type)s” in your region; please contact the administrator.")
        % {"type": _type_label(business_type)}
    ]})


@use_case
def resubmit(user, request_id, comment="") -> ApprovalRequest:
    """The applicant sends a returned application back to the first step."""
    request = _own_request(user, request_id, "resubmit")
    errors = Errors()
    comment = text(errors, "comment", comment, label=_("remarks"), max_length=2000, required=False)
    errors.raise_if_any()
    first = request.flow.steps.select_related("role").first()
    if first is None:
        raise _no_flow(request.business_type)
    APPROVAL_MACHINE.transition(request, "resubmit", user, comment, current_step=first.order,
                                current_role=first.role, decided_at=None)
    ApprovalAction.objects.create(request=request, actor=user, decision=ApprovalDecision.RESUBMIT, comment=comment)
    _call_back(request, "on_resubmitted")
    _tell_approvers(request)
    return request


@use_case
def withdraw(user, request_id) -> ApprovalRequest:
    request = _own_request(user, request_id, "withdraw")
    APPROVAL_MACHINE.transition(request, "withdraw", user, current_step=None, current_role=None,
                                decided_at=timezone.now())
    ApprovalAction.objects.create(request=request, actor=user, decision=ApprovalDecision.WITHDRAW)
    _call_back(request, "on_withdrawn")
    return request


def my_requests(user) -> QuerySet:
    """The user's own applications, newest first."""
    return ApprovalRequest.objects.filter(applicant=user).select_related("unit", "current_role")


# --- Deciding -----------------------------------------------------------------------------------


def inbox(user) -> QuerySet:
    """Pending requests waiting for the user: at a step whose role they hold, with a grant reaching the request."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return ApprovalRequest.objects.none()
    waiting = reduce(
        or_,
        (Q(current_role_id=a.role_id) & a.grant().q(REQUEST_PLACE, user) for a in _assignments(user)),
        NOTHING,
    )
    return (
        ApprovalRequest.objects.filter(status=A.PENDING).filter(waiting).exclude(applicant=user)
        .select_related("applicant", "unit", "current_role")
    )


@use_case
def decide(user, request_id, decision, comment="") -> ApprovalRequest:
    """Approve, reject or return. Two approvers at once: the request row is locked, the second one to get
    it finds it already handled (``Conflict``)."""
    errors = Errors()
    if decision not in DECISIONS:
        errors.add("decision", _("The decision must be one of: %(allowed)s.")
                   % {"allowed": "、".join(str(label) for label in DECISIONS.values())})
    comment = text(errors, "comment", comment, label=_("approval opinion"), max_length=2000,
                   required=decision in ("reject", "return"))
    errors.raise_if_any()
    locked = ApprovalRequest.objects.select_for_update(of=("self",)).select_related("flow", "applicant")
    request = find(locked, request_id)
    if request is None:
        raise Http404(_("Not found."))
    _check_decider(user, request)
    step = request.current_step
    if decision == "approve":
        _approve(user, request, comment)
    else:
        APPROVAL_MACHINE.transition(request, decision, user, comment, current_step=None, current_role=None,
                                    decided_at=timezone.now())
        _call_back(request, "on_rejected" if decision == "reject" else "on_returned")
    ApprovalAction.objects.create(request=request, step_order=step, actor=user, decision=decision, comment=comment)
    _tell_applicant(request, comment)
    if request.status == A.PENDING:
        _tell_approvers(request)
    return request


def _approve(user, request: ApprovalRequest, comment: str) -> None:
    next_step = request.flow.steps.filter(order__gt=request.current_step).select_related("role").first()
    if next_step is None:
        APPROVAL_MACHINE.transition(request, "approve", user, comment, current_step=None, current_role=None,
                                    decided_at=timezone.now())
        _call_back(request, "on_approved")
        return
    request.current_step, request.current_role = next_step.order, next_step.role
    request.save()
    record(request, ApprovalDecision.APPROVE, request.status, request.status, actor=user, comment=comment)


def _check_decider(user, request: ApprovalRequest) -> None:
    """The user may decide now; else say why — or 404 for someone the request was never meant for."""
    if request.applicant_id == user.pk:
        raise NotAllowed(_("You cannot decide on your own application."))
    if request.status == A.PENDING and _reaches(user, request, {request.current_role_id}):
        return
    if _reaches(user, request, set(request.flow.steps.values_list("role_id", flat=True))):
        if request.status == A.WITHDRAWN:
            raise StateError(_("The applicant has withdrawn this application."))
        raise Conflict(_("This application has already been handled by someone else."))
    raise Http404(_("Not found."))


def _reaches(user, request: ApprovalRequest, role_ids: set) -> bool:
    return any(a.role_id in role_ids and a.grant().covers_path(request.org_path) for a in _assignments(user))


def _assignments(user):
    # Own-self scopes never reach someone else's request.
    return RoleAssignment.objects.filter(account=user).exclude(role__scope=Scope.SELF).select_related(
        "role", "unit__region", "unit__unit"
    )


def _own_request(user, request_id, action: str) -> ApprovalRequest:
    own = ApprovalRequest.objects.select_for_update(of=("self",)).filter(applicant=user).select_related("flow")
    request = find(own, request_id)
    if request is None:
        raise Http404(_("Not found."))
    if action not in APPROVAL_MACHINE.allowed_actions(request):
        raise StateError(
            _("The application is “%(state)s”; “%(action)s” is not possible now.")
            % {"state": request.get_status_display(), "action": ACTION_LABELS[action]}
        )
    return request


def _call_back(request: ApprovalRequest, name: str) -> None:
    """Let the module act on the outcome in the same transaction (e.g. allocate the flat)."""
    approval_type = registry.approval_type(request.business_type)
    callback = getattr(approval_type, name, None) if approval_type else None
    if callback is not None:
        callback(request)


def _check_business_type(errors: Errors, business_type: str) -> None:
    if registry.approval_type(business_type) is None:
        errors.add("business_type",
                   _("There is no business type “%(type)s” needing approval.") % {"type": business_type})


def _type_label(business_type: str) -> str:
    approval_type = registry.approval_type(business_type)
    return str(approval_type.label) if approval_type else business_type


def _tell_approvers(request: ApprovalRequest) -> None:
    approvers = [a for a in role_holders(request.org_path, [request.current_role]) if a.pk != request.applicant_id]
    notify.send(approvers, _("Waiting for your approval: %(title)s") % {"title": request.title},
                body=_("Applicant: %(name)s") % {"name": request.applicant},
                link=notify.link_to("service:todos"), category="approval")


def _tell_applicant(request: ApprovalRequest, comment: str) -> None:
    if request.status == A.PENDING:
        title = _("Your application “%(title)s” passed a step and moves on.")
    elif request.status == A.APPROVED:
        title = _("Your application “%(title)s” was approved.")
    elif request.status == A.REJECTED:
        title = _("Your application “%(title)s” was rejected.")
    else:
        title = _("Your application “%(title)s” was returned for revision.")
    notify.send([request.applicant], title % {"title": request.title}, body=comment,
                link=notify.link_to("service:applications"), category="approval")


# --- Configuring flows --------------------------------------------------------------------------


@use_case
def save_flow(user, *, business_type, region_code, name, steps) -> ApprovalFlow:
    """Create or replace the flow of a business type for a region (or, without a region, the platform default).

    ``steps`` is a sequence of ``(step name, role id)``; requests already under way keep their current step.
    """
    require(user, MANAGE_FLOWS)
    errors = Errors()
    _check_business_type(errors, business_type)
    region = None
    if region_code not in (None, ""):
        region = find(Region.objects.all(), region_code)
        if region is None:
            errors.add("region_code", _("There is no region with the code “%(code)s”.") % {"code": region_code})
    name = text(errors, "name", name, label=_("flow name"), max_length=100)
    cleaned_steps = _steps(user, errors, steps)
    errors.raise_if_any()
    require_path(user, MANAGE_FLOWS, region.key if region else "")
    flow = ApprovalFlow.objects.select_for_update().filter(business_type=business_type, region=region).first()
    if flow is None:
        with unique("region_code", _("A flow for this business type and region was just created; try again.")):
            flow = ApprovalFlow.objects.create(business_type=business_type, region=region, name=name)
    else:
        flow.name, flow.active = name, True
        flow.save()
        flow.steps.all().delete()
    for order, (step_name, role) in enumerate(cleaned_steps, start=1):
        ApprovalStep.objects.create(flow=flow, order=order, name=step_name, role=role)
    return flow


def _steps(user, errors: Errors, steps) -> list:
    steps = list(steps or ())
    if not steps:
        errors.add("steps", _("Add at least one approval step."))
    elif len(steps) > MAX_STEPS:
        errors.add("steps", _("A flow can have at most %(n)d steps.") % {"n": MAX_STEPS})
    roles = visible_roles(user, MANAGE_FLOWS)
    cleaned = []
    for number, step in enumerate(steps[:MAX_STEPS], start=1):
        try:
            step_name, role_id = step
        except (TypeError, ValueError):
            errors.add("steps", _("Step %(n)d must give a name and a role.") % {"n": number})
            continue
        step_errors = Errors()
        step_name = text(step_errors, "steps", step_name, label=_("step name"), max_length=60)
        role = find(roles, role_id)
        if role is None:
            step_errors.add("steps", _("the role does not exist or is outside your data scope."))
        elif role.scope == Scope.SELF:
            step_errors.add("steps", _("the role “%(role)s” reaches only its holder's own records and cannot approve "
                                       "others' applications.") % {"role": role.name})
        for message in step_errors.by_field.get("steps", ()):
            errors.add("steps", _("Step %(n)d: %(problem)s") % {"n": number, "problem": message})
        cleaned.append((step_name, role))
    return cleaned
