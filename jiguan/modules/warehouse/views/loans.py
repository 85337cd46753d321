"""Loans (借用管理): the management portal's list and a loan's page — approve, refuse, withdraw, lending with
the collector signing on a canvas, extending and the return inspection — with the printable loan slip (借用单);
the service portal's "borrow this item" and "my loans". Thin: ``services.loans`` decides."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from jiguan.core.errors import ServiceError
from jiguan.core.listing import BooleanFilter, ChoiceFilter, Column, ListSpec
from jiguan.core.services.inputs import find
from jiguan.portals.manage.access import manage_view
from jiguan.portals.manage.views.common import labelled_timeline, submit
from jiguan.portals.service.forms import call_service
from jiguan.portals.service.views import timeline_steps

from ..forms.loans import ExtendForm, LendForm, LoanRequestForm, ReturnForm
from ..forms.reuse import ReviewForm
from ..models import LoanPurpose, LoanState
from ..module import VIEW
from ..services import loans as services
from ..services.reuse import whereabouts
from .catalogue import item_page


def _overdue(queryset, value):
    return services.overdue(queryset) if value else queryset.exclude(pk__in=services.overdue(queryset).values("pk"))


LOAN_LIST = ListSpec(
    name="warehouse.loans", title=gettext_lazy("Loans"),
    columns=(
        Column("asset__number", gettext_lazy("Card number"), order_by="asset__number"),
        Column("asset__name", gettext_lazy("Item"), order_by="asset__name"),
        Column("unit__name", gettext_lazy("Borrowing unit"), order_by="org_path"),
        Column("purpose_kind", gettext_lazy("Borrowed for"), order_by="purpose_kind",
               value=lambda loan: loan.get_purpose_kind_display()),
        Column("starts_on", gettext_lazy("Borrowed from"), order_by=("starts_on", "pk")),
        Column("due_on", gettext_lazy("Due back on"), order_by=("due_on", "pk")),
        Column("state", gettext_lazy("State"), order_by="state", value=lambda loan: loan.get_state_display()),
    ),
    filters=(
        ChoiceFilter("state", gettext_lazy("State"), "state", choices=LoanState.choices),
        ChoiceFilter("purpose_kind", gettext_lazy("Borrowed for"), "purpose_kind", choices=LoanPurpose.choices),
        BooleanFilter("overdue", gettext_lazy("Overdue"), method=_overdue),
    ),
    search=("asset__name", "asset__number", "unit__name"), search_label=gettext_lazy("Item, card number or unit"),
    default_sort="-starts_on",
)

DECISIONS = {
    "approve": (services.approve_loan, gettext_lazy("The loan is approved; the unit is informed.")),
    "reject": (services.reject_loan, gettext_lazy("The loan is refused; the item is back in the catalogue.")),
    "withdraw": (services.withdraw_loan, gettext_lazy("The loan request is withdrawn; the item is back in the "
                                                      "catalogue.")),
}


@require_GET
@manage_view(VIEW)
def loans(request):
    listing = LOAN_LIST.bind(request, services.loans_in_scope(request.user))
    return listing.response("warehouse/loans/list.html", "warehouse/loans/_table.html")


def _visible(user, pk: int):
    loan = find(services.loans_in_scope(user), pk)
    if loan is None:
        raise Http404(_("Not found."))
    return loan


def _detail(request, loan, status=200, **forms):
    actions = services.allowed_actions(loan, request.user)
    return render(request, "warehouse/loans/detail.html", {
        "loan": loan, "actions": actions, "where": whereabouts(loan.asset), "days_left": services.days_left(loan),
        "review_form": forms.get("review_form") or ReviewForm(),
        "lend_form": forms.get("lend_form") or LendForm(initial={"condition_out": loan.asset.condition}),
        "extend_form": forms.get("extend_form") or ExtendForm(),
        "return_form": forms.get("return_form") or ReturnForm(initial={"condition_back": loan.condition_out}),
        "repairs": loan.repairs.all(),
        "timeline": labelled_timeline(loan, services.LOAN_ACTIONS, LoanState),
    }, status=status)


@require_GET
@manage_view(VIEW)
def loan(request, pk: int):
    return _detail(request, _visible(request.user, pk))


@require_POST
@manage_view(VIEW)
def decide(request, pk: int):
    """Approve, refuse or withdraw, by the button pressed."""
    loan = _visible(request.user, pk)
    service, success = DECISIONS.get(request.POST.get("action"), (None, None))
    form = ReviewForm(request.POST)
    if service is not None and submit(request, form, lambda: service(request.user, pk, form.cleaned_data["comment"]),
                                      str(success))[0]:
        return redirect("manage:warehouse:loan", pk)
    return _detail(request, loan, status=400, review_form=form)


def _step(form_class, service, success, form_name):
    """A POST view running one step of the loan (lend, extend, return) from its form."""

    @require_POST
    @manage_view(VIEW)
    def view(request, pk: int):
        loan = _visible(request.user, pk)
        form = form_class(request.POST)
        if submit(request, form, lambda: service(request.user, pk, **form.cleaned_data), str(success))[0]:
            return redirect("manage:warehouse:loan", pk)
        return _detail(request, loan, status=400, **{form_name: form})

    return view


lend = _step(LendForm, services.lend, gettext_lazy("Lent: the collector has signed for the item."), "lend_form")
extend = _step(ExtendForm, services.extend_loan, gettext_lazy("The due date has been moved."), "extend_form")
take_back = _step(ReturnForm, services.return_loan, gettext_lazy("The item has been returned and inspected."),
                  "return_form")


@require_GET
@manage_view(VIEW)
def slip(request, pk: int):
    """The printable loan slip (借用单) of an approved or lent loan."""
    loan = _visible(request.user, pk)
    return render(request, "warehouse/loans/slip.html", {"loan": loan, "where": whereabouts(loan.asset)})


manage_urlpatterns = [
    path("loans/", loans, name="loans"),
    path("loans/<int:pk>/", loan, name="loan"),
    path("loans/<int:pk>/decide/", decide, name="loan_decide"),
    path("loans/<int:pk>/lend/", lend, name="loan_lend"),
    path("loans/<int:pk>/extend/", extend, name="loan_extend"),
    path("loans/<int:pk>/return/", take_back, name="loan_return"),
    path("loans/<int:pk>/slip/", slip, name="loan_slip"),
]


# --- Service portal ---------------------------------------------------------------------------------------------


@require_POST
def borrow(request, pk: int):
    """The "borrow this item" form of a catalogue item."""
    form = LoanRequestForm(request.POST)
    if form.is_valid():
        made = call_service(form, services.request_loan, request.user, pk)
        if made is not None:
            messages.success(request, _("Your loan request has been sent to the pool's bureau for approval."))
            return redirect("service:warehouse:my_loan", made.pk)
    return item_page(request, pk, loan_form=form)


@require_GET
def my_loans(request):
    return render(request, "warehouse/service/my_loans.html", {
        "tab": "work", "loans": services.my_unit_loans(request.user)[:50]})


@require_GET
def my_loan(request, pk: int):
    loan = find(services.my_unit_loans(request.user), pk)
    if loan is None:
        raise Http404(_("Not found."))
    days_left = services.days_left(loan)
    return render(request, "warehouse/service/my_loan.html", {
        "tab": "work", "loan": loan, "where": whereabouts(loan.asset), "days_left": days_left,
        "days_overdue": -days_left if days_left is not None and days_left < 0 else None,
        "can_withdraw": "withdraw" in services.allowed_actions(loan, request.user),
        "timeline": timeline_steps(loan, services.LOAN_ACTIONS, LoanState)})


@require_POST
def withdraw(request, pk: int):
    try:
        services.withdraw_loan(request.user, pk, request.POST.get("comment", ""))
    except ServiceError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("Your loan request has been withdrawn."))
    return redirect("service:warehouse:my_loan", pk)


service_urlpatterns = [
    path("items/<int:pk>/borrow/", borrow, name="borrow"),
    path("loans/", my_loans, name="my_loans"),
    path("loans/<int:pk>/", my_loan, name="my_loan"),
    path("loans/<int:pk>/withdraw/", withdraw, name="withdraw_loan"),
]
