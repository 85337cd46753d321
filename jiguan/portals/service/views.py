"""Pages of the service portal (服务入口): thin views over the kernel services, mobile first.

What a staff member sees here is their own: their applications, the approvals and events waiting
for them, their messages, their feedback and reports. Scope-wide lists belong to the management portal.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from jiguan.core.access import is_htmx, may_manage
from jiguan.core.errors import ServiceError
from jiguan.core.models import ApprovalRequest, Event, Notification
from jiguan.core.models.events import EventStatus
from jiguan.core.registry import OwnRequest
from jiguan.core.scoping import has_permission
from jiguan.core.services import approvals, events, feedback, modules, notices, notifications
from jiguan.core.statemachine import timeline

from .access import service_page
from .forms import (
    CloseEventForm,
    CommentForm,
    DecisionForm,
    EventReportForm,
    EventTextForm,
    FeedbackForm,
    call_service,
)
from .templatetags.service_tags import status_color

PAGE_SIZE = 20
HOME_NOTICES = 5
FEEDBACK_EVENT = "core.feedback"
GENERAL_EVENT = "core.general"


@dataclass(frozen=True)
class Tile:
    label: str
    url: str
    icon: str


@dataclass(frozen=True)
class Step:
    """One line of a timeline, whatever it was recorded from; ``status`` is the state it led to, if it changed."""

    at: object
    actor: object
    title: str
    comment: str
    status: str = ""


def identity(user) -> dict:
    """Who the user is, for the greeting and the profile: person, display name and unit."""
    person = user.person
    return {"person": person, "name": person.name if person else str(user), "unit": person.unit if person else user.unit}


def module_tiles(user) -> list[Tile]:
    """The service tiles of the business modules enabled for the user's region that they may use."""
    return [
        Tile(label=item.label, url=reverse(item.url_name), icon=item.icon)
        for spec in modules.enabled_modules(user)
        for item in spec.service_menu
        if item.permission is None or has_permission(user, item.permission)
    ]


# Rows the user owns are theirs by definition: they are picked by owner rather than through scoped(),
# which would drop them for a user whose only `core.use_service` grant is unit-wide.
def reported_events(user) -> QuerySet:
    return Event.objects.filter(reporter=user).select_related("unit")


def assigned_events(user) -> QuerySet:
    return Event.objects.filter(assignee=user, status__in=events.OPEN_STATES).select_related("unit")


def todo_count(user) -> int:
    return approvals.inbox(user).count() + assigned_events(user).count()


def paginate(request, rows: QuerySet | list) -> Page:
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))


def perform(request, service, *args, success: str, **kwargs) -> None:
    """Run a one-button action; say how it went in a message. Not-found and not-allowed propagate."""
    try:
        service(request.user, *args, **kwargs)
    except ServiceError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, success)


def errors_to_messages(request, form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


def timeline_steps(obj, actions: dict, states) -> list[Step]:
    """A module object's timeline for ``service/includes/timeline.html``: each entry with its action's label
    and, when it changed state, the new state's label."""
    labels = dict(states.choices)
    return [Step(entry.at, entry.actor, actions.get(entry.action, entry.action), entry.comment,
                 labels.get(entry.to_state, "") if entry.to_state != entry.from_state else "")
            for entry in timeline(obj).select_related("actor__person")]


def approval_timeline(item: ApprovalRequest) -> list[Step]:
    return [
        Step(action.at, action.actor, action.get_decision_display(), action.comment)
        for action in item.actions.select_related("actor__person")
    ]


# Timeline entries an event gets besides its state machine's transitions.
EVENT_STEP_TITLES = {"report": gettext_lazy("Reported"), "comment": gettext_lazy("Comment added")}


def event_timeline(item: Event) -> list[Step]:
    titles = {**EVENT_STEP_TITLES, **events.ACTION_LABELS}
    statuses = dict(EventStatus.choices)
    return [
        Step(entry.at, entry.actor, titles.get(entry.action, entry.action), entry.comment,
             statuses.get(entry.to_state, "") if entry.to_state != entry.from_state else "")
        for entry in timeline(item).select_related("actor__person")
    ]


# --- Home ------------------------------------------------------------------------------------------


@service_page
def home(request):
    user = request.user
    return render(request, "service/home.html", {
        **identity(user),
        "tab": "home",
        "tiles": module_tiles(user),
        "todo_count": todo_count(user),
        "notices": notices.visible_notices(user)[:HOME_NOTICES],
    })


# --- My applications (the 办事 tab) ---------------------------------------------------------------


@service_page
def applications(request):
    return render(request, "service/applications.html", {
        "tab": "work",
        "tiles": module_tiles(request.user),
        "page": paginate(request, own_requests(request.user)),
    })


def own_requests(user) -> list[OwnRequest]:
    """Everything the user has applied for, newest first: approval requests, and the requests the enabled
    modules keep in their own workflows (a housing application is not an approval request)."""
    rows = [OwnRequest(title=item.title, state=item.get_status_display(), colour=status_color(item.status),
                       at=item.submitted_at, url=reverse("service:application", args=[item.pk]))
            for item in approvals.my_requests(user)]
    for spec in modules.enabled_modules(user):
        if spec.own_requests:
            rows += import_string(spec.own_requests)(user)
    return sorted(rows, key=lambda row: row.at, reverse=True)


@service_page
def application(request, pk: int):
    item = get_object_or_404(approvals.my_requests(request.user), pk=pk)
    allowed = approvals.APPROVAL_MACHINE.allowed_actions(item)
    return render(request, "service/application.html", {
        "tab": "work", "item": item, "timeline": approval_timeline(item), "form": CommentForm(),
        "can_resubmit": "resubmit" in allowed, "can_withdraw": "withdraw" in allowed,
    })


@service_page
@require_POST
def application_withdraw(request, pk: int):
    perform(request, approvals.withdraw, pk, success=_("Your application has been withdrawn."))
    return redirect("service:application", pk=pk)


@service_page
@require_POST
def application_resubmit(request, pk: int):
    form = CommentForm(request.POST)
    form.is_valid()  # the comment is optional free text
    perform(request, approvals.resubmit, pk, success=_("Your application has been resubmitted."),
            **form.cleaned_data)
    return redirect("service:application", pk=pk)


# --- My to-dos -------------------------------------------------------------------------------------


@service_page
def todos(request):
    user = request.user
    return render(request, "service/todos.html", {
        "tab": "todos",
        "page": paginate(request, approvals.inbox(user).select_related("applicant__person")),
        "events": assigned_events(user),
    })


@service_page
def todo(request, pk: int):
    """An approval waiting for the user: details, history, and the decision form."""
    waiting = approvals.inbox(request.user).select_related("applicant__person")
    form = DecisionForm(request.POST or None)
    if form.is_valid():
        if call_service(form, approvals.decide, request.user, pk) is not None:
            messages.success(request, _("Your decision has been recorded."))
            return redirect("service:todos")
        if not waiting.filter(pk=pk).exists():  # another approver decided first, or it was withdrawn
            errors_to_messages(request, form)
            return redirect("service:todos")
    item = get_object_or_404(waiting, pk=pk)
    return render(request, "service/todo.html", {
        "tab": "todos", "item": item, "timeline": approval_timeline(item), "form": form,
    })


# --- Messages --------------------------------------------------------------------------------------


@service_page
def inbox(request):
    page = paginate(request, Notification.objects.filter(recipient=request.user))
    return render(request, "service/inbox.html", {"tab": "inbox", "page": page})


@service_page
@require_POST
def inbox_read(request, pk: int | None = None):
    """Mark one message (``pk``) or all as read. htmx gets the updated fragment and badge; a plain
    form post is sent on to the message's link (``next``) or back to the inbox."""
    user = request.user
    item = get_object_or_404(Notification.objects.filter(recipient=user), pk=pk) if pk else None
    notifications.mark_read(user, ids=[item.pk] if item else None)
    if is_htmx(request):
        if item:
            item.refresh_from_db()
            return render(request, "service/includes/notification.html", {"n": item, "oob_badge": True})
        page = paginate(request, Notification.objects.filter(recipient=user))
        return render(request, "service/includes/notification_list.html", {"page": page, "oob_badge": True})
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect("service:inbox")


# --- Notices ---------------------------------------------------------------------------------------


@service_page
def notice_list(request):
    page = paginate(request, notices.visible_notices(request.user))
    return render(request, "service/notices.html", {"tab": "home", "page": page})


@service_page
def notice(request, pk: int):
    item = get_object_or_404(notices.visible_notices(request.user), pk=pk)
    return render(request, "service/notice.html", {"tab": "home", "item": item})


# --- Feedback and reported problems ----------------------------------------------------------------


@service_page
def feedback_page(request):
    form = FeedbackForm(request.POST or None)
    if form.is_valid():
        event = call_service(form, feedback.submit_feedback, request.user)
        if event is not None:
            messages.success(request, _("Thank you. Your feedback has been received and will be answered."))
            return redirect("service:event", pk=event.pk)
    page = paginate(request, reported_events(request.user).filter(type=FEEDBACK_EVENT))
    return render(request, "service/feedback.html", {"tab": "work", "form": form, "page": page})


@service_page
def event_list(request):
    form = EventReportForm(request.POST or None)
    if form.is_valid():
        event = call_service(form, events.report_event, request.user, type=GENERAL_EVENT)
        if event is not None:
            messages.success(request, _("Your report has been submitted."))
            return redirect("service:event", pk=event.pk)
    page = paginate(request, reported_events(request.user).exclude(type=FEEDBACK_EVENT))
    return render(request, "service/events.html", {"tab": "work", "form": form, "page": page})


# Actions on an event from the service portal: the reporter rates and closes it, or reopens it; the
# handler starts and resolves it; both may comment. ``events.actions_for`` says which apply now.
EVENT_ACTIONS = {
    "close": (events.close, CloseEventForm, gettext_lazy("Thank you for your rating. The matter is closed.")),
    "reopen": (events.reopen, CommentForm, gettext_lazy("The matter has been sent back to its handler.")),
    "comment": (events.add_comment, EventTextForm, gettext_lazy("Your comment has been added.")),
    "start": (events.start_work, CommentForm, gettext_lazy("The matter is now in progress.")),
    "resolve": (events.resolve, CommentForm, gettext_lazy("The matter has been marked as resolved.")),
}


@service_page
def event(request, pk: int):
    user = request.user
    item = get_object_or_404(
        Event.objects.filter(Q(reporter=user) | Q(assignee=user)).select_related("unit", "assignee_unit"), pk=pk
    )
    action_forms = {action: form_class() for action, (_service, form_class, _done) in EVENT_ACTIONS.items()}
    action = request.POST.get("action")
    if request.method == "POST" and action in EVENT_ACTIONS:
        service, form_class, done = EVENT_ACTIONS[action]
        form = action_forms[action] = form_class(request.POST)
        if form.is_valid() and call_service(form, service, user, item.pk) is not None:
            messages.success(request, done)
            return redirect("service:event", pk=item.pk)
    shown = [a for a in EVENT_ACTIONS if a in events.actions_for(user, item)]
    can_comment = item.status not in events.FINISHED_STATES
    on_page = {*shown, "comment"} if can_comment else set(shown)
    if action in EVENT_ACTIONS and action not in on_page:
        errors_to_messages(request, action_forms[action])  # its form is not on the page to show them
    return render(request, "service/event.html", {
        "tab": "work" if item.reporter_id == user.pk else "todos",
        "item": item,
        "timeline": event_timeline(item),
        "forms": action_forms,
        "actions": [(a, events.ACTION_LABELS[a], action_forms[a]) for a in shown],
        "can_comment": can_comment,
        "is_feedback": item.type == FEEDBACK_EVENT,
    })


# --- Me --------------------------------------------------------------------------------------------


@service_page
def profile(request):
    user = request.user
    return render(request, "service/profile.html", {**identity(user), "tab": "me", "can_manage": may_manage(user)})
