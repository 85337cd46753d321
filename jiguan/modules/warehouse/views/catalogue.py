"""The catalogue (公物仓目录): the management portal's list for bureau and unit administrators, and the service
portal's browse, item page and "request this item" (mobile first). Thin: ``services.reuse`` decides what a
unit sees and may request."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET

from jiguan.core.listing import ChoiceFilter, Column, ListSpec
from jiguan.portals.manage.access import manage_view
from jiguan.portals.service.forms import call_service

from ..forms.loans import LoanRequestForm
from ..forms.reuse import CatalogueSearchForm, ReuseRequestForm, category_choices
from ..models import Condition, StorageKind
from ..module import VIEW
from ..services import reuse as services
from ..services.intake import photos_of

SERVICE_PAGE_SIZE = 20


def _in_category(queryset, code):
    return queryset.filter(services.category_subtree(code))


CATALOGUE = ListSpec(
    name="warehouse.catalogue", title=gettext_lazy("Pool catalogue"),
    columns=(
        Column("number", gettext_lazy("Card number"), order_by="number"),
        Column("name", gettext_lazy("Name"), order_by="name"),
        Column("category__name", gettext_lazy("Category"), order_by="category__code"),
        Column("condition", pgettext_lazy("asset condition", "Condition"), order_by="condition",
               value=lambda a: a.get_condition_display()),
        Column("original_value", gettext_lazy("Original value (yuan)"), order_by="original_value"),
        Column("location", gettext_lazy("Location"), value=services.whereabouts),
        Column("source_unit__name", gettext_lazy("Source unit")),
        Column("pooled_on", gettext_lazy("In the pool since"), order_by=("pooled_on", "pk")),
    ),
    filters=(
        ChoiceFilter("category", gettext_lazy("Category"), method=_in_category, choices=lambda: category_choices(3)),
        ChoiceFilter("condition", pgettext_lazy("asset condition", "Condition"), "condition",
                     choices=Condition.choices),
        ChoiceFilter("storage_kind", gettext_lazy("Kept"), "storage_kind", choices=StorageKind.choices),
    ),
    search=("name", "specification", "number"), search_label=gettext_lazy("Name, specification or card number"),
    default_sort="-pooled_on",
)


@require_GET
@manage_view(VIEW)
def catalogue(request):
    listing = CATALOGUE.bind(request, services.search(request.user))
    return listing.response("warehouse/reuse/catalogue.html", "warehouse/reuse/_catalogue_table.html")


manage_urlpatterns = [
    path("catalogue/", catalogue, name="catalogue"),
]


# --- Service portal ---------------------------------------------------------------------------------------------


@require_GET
def browse(request):
    form = CatalogueSearchForm(request.GET or None)
    items = services.search(request.user, **form.filters())
    page = Paginator(items, SERVICE_PAGE_SIZE).get_page(request.GET.get("page"))
    filters = request.GET.copy()
    filters.pop("page", None)
    return render(request, "warehouse/service/catalogue.html", {
        "tab": "work", "form": form, "page": page, "filters": filters.urlencode()})


def item(request, pk: int):
    form = ReuseRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        made = call_service(form, services.request_reuse, request.user, pk)
        if made is not None:
            messages.success(request, _("Your request has been sent to the pool's bureau for approval."))
            return redirect("service:warehouse:my_reuse", made.pk)
    return item_page(request, pk, form=form)


def item_page(request, pk: int, *, form=None, loan_form=None):
    """The item page with its two forms — request for reuse, and borrow (posted to ``views.loans.borrow``) —
    a refused one shown with its errors (400); or, when the item has just left the catalogue, the catalogue."""
    form = form if form is not None else ReuseRequestForm()
    loan_form = loan_form if loan_form is not None else LoanRequestForm()
    refused = next((f for f in (form, loan_form) if f.errors), None)
    try:
        asset = services.catalogue_item(request.user, pk)
    except Http404:
        if refused is not None and refused.non_field_errors():  # another unit was quicker: say so on the catalogue
            messages.error(request, " ".join(refused.non_field_errors()))
            return redirect("service:warehouse:home")
        raise
    return render(request, "warehouse/service/item.html", {
        "tab": "work", "asset": asset, "photos": photos_of(asset), "form": form, "loan_form": loan_form,
        "where": services.whereabouts(asset),
    }, status=400 if refused is not None else 200)


@require_GET
def photo(request, pk: int, photo_pk: int):
    stored = get_object_or_404(photos_of(services.catalogue_item(request.user, pk)), pk=photo_pk)
    return FileResponse(stored.file.open("rb"), content_type=stored.mime_type)


service_urlpatterns = [
    path("", browse, name="home"),
    path("items/<int:pk>/", item, name="item"),
    path("items/<int:pk>/photos/<int:photo_pk>/", photo, name="item_photo"),
]
