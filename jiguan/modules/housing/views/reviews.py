"""Pages of the annual review. Management portal: the campaigns, opening one, a campaign's reviews and
closing it, a review with the tenant's declaration, what the platform holds and the decision. Service
portal: the tenant's declaration. Thin: ``services.reviews`` decides."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from jiguan.core.errors import ServiceError
from jiguan.core.forms import add_service_error
from jiguan.core.services.base import get_in_scope
from jiguan.core.services.common import regions_acted_for
from jiguan.portals.manage.access import manage_view
from jiguan.portals.manage.views.common import labelled_timeline, perform, submit
from jiguan.portals.service.views import timeline_steps

from ..forms.leases import CampaignForm, DecisionForm, DeclarationForm
from ..models import ReviewCampaign, ReviewState, TenancyReview
from ..module import LEASES, VIEW
from ..services import reviews as services


@require_GET
@manage_view(VIEW)
def campaigns(request):
    return render(request, "housing/reviews/campaigns.html", {
        "campaigns": services.campaigns_in_scope(request.user),
        "may_open": regions_acted_for(request.user, LEASES).exists(),
    })


@manage_view(LEASES)
def campaign_new(request):
    today = timezone.localdate()
    form = CampaignForm(request.POST or None, user=request.user, regions=regions_acted_for(request.user, LEASES),
                        initial={"year": today.year})
    if request.method == "POST":
        done, campaign = submit(request, form, lambda: services.open_campaign(request.user, **form.cleaned_data),
                                _("The annual review is open; every tenant is asked to declare."))
        if done:
            return redirect("manage:housing:campaign", campaign.pk)
    return render(request, "manage/form.html", {
        "form": form, "title": _("Open an annual review"), "cancel_url": reverse("manage:housing:reviews"),
        "intro": _("Every tenancy in residence in a flat kept in the region is reviewed: the tenant declares "
                   "whether they still qualify, then you pass or fail each review."),
        "submit_label": _("Open the review"),
    }, status=400 if form.errors else 200)


@manage_view(VIEW)
def campaign_detail(request, pk: int):
    campaign = get_in_scope(ReviewCampaign, request.user, VIEW, pk, queryset=services.campaigns_in_scope(request.user))
    if request.method == "POST":
        if "close" in services.campaign_actions(campaign, request.user):
            perform(request, lambda: services.close_campaign(request.user, pk), _("The annual review is closed."))
        return redirect("manage:housing:campaign", pk)
    return render(request, "housing/reviews/campaign.html", {
        "campaign": campaign, "actions": services.campaign_actions(campaign, request.user),
        "reviews": services.reviews_in_scope(request.user).filter(campaign=campaign).order_by("state", "pk"),
        "timeline": labelled_timeline(campaign, services.REVIEW_ACTIONS, ReviewState),
    })


@manage_view(VIEW)
def review_detail(request, pk: int):
    review = get_in_scope(TenancyReview, request.user, VIEW, pk, queryset=services.reviews_in_scope(request.user))
    actions = services.review_actions(review, request.user)
    decision = request.POST.get("decision") if request.method == "POST" else None
    if decision is not None and decision not in ("pass", "fail"):
        raise Http404
    form = DecisionForm(request.POST if decision else None, user=request.user)
    if decision:
        done, _review = submit(request, form, lambda: services.decide(
            request.user, pk, passed=decision == "pass", findings=form.cleaned_data["findings"]),
            _("The review is decided; the tenant is informed."))
        if done:
            return redirect("manage:housing:review", pk)
    return render(request, "housing/reviews/review.html", {
        "review": review, "actions": actions, "form": form,
        "held": services.held_records(review) if actions else (),
        "timeline": labelled_timeline(review, services.REVIEW_ACTIONS, ReviewState),
    }, status=400 if form.errors else 200)


manage_urlpatterns = [
    path("reviews/", campaigns, name="reviews"),
    path("reviews/new/", campaign_new, name="review_new"),
    path("reviews/<int:pk>/", campaign_detail, name="campaign"),
    path("reviews/tenancies/<int:pk>/", review_detail, name="review"),
]


# --- Service portal ---------------------------------------------------------------------------------------------


def my_review(request, pk: int):
    review = services.my_review(request.user, pk)
    form = DeclarationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.declare(request.user, pk, **form.cleaned_data)
        except ServiceError as refusal:
            add_service_error(form, refusal)
        else:
            messages.success(request, _("Your declaration has been sent to the housing bureau."))
            return redirect("service:housing:review", pk)
    return render(request, "housing/service/review.html", {
        "tab": "work", "review": review, "form": form,
        "may_declare": "declare" in services.review_actions(review, request.user),
        "timeline": timeline_steps(review, services.REVIEW_ACTIONS, ReviewState),
    }, status=400 if form.errors else 200)


service_urlpatterns = [
    path("reviews/<int:pk>/", my_review, name="review"),
]
