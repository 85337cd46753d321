"""Service-portal pages (mobile first): apply for a flat, follow the application — "you are number N on the
list" with the score and why —, revise or withdraw it, and answer an offer. Every row is the caller's own."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from jiguan.core.errors import ServiceError
from jiguan.core.forms import add_service_error
from jiguan.core.services import attachments
from jiguan.core.services.attachments import attachments_of
from jiguan.portals.service.views import timeline_steps

from ..forms.applications import ApplyForm
from ..forms.offers import AnswerForm
from ..models import OPEN_STATES, ApplicationState, OfferState
from ..services import applications as services
from ..services import offers, waiting


@require_GET
def home(request):
    mine = list(services.my_applications(request.user)[:20])
    current = next((a for a in mine if a.state in OPEN_STATES), None)
    return render(request, "housing/service/home.html", {
        "tab": "work", "applications": mine, "current": current,
        "position": waiting.position(current) if current else None,
        "open_offers": offers.my_offers(request.user).filter(state=OfferState.OPEN),
    })


def _save(request, form: ApplyForm, action):
    """Run the service with the form's values and store the attachment; a refusal lands on the form."""
    if not form.is_valid():
        return None
    try:
        application = action(form.service_values())
        upload = form.cleaned_data.get("attachment")
        if upload:
            attachments.save_attachment(request.user, upload, subject=application, unit=application.unit)
    except ServiceError as refusal:
        add_service_error(form, refusal)
        return None
    return application


def apply(request):
    form = ApplyForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        application = _save(request, form, lambda values: services.apply(request.user, **values))
        if application is not None:
            messages.success(request, _("Your application has been sent to your unit for confirmation."))
            return redirect("service:housing:application", application.pk)
    return render(request, "housing/service/apply.html", {"tab": "work", "form": form},
                  status=400 if form.errors else 200)


def revise(request, pk: int):
    application = services.my_application(request.user, pk)
    form = ApplyForm(request.POST or None, request.FILES or None, initial=ApplyForm.initial_from(application))
    if request.method == "POST":
        saved = _save(request, form, lambda values: services.resubmit(request.user, pk, **values))
        if saved is not None:
            messages.success(request, _("Your application has been sent to your unit again."))
            return redirect("service:housing:application", pk)
    return render(request, "housing/service/apply.html", {"tab": "work", "form": form, "application": application},
                  status=400 if form.errors else 200)


@require_GET
def application(request, pk: int):
    item = services.my_application(request.user, pk)
    return render(request, "housing/service/application.html", {
        "tab": "work", "item": item, "family": item.family.all(), "position": waiting.position(item),
        "breakdown": waiting.explained(item), "criteria": waiting.criteria_for(item.region),
        "offers": item.offers.select_related("flat__building__estate"), "attachments": attachments_of(item),
        "timeline": timeline_steps(item, services.APPLICATION_ACTIONS, ApplicationState),
        "actions": services.applicant_actions(item),
    })


@require_POST
def withdraw(request, pk: int):
    try:
        services.withdraw(request.user, pk, request.POST.get("comment", ""))
    except ServiceError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("Your application has been withdrawn."))
    return redirect("service:housing:application", pk)


@require_GET
def attachment(request, pk: int, attachment_pk: int):
    item = services.my_application(request.user, pk)
    stored = get_object_or_404(attachments_of(item), pk=attachment_pk)
    return FileResponse(stored.file.open("rb"), as_attachment=True, filename=stored.original_name)


def offer(request, pk: int):
    item = get_object_or_404(offers.my_offers(request.user), pk=pk)
    form = AnswerForm(request.POST or None)
    answer = {"accept": offers.accept, "decline": offers.decline}.get(request.POST.get("answer"))
    if request.method == "POST" and answer is not None and form.is_valid():
        try:
            answer(request.user, pk, form.cleaned_data["comment"])
        except ServiceError as refusal:
            add_service_error(form, refusal)
        else:
            messages.success(request, _("Your answer has been recorded."))
            return redirect("service:housing:offer", pk)
    return render(request, "housing/service/offer.html", {
        "tab": "work", "item": item, "form": form, "can_answer": offers.answerable(item),
        "timeline": timeline_steps(item, offers.OFFER_ACTIONS, OfferState),
    }, status=400 if form.errors else 200)
