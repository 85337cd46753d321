"""Regions (read-only tree), units with their departments, and people."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from jiguan.core.access import is_htmx
from jiguan.core.listing import BooleanFilter, ChoiceFilter, Column, IdFilter, ListSpec
from jiguan.core.models import OrgUnit, Person, Region
from jiguan.core.models.org import Level, PersonStatus, UnitCategory, UnitKind
from jiguan.core.scoping import has_permission, scoped
from jiguan.core.services import org
from jiguan.core.services.base import get_in_scope

from ..access import manage_view
from ..filters import region_filter
from ..forms import DepartmentForm, PersonForm, UnitForm
from .common import fragment_or_redirect, next_url, perform, submit

VIEW_UNITS, MANAGE_UNITS = "core.view_units", "core.manage_units"
VIEW_PEOPLE, MANAGE_PEOPLE, VIEW_PERSONAL_DATA = "core.view_people", "core.manage_people", "core.view_personal_data"


# --- Regions --------------------------------------------------------------------------------------


@require_GET
@manage_view(VIEW_UNITS)
def region_tree(request):
    regions = list(Region.objects.exclude(level=Level.NATIONAL))
    children: dict[str | None, list[Region]] = {}
    for region in regions:
        children.setdefault(region.parent_id, []).append(region)
    codes = {r.code for r in regions}
    roots = [r for r in regions if r.parent_id not in codes]
    for region in regions:
        region.subregions = children.get(region.code, [])
    return render(request, "manage/regions.html", {"roots": roots, "count": len(regions)})


# --- Units ----------------------------------------------------------------------------------------

UNIT_LIST = ListSpec(
    name="units",
    title=gettext_lazy("Units"),
    columns=(
        Column("name", gettext_lazy("Name"), order_by="name"),
        Column("credit_code", gettext_lazy("Unified social credit code"), order_by="credit_code"),
        Column("region__name", gettext_lazy("Region"), order_by="region__code"),
        Column("kind", gettext_lazy("Kind"), display=False),
        Column("category", gettext_lazy("Category"), order_by="category"),
        Column("parent__name", gettext_lazy("Parent unit"), display=False),
        Column("is_bureau", gettext_lazy("Government offices administration bureau"), display=False),
        Column("active", gettext_lazy("Active"), order_by="active"),
    ),
    filters=(
        region_filter(),
        ChoiceFilter("kind", gettext_lazy("Kind"), "kind", choices=UnitKind.choices),
        ChoiceFilter("category", gettext_lazy("Category"), "category", choices=UnitCategory.choices),
        BooleanFilter("active", gettext_lazy("Active"), "active"),
    ),
    search=("name", "short_name", "credit_code"),
    search_label=gettext_lazy("Name or credit code"),
)


@require_GET
@manage_view(VIEW_UNITS)
def unit_list(request):
    units = scoped(OrgUnit.objects.select_related("region", "parent"), request.user, VIEW_UNITS)
    return UNIT_LIST.bind(request, units).response("manage/units/list.html", "manage/units/_table.html", {
        "can_manage": has_permission(request.user, MANAGE_UNITS), "back_url": request.get_full_path(),
    })


@manage_view(MANAGE_UNITS)
def unit_create(request):
    form = UnitForm(request.POST or None, user=request.user)
    if request.method == "POST":
        done, unit = submit(request, form, lambda: org.create_unit(request.user, **form.service_values()),
                            _("The unit has been created."))
        if done:
            return redirect("manage:unit", unit.pk)
    return render(request, "manage/form.html", {
        "form": form, "title": _("New unit"), "cancel_url": reverse("manage:units"),
    })


@require_GET
@manage_view(VIEW_UNITS)
def unit_detail(request, pk: int):
    unit = get_in_scope(OrgUnit, request.user, VIEW_UNITS, pk, queryset=OrgUnit.objects.select_related("region", "parent"))
    return _unit_page(request, unit, DepartmentForm())


def _unit_page(request, unit: OrgUnit, department_form: DepartmentForm):
    in_post = Person.objects.filter(org_path__startswith=unit.org_path, status=PersonStatus.ACTIVE)
    return render(request, "manage/units/detail.html", {
        "unit": unit,
        "departments": scoped(unit.departments.all(), request.user, VIEW_UNITS),
        "people_count": scoped(in_post, request.user, VIEW_PEOPLE).count(),
        "can_manage": has_permission(request.user, MANAGE_UNITS),
        "department_form": department_form,
    })


@manage_view(MANAGE_UNITS)
def unit_edit(request, pk: int):
    unit = get_in_scope(OrgUnit, request.user, MANAGE_UNITS, pk)
    form_class = UnitForm if unit.kind == UnitKind.UNIT else DepartmentForm
    initial = {
        "name": unit.name, "short_name": unit.short_name, "region": unit.region_id, "credit_code": unit.credit_code,
        "category": unit.category, "parent": unit.parent_id, "is_bureau": unit.is_bureau,
    }
    form = form_class(request.POST or None, initial=initial, user=request.user)
    if "parent" in form.fields and unit.parent_id and not form.fields["parent"].queryset.filter(pk=unit.parent_id).exists():
        del form.fields["parent"]  # a parent above the user's scope is neither shown nor changed
    back = next_url(request, reverse("manage:unit", args=[unit.pk]))
    if request.method == "POST":
        done, _unit = submit(request, form, lambda: org.update_unit(request.user, unit.pk, **form.changed_service_values()),
                             _("The changes have been saved."))
        if done:
            return redirect(back)
    return render(request, "manage/form.html", {
        "form": form, "title": _("Edit “%(name)s”") % {"name": unit.name}, "cancel_url": back, "next": back,
    })


@require_POST
@manage_view(MANAGE_UNITS)
def unit_set_active(request, pk: int):
    active = request.POST.get("active") == "1"
    message = _("The unit has been activated.") if active else _("The unit has been deactivated.")
    perform(request, lambda: org.set_unit_active(request.user, pk, active), message)
    unit = get_in_scope(OrgUnit, request.user, VIEW_UNITS, pk, queryset=OrgUnit.objects.select_related("region"))
    context = {"unit": unit, "can_manage": True, "back_url": request.headers.get("HX-Current-URL", "")}
    return fragment_or_redirect(request, "manage/units/_row.html", context, "manage:unit", unit.agency.pk)


@require_POST
@manage_view(MANAGE_UNITS)
def department_create(request, pk: int):
    unit = get_in_scope(OrgUnit, request.user, MANAGE_UNITS, pk, queryset=OrgUnit.objects.select_related("region"))
    form = DepartmentForm(request.POST, user=request.user)
    done, _department = submit(
        request, form,
        lambda: org.create_unit(request.user, kind=UnitKind.DEPARTMENT, parent_id=unit.pk, region_code=unit.region_id,
                                **form.service_values()),
        _("The internal department has been added."),
    )
    return redirect("manage:unit", unit.pk) if done else _unit_page(request, unit, form)


# --- People ---------------------------------------------------------------------------------------

PEOPLE_LIST = ListSpec(
    name="people",
    title=gettext_lazy("People"),
    columns=(
        Column("name", gettext_lazy("Full name"), order_by="name"),
        Column("gender", gettext_lazy("Gender")),
        Column("unit__name", gettext_lazy("Unit"), order_by="unit__name"),
        Column("department__name", gettext_lazy("Department")),
        Column("rank__name", gettext_lazy("Rank"), order_by=("rank__level", "rank__order")),
        Column("title", gettext_lazy("Post")),
        Column("id_number_masked", gettext_lazy("ID number")),
        Column("phone_masked", gettext_lazy("Mobile phone")),
        Column("status", gettext_lazy("Status"), order_by="status"),
    ),
    filters=(
        region_filter("unit__region"),
        IdFilter("unit", gettext_lazy("Unit"), "unit_id"),
        ChoiceFilter("status", gettext_lazy("Status"), "status", choices=PersonStatus.choices),
    ),
    search=("name", "title"),
    search_label=gettext_lazy("Name or post"),
)


@require_GET
@manage_view(VIEW_PEOPLE)
def person_list(request):
    people = scoped(Person.objects.select_related("unit", "department", "rank"), request.user, VIEW_PEOPLE)
    listing = PEOPLE_LIST.bind(request, people)
    unit_id = listing.values.get("unit")
    return listing.response("manage/people/list.html", "manage/people/_table.html", {
        "can_manage": has_permission(request.user, MANAGE_PEOPLE),
        "unit": scoped(OrgUnit.objects.filter(pk=unit_id), request.user, VIEW_UNITS).first() if unit_id else None,
    })


@manage_view(MANAGE_PEOPLE)
def person_create(request):
    form = PersonForm(request.POST or None, user=request.user, initial={"unit": request.GET.get("unit")})
    if request.method == "POST":
        done, _person = submit(request, form, lambda: org.create_person(request.user, **form.service_values()),
                               _("The person has been added."))
        if done:
            return redirect("manage:people")
    return render(request, "manage/form.html", {
        "form": form, "title": _("New person"), "cancel_url": reverse("manage:people"),
    })


@manage_view(MANAGE_PEOPLE)
def person_edit(request, pk: int):
    queryset = Person.objects.select_related("unit", "department", "rank")
    person = get_in_scope(Person, request.user, MANAGE_PEOPLE, pk, queryset=queryset)
    initial = {
        "name": person.name, "gender": person.gender, "unit": person.unit_id, "department": person.department_id,
        "rank": person.rank_id, "title": person.title, "status": person.status,
    }
    form = PersonForm(request.POST or None, initial=initial, user=request.user, editing=True)
    if request.method == "POST":
        done, _person = submit(request, form, lambda: org.update_person(request.user, person.pk, **_person_changes(form)),
                               _("The changes have been saved."))
        if done:
            return redirect("manage:people")
    return render(request, "manage/people/edit.html", {
        "form": form, "person": person, "can_reveal": has_permission(request.user, VIEW_PERSONAL_DATA),
    })


def _person_changes(form: PersonForm) -> dict:
    # ID number and phone are never shown in the form: left empty, they stay as recorded.
    return {k: v for k, v in form.changed_service_values().items() if v or k not in ("id_number", "phone")}


@require_POST
@manage_view(VIEW_PERSONAL_DATA)
def person_reveal(request, pk: int):
    values = org.reveal_personal_data(request.user, pk, request.path)
    if is_htmx(request):
        return render(request, "manage/people/_revealed.html", {"values": values})
    person = get_in_scope(Person, request.user, VIEW_PERSONAL_DATA, pk)
    return render(request, "manage/people/revealed.html", {"values": values, "person": person})
