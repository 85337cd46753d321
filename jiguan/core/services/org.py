"""Org units (机关单位 and their internal departments) and the people in them."""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.apps import apps
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from .. import audit, authcache
from ..crypto import blind_index
from ..errors import StateError
from ..models import Account, OrgUnit, Person, Rank, Region
from ..models.audit import ChainedRecord
from ..models.org import Gender, PersonStatus, UnitCategory, UnitKind
from ..scoping import ScopeSpec, scoped
from ..validators import validate_credit_code, validate_id_number, validate_phone
from .base import get_in_scope, require, require_path
from .common import use_case
from .inputs import Errors, choice, find, positive_int, refuse_unknown_fields, text, unique

MANAGE_UNITS = "core.manage_units"
MANAGE_PEOPLE = "core.manage_people"
VIEW_PERSONAL_DATA = "core.view_personal_data"

UNIT_CHANGEABLE = {"name", "short_name", "category", "credit_code", "is_bureau", "parent_id", "region_code", "sort"}
PERSON_CHANGEABLE = {"name", "unit_id", "department_id", "rank_id", "id_number", "phone", "gender", "title", "status"}


# --- Units --------------------------------------------------------------------------------------


@use_case
def create_unit(
    user, *, name, region_code, kind=UnitKind.UNIT, credit_code=None, parent_id=None,
    category=UnitCategory.GOVERNMENT, short_name="", is_bureau=False,
) -> OrgUnit:
    require(user, MANAGE_UNITS)
    errors = Errors()
    unit = OrgUnit(kind=choice(errors, "kind", kind, label=_("unit kind"), choices=UnitKind))
    _set_unit_fields(user, unit, errors, {
        "name": name, "short_name": short_name, "category": category, "credit_code": credit_code,
        "is_bureau": is_bureau, "parent_id": parent_id, "region_code": region_code,
    })
    errors.raise_if_any()
    with unique("credit_code", _credit_code_taken()):
        unit.save()
    require_path(user, MANAGE_UNITS, unit.org_path)  # e.g. a unit-tree admin may add departments, not agencies
    return unit


@use_case
def update_unit(user, unit_id, **changes) -> OrgUnit:
    """Change a unit. A new parent or region moves it: the org paths below it follow (see ``_rewrite_paths``)."""
    refuse_unknown_fields(changes, UNIT_CHANGEABLE)
    unit = get_in_scope(OrgUnit, user, MANAGE_UNITS, unit_id, lock=True)
    old_path, old_region = unit.org_path, unit.region_id
    errors = Errors()
    _set_unit_fields(user, unit, errors, changes)
    errors.raise_if_any()
    with unique("credit_code", _credit_code_taken()):
        unit.save()
    if unit.org_path != old_path:
        require_path(user, MANAGE_UNITS, unit.org_path)
        _rewrite_paths(old_path, unit.org_path)
    if unit.kind == UnitKind.UNIT and unit.region_id != old_region:
        _departments_follow(unit)
    return unit


@use_case
def set_unit_active(user, unit_id, active: bool) -> OrgUnit:
    unit = get_in_scope(OrgUnit, user, MANAGE_UNITS, unit_id, lock=True)
    active = bool(active)
    if unit.active == active:
        raise StateError(_("The unit is already active.") if active else _("The unit is already deactivated."))
    if active and unit.parent_id and not unit.parent.active:
        raise StateError(_("The parent unit is deactivated; activate it first."))
    if not active:
        _check_can_deactivate(unit)
    unit.active = active
    unit.save(update_fields=["active"])
    return unit


def _check_can_deactivate(unit: OrgUnit) -> None:
    if unit.children.filter(active=True).exists():
        raise StateError(_("Deactivate its sub-units and internal departments first."))
    in_post = Person.objects.filter(org_path__startswith=unit.org_path, status=PersonStatus.ACTIVE).count()
    if in_post:
        raise StateError(
            _("%(n)d people in post still belong to this unit; transfer them or change their status first.")
            % {"n": in_post}
        )


def _set_unit_fields(user, unit: OrgUnit, errors: Errors, values: dict) -> None:
    """Apply the given fields to ``unit`` (new or locked), then check that the whole still fits together."""
    if "name" in values:
        unit.name = text(errors, "name", values["name"], label=_("unit name"), max_length=100)
    if "short_name" in values:
        unit.short_name = text(
            errors, "short_name", values["short_name"], label=_("short name"), max_length=40, required=False
        )
    if "category" in values:
        unit.category = choice(errors, "category", values["category"], label=_("unit category"), choices=UnitCategory)
    if "is_bureau" in values:
        unit.is_bureau = bool(values["is_bureau"])
    if "sort" in values:
        unit.sort = positive_int(errors, "sort", values["sort"], label=_("sort number"))
    if "credit_code" in values:
        unit.credit_code = (values["credit_code"] or "").strip().upper() or None
    if "parent_id" in values:
        _set_parent(user, unit, values["parent_id"], errors)
    region_code = (values.get("region_code") or "").strip()
    if region_code:
        _set_region(unit, region_code, errors)
    if not errors.by_field:
        if unit.kind == UnitKind.UNIT:
            _check_agency(unit, errors, check_code="credit_code" in values)
        else:
            _check_department(unit, errors, region_code)


def _set_parent(user, unit: OrgUnit, parent_id, errors: Errors) -> None:
    if parent_id in (None, ""):
        unit.parent = None
        return
    parent = find(scoped(OrgUnit.objects.select_related("region", "unit"), user, MANAGE_UNITS), parent_id)
    if parent is None:
        errors.add("parent_id", _("The selected parent unit does not exist or is outside your data scope."))
    elif not parent.active:
        errors.add("parent_id", _("The selected parent unit is deactivated."))
    else:
        unit.parent = parent


def _set_region(unit: OrgUnit, region_code: str, errors: Errors) -> None:
    region = find(Region.objects.all(), region_code)
    if region is None:
        errors.add("region_code", _("There is no region with the code “%(code)s”.") % {"code": region_code})
    else:
        unit.region = region


def _check_agency(unit: OrgUnit, errors: Errors, *, check_code: bool) -> None:
    if unit.credit_code is None:
        errors.add("credit_code", _("An agency must have its unified social credit code."))
    elif check_code and errors.check("credit_code", validate_credit_code, unit.credit_code):
        if OrgUnit.objects.filter(credit_code=unit.credit_code).exclude(pk=unit.pk).exists():
            errors.add("credit_code", _credit_code_taken())
    if not unit.region_id:
        errors.add("region_code", _("Please choose the region of the unit."))
        return
    if unit.parent is not None:
        _check_agency_parent(unit, errors)
    if unit.pk and "region_code" not in errors:
        _check_sub_agencies_fit(unit, errors)


def _check_agency_parent(unit: OrgUnit, errors: Errors) -> None:
    parent = unit.parent
    if parent.kind != UnitKind.UNIT:
        errors.add("parent_id", _("The parent of an agency must be an agency, not an internal department."))
    elif unit.pk and parent.org_path.startswith(unit.org_path):
        errors.add("parent_id", _("A unit cannot be placed under itself or one of its own sub-units."))
    elif not unit.region.key.startswith(parent.region.key):
        errors.add("region_code", _("The region of a sub-unit must lie within the region of its parent unit."))


def _check_sub_agencies_fit(unit: OrgUnit, errors: Errors) -> None:
    misplaced = (
        OrgUnit.objects.filter(org_path__startswith=unit.org_path, kind=UnitKind.UNIT)
        .exclude(pk=unit.pk).exclude(region__key__startswith=unit.region.key).first()
    )
    if misplaced is not None:
        errors.add(
            "region_code",
            _("The sub-unit “%(unit)s” lies outside the new region; move it first.") % {"unit": misplaced.name},
        )


def _check_department(unit: OrgUnit, errors: Errors, region_code: str) -> None:
    if unit.credit_code:
        errors.add("credit_code", _("An internal department has no unified social credit code of its own."))
    if unit.is_bureau:
        errors.add("is_bureau", _("Only an agency can be marked as the government offices administration bureau."))
    parent = unit.parent
    if parent is None:
        errors.add("parent_id", _("Please choose the agency this internal department belongs to."))
        return
    if unit.pk and parent.org_path.startswith(unit.org_path):
        errors.add("parent_id", _("A unit cannot be placed under itself or one of its own sub-units."))
        return
    if unit.unit_id and parent.agency.pk != unit.unit_id:
        errors.add("parent_id", _("An internal department can only be moved within its own agency."))
        return
    if region_code and region_code != parent.region_id:
        errors.add("region_code", _("An internal department is in the same region as its agency."))
    unit.unit = parent.agency
    unit.region = parent.region


def _credit_code_taken() -> str:
    return _("This unified social credit code is already registered to another unit.")


def _rewrite_paths(old_path: str, new_path: str) -> None:
    """A unit moved: rewrite the org paths below it and every copy of them, one bulk update per table."""
    for model, fields in _path_copies():
        below = reduce(or_, (Q(**{f"{f}__under": old_path}) for f in fields))
        rewritten = {f: _replace_prefix(f, old_path, new_path) for f in fields}
        count = model._base_manager.filter(below).update(**rewritten)
        if count:
            audit.log_bulk(model, _("Org path %(old)s moved to %(new)s") % {"old": old_path, "new": new_path},
                           count, org_path=new_path)
    authcache.invalidate()  # grants are anchored on these paths


def _departments_follow(agency: OrgUnit) -> None:
    """Internal departments are always in their agency's region."""
    count = OrgUnit.objects.filter(unit=agency).exclude(region=agency.region).update(region=agency.region)
    if count:
        audit.log_bulk(OrgUnit, _("Departments of %(unit)s moved with it to region %(region)s")
                       % {"unit": agency.name, "region": agency.region.name}, count, org_path=agency.org_path)


def _path_copies():
    """Every model holding org paths of its own (not the tamper-evident logs, which record history)."""
    for model in apps.get_models():
        spec = getattr(model, "data_scope", None)
        if isinstance(spec, ScopeSpec) and not issubclass(model, ChainedRecord):
            fields = [path for path in spec.paths if "__" not in path]
            if fields:
                yield model, fields


def _replace_prefix(field: str, old: str, new: str) -> Case:
    return Case(
        When(**{f"{field}__startswith": old}, then=Concat(Value(new), Substr(field, len(old) + 1))),
        default=F(field),
    )


# --- People -------------------------------------------------------------------------------------


@use_case
def create_person(
    user, *, name, unit_id, department_id=None, rank_id=None, id_number="", phone="", gender="", title="",
    status=PersonStatus.ACTIVE,
) -> Person:
    require(user, MANAGE_PEOPLE)
    person = Person()
    errors = Errors()
    _set_person_fields(user, person, errors, {
        "name": name, "unit_id": unit_id, "department_id": department_id, "rank_id": rank_id,
        "id_number": id_number, "phone": phone, "gender": gender, "title": title, "status": status,
    })
    errors.raise_if_any()
    with unique("id_number", _id_number_taken()):
        person.save()
    return person


@use_case
def update_person(user, person_id, **changes) -> Person:
    """Change a person; a new unit is a transfer (their account moves with them)."""
    refuse_unknown_fields(changes, PERSON_CHANGEABLE)
    person = get_in_scope(Person, user, MANAGE_PEOPLE, person_id, lock=True)
    old_unit_id = person.unit_id
    if "unit_id" in changes and "department_id" not in changes:
        changes["department_id"] = None  # a department of the old unit cannot follow them
    errors = Errors()
    _set_person_fields(user, person, errors, changes)
    errors.raise_if_any()
    with unique("id_number", _id_number_taken()):
        person.save()
    if person.unit_id != old_unit_id:
        account = Account.objects.select_for_update().filter(person=person, unit_id=old_unit_id).first()
        if account is not None:
            account.unit = person.unit
            account.save(update_fields=["unit", "org_path"])
    return person


@use_case
def reveal_personal_data(user, person_id, path: str) -> dict:
    """The full ID number and phone of one person, for a holder of the right; every look is access-logged."""
    person = get_in_scope(Person, user, VIEW_PERSONAL_DATA, person_id)
    audit.log_personal_data_view(path, person)
    return {"id_number": person.id_number, "phone": person.phone}


def _set_person_fields(user, person: Person, errors: Errors, values: dict) -> None:
    if "name" in values:
        person.name = text(errors, "name", values["name"], label=_("full name"), max_length=50)
    if "title" in values:
        person.title = text(errors, "title", values["title"], label=_("post"), max_length=60, required=False)
    if "status" in values:
        person.status = choice(errors, "status", values["status"], label=_("person status"), choices=PersonStatus)
    if "unit_id" in values:
        _set_agency(user, person, values["unit_id"], errors)
    if "department_id" in values:
        _set_department(person, values["department_id"], errors)
    if "rank_id" in values:
        _set_rank(person, values["rank_id"], errors)
    if values.get("phone"):
        person.phone = str(values["phone"]).strip()
        errors.check("phone", validate_phone, person.phone)
    elif "phone" in values:
        person.phone = ""
    if "id_number" in values:
        _set_id_number(person, errors, values["id_number"])
    if "gender" in values:
        _set_gender(person, errors, values["gender"])
    elif "id_number" in values and person.id_number:
        _set_gender(person, errors, "")  # a new ID number tells the gender
    if _rank_off_ladder(person) and "rank_id" not in errors:
        errors.add("rank_id", _("The rank “%(rank)s” is not on the rank ladder of this unit's level of government.")
                   % {"rank": person.rank.name})


def _rank_off_ladder(person: Person) -> bool:
    """Ranks are per level of government (DOMAIN.md): a city unit's people hold city ranks."""
    return bool(person.rank_id and person.unit_id and person.rank.level != person.unit.region.level)


def _set_agency(user, person: Person, unit_id, errors: Errors) -> None:
    agencies = scoped(OrgUnit.objects.select_related("region"), user, MANAGE_PEOPLE).filter(kind=UnitKind.UNIT)
    unit = find(agencies, unit_id)
    if unit is None:
        errors.add("unit_id", _("The selected unit does not exist or is outside your data scope."))
    elif not unit.active:
        errors.add("unit_id", _("The selected unit is deactivated."))
    else:
        person.unit = unit


def _set_department(person: Person, department_id, errors: Errors) -> None:
    person.department = None
    if department_id in (None, "") or "unit_id" in errors:
        return
    department = find(OrgUnit.objects.filter(kind=UnitKind.DEPARTMENT, unit_id=person.unit_id), department_id)
    if department is None:
        errors.add("department_id", _("The selected internal department does not belong to this unit."))
    elif not department.active:
        errors.add("department_id", _("The selected internal department is deactivated."))
    else:
        person.department = department


def _set_rank(person: Person, rank_id, errors: Errors) -> None:
    person.rank = find(Rank.objects.all(), rank_id)
    if person.rank is None and rank_id not in (None, ""):
        errors.add("rank_id", _("The selected rank does not exist."))


def _set_id_number(person: Person, errors: Errors, value) -> None:
    person.id_number = (value or "").strip().upper()
    if not person.id_number or not errors.check("id_number", validate_id_number, person.id_number):
        return
    if Person.objects.filter(id_digest=blind_index(person.id_number)).exclude(pk=person.pk).exists():
        errors.add("id_number", _id_number_taken())


def _set_gender(person: Person, errors: Errors, value) -> None:
    """Gender is optional; when the ID number is known it decides (17th digit odd = male) and must agree."""
    implied = ""
    if person.id_number and "id_number" not in errors:
        implied = Gender.MALE if int(person.id_number[16]) % 2 else Gender.FEMALE
    if not value:
        person.gender = implied
        return
    person.gender = choice(errors, "gender", value, label=_("gender"), choices=Gender)
    if implied and "gender" not in errors and person.gender != implied:
        errors.add("gender", _("The gender does not match the ID number."))


def _id_number_taken() -> str:
    return _("This ID number is already registered.")
