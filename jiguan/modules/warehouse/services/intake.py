"""Intake (入仓): a unit offers items to the pool of its own region (申请), the bureau approves — naming the
warehouse for physical items — or refuses (审核), a keeper receives the items (接收): each unit of each line
becomes an asset card on a storage location (or, virtual, stays at the unit), and the request gets its
receipt number. The only place intake requests change.

A request holding a classified (涉密) line is itself handled apart: only holders of the classified permission
offer, see, approve or receive it. Two keepers receiving the same request at once: the request row is locked
first, so the second finds it received and is told so."""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from jiguan.core import notify
from jiguan.core.errors import NotAllowed, ValidationFailed
from jiguan.core.excel_import import ImportColumn, ImportRejected, RowError, read_rows, template_workbook
from jiguan.core.scoping import can_reach, has_permission, scoped
from jiguan.core.services.attachments import attachments_of, save_attachment
from jiguan.core.services.base import get_in_scope, require, require_path
from jiguan.core.services.common import acts_for_region, permission_holders, use_case
from jiguan.core.services.inputs import Errors, bounded_int, choice, date_value, find, text, yuan
from jiguan.core.statemachine import StateMachine, record

from ..models import (
    MAX_QUANTITY,
    Asset,
    AssetCategory,
    Condition,
    IntakeItem,
    IntakeRequest,
    IntakeState,
    SourceReason,
    StorageKind,
    StorageLocation,
    Warehouse,
)
from ..module import APPROVE, CLASSIFIED, KEEP, OFFER, VIEW
from . import assets_in_scope, save_numbered

MAX_LINES = 200
CATEGORY_LEVELS = (3, 4)  # a card names a concrete kind of item, not a class such as 家具

IS = IntakeState
INTAKE_MACHINE = StateMachine("state", {
    "approve": {IS.SUBMITTED: IS.APPROVED},
    "reject": {IS.SUBMITTED: IS.REJECTED},
    "withdraw": {IS.SUBMITTED: IS.WITHDRAWN},
    "receive": {IS.APPROVED: IS.RECEIVED},
})
INTAKE_ACTIONS = {
    "submit": pgettext_lazy("warehouse intake action", "Submitted"),
    "approve": pgettext_lazy("warehouse intake action", "Approved"),
    "reject": pgettext_lazy("warehouse intake action", "Refused"),
    "withdraw": pgettext_lazy("warehouse intake action", "Withdrawn"),
    "receive": pgettext_lazy("warehouse intake action", "Received"),
}
# The permission each action needs; ``allowed_actions`` adds who the action is for.
ACTION_PERMISSIONS = {"approve": APPROVE, "reject": APPROVE, "withdraw": OFFER, "receive": KEEP}


def requests_in_scope(user, permission: str = VIEW) -> QuerySet:
    """The intake requests the user's role reaches; those with a classified line only for cleared users."""
    require(user, permission)
    requests = scoped(IntakeRequest.objects.select_related("unit", "pool_region", "warehouse", "submitted_by"),
                      user, permission)
    if has_permission(user, CLASSIFIED):
        return requests
    classified = IntakeItem.objects.filter(request=OuterRef("pk"), classified=True)
    return requests.filter(~Exists(classified))


def get_request(user, request_id, permission: str = VIEW, *, lock: bool = False) -> IntakeRequest:
    return get_in_scope(IntakeRequest, user, permission, request_id, lock=lock,
                        queryset=requests_in_scope(user, permission))


def _reviewed_request(user, request_id) -> IntakeRequest:
    """A request to decide on: the bureau of its own pool decides, not one above it that sees it too."""
    request = get_request(user, request_id, APPROVE, lock=True)
    if not acts_for_region(user, request.pool_region, APPROVE):
        raise NotAllowed(_("Intake into the pool of %(region)s is decided by that region's own bureau.")
                         % {"region": request.pool_region.name})
    return request


def allowed_actions(request: IntakeRequest, user) -> list[str]:
    """What ``user`` may do with ``request`` now: approve, reject, withdraw, receive."""
    actions = []
    for action in INTAKE_MACHINE.allowed_actions(request):
        permission = ACTION_PERMISSIONS[action]
        if not has_permission(user, permission) or not can_reach(user, permission, request):
            continue
        if action == "withdraw" and user.unit_id != request.unit_id:
            continue
        if permission == APPROVE and not acts_for_region(user, request.pool_region, APPROVE):
            continue
        if action == "receive" and not _keeps(user, request.warehouse_id):
            continue
        actions.append(action)
    return actions


# --- submitting --------------------------------------------------------------------------------------------


@use_case
def submit(user, *, reason, items) -> IntakeRequest:
    """Offer ``items`` (a list of dicts, one per line; see ``clean_items``) of the user's own unit to the pool
    of its region. Every bad field of every line is reported at once, against ``items.<line>.<field>``."""
    lines, problems = _checked_lines(user, items)
    errors = Errors()
    reason = text(errors, "reason", reason, label=_("why the items are offered"), max_length=1000, min_length=4)
    for line, field, message in problems:
        errors.add(f"items.{line}.{field}" if line else "items",
                   _("Line %(line)d: %(message)s") % {"line": line, "message": message} if line else message)
    errors.raise_if_any()
    return _create(user, reason, lines)


def _checked_lines(user, items) -> tuple[list[IntakeItem], list[tuple[int, str, str]]]:
    """The user may offer for its own unit; then the lines checked: unsaved items and ``(line, field,
    message)`` for every problem (line 0 for the list as a whole)."""
    require(user, OFFER)
    if user.unit is None:
        raise NotAllowed(_("Your account belongs to no unit, so it cannot offer items to the pool."))
    require_path(user, OFFER, user.unit.org_path)
    items = list(items or [])
    classified = [n for n, item in enumerate(items, start=1) if _flag(item.get("classified"))]
    if classified and not has_permission(user, CLASSIFIED):
        raise NotAllowed(_("Line(s) %(lines)s are marked classified (涉密); only staff cleared for classified "
                           "assets may offer such items. Ask them to offer these items apart.")
                         % {"lines": "、".join(str(n) for n in classified)})
    if not 1 <= len(items) <= MAX_LINES:
        return [], [(0, "items", _("A request holds 1 to %(max)d lines; %(n)d given.")
                     % {"max": MAX_LINES, "n": len(items)})]
    codes = {str(item.get("category_code") or "").strip().upper() for item in items}
    categories = {c.code: c for c in AssetCategory.objects.filter(code__in=codes, level__in=CATEGORY_LEVELS)}
    lines, problems = [], []
    for number, item in enumerate(items, start=1):
        errors = Errors()
        lines.append(_line(errors, item, categories))
        problems += [(number, field, message) for field, messages in errors.by_field.items() for message in messages]
    return lines, problems


def _line(errors: Errors, item: dict, categories: dict[str, AssetCategory]) -> IntakeItem:
    code = str(item.get("category_code") or "").strip().upper()
    category = categories.get(code)
    if category is None:
        errors.add("category_code", _("“%(code)s” is not an asset category of the third or fourth level of "
                                      "GB/T 14885-2022, such as A05010201 (office desk).") % {"code": code}
                   if code else _("Please fill in %(field)s.") % {"field": _("category code")})
    return IntakeItem(
        category=category,
        name=text(errors, "name", item.get("name"), label=_("name of the item"), max_length=100),
        specification=text(errors, "specification", item.get("specification"), label=_("specification and model"),
                           max_length=200, required=False),
        quantity=bounded_int(errors, "quantity", item.get("quantity"), label=_("quantity"), low=1,
                             high=MAX_QUANTITY),
        original_value=yuan(errors, "original_value", item.get("original_value"),
                            label=_("original value of each (yuan)")),
        purchase_date=_purchase_date(errors, item.get("purchase_date")),
        condition=choice(errors, "condition", item.get("condition"), label=_("condition"), choices=Condition),
        source_reason=choice(errors, "source_reason", item.get("source_reason"), label=_("why it is offered"),
                             choices=SourceReason),
        classified=_flag(item.get("classified")),
        storage_kind=choice(errors, "storage_kind", item.get("storage_kind") or StorageKind.PHYSICAL,
                            label=_("where it is kept"), choices=StorageKind),
        note=text(errors, "note", item.get("note"), label=_("remarks"), max_length=200, required=False),
    )


def _purchase_date(errors: Errors, value) -> date | None:
    if value in (None, ""):
        errors.add("purchase_date", _("Please fill in %(field)s.") % {"field": _("purchase date")})
        return None
    if isinstance(value, datetime):  # Excel dates come as midnight datetimes
        value = value.date()
    day = date_value(errors, "purchase_date", value, label=_("purchase date"))
    if day is not None and day > timezone.localdate():
        errors.add("purchase_date", _("The purchase date %(day)s is in the future.") % {"day": day})
    return day


def _flag(value) -> bool:
    return value is True or str(value).strip().lower() in {"1", "true", "yes", "是"}


def _create(user, reason: str, lines: list[IntakeItem]) -> IntakeRequest:
    unit = user.unit
    request = IntakeRequest(unit=unit, pool_region_id=unit.region_id, reason=reason, submitted_by=user)
    save_numbered([request], f"RC{unit.region_id}")
    for line in lines:
        line.request = request
    IntakeItem.objects.bulk_create(lines)
    record(request, "submit", "", request.state, actor=user,
           comment=_("%(lines)d lines, %(items)d items") % {"lines": len(lines),
                                                            "items": sum(line.quantity for line in lines)})
    notify.send(permission_holders(request.org_path, APPROVE, nearest=True),
                _("Intake request %(number)s from %(unit)s awaits approval") % {"number": request.number,
                                                                                  "unit": unit.name},
                reason, link=notify.link_to("manage:warehouse:intake_request", request.pk), category="warehouse")
    return request



# --- reviewing -----------------------------------------------------------------------------------------------


@use_case
def approve(user, request_id, *, warehouse_id=None, comment="") -> IntakeRequest:
    """Accept the offer. Physical items go to ``warehouse_id``: an active warehouse of the request's pool kept
    by a bureau in the user's scope."""
    request = _reviewed_request(user, request_id)
    INTAKE_MACHINE.target(request, "approve")
    errors = Errors()
    comment = text(errors, "comment", comment, label=_("remarks"), max_length=500, required=False)
    warehouse = None
    if request.items.filter(storage_kind=StorageKind.PHYSICAL).exists():
        warehouse = find(scoped(Warehouse.objects.filter(active=True, region=request.pool_region), user, APPROVE),
                         warehouse_id)
        if warehouse is None:
            errors.add("warehouse_id", _("Choose the warehouse that receives the items: one in use of the pool of "
                                         "%(region)s, kept by a bureau in your data scope.")
                       % {"region": request.pool_region.name})
    errors.raise_if_any()
    INTAKE_MACHINE.transition(request, "approve", actor=user, comment=comment, warehouse=warehouse,
                              reviewed_by=user, reviewed_at=timezone.now(), review_comment=comment)
    _tell_unit(request, _("Intake request %(number)s is approved") % {"number": request.number},
               _("Bring the items to %(warehouse)s.") % {"warehouse": warehouse.name} if warehouse else comment)
    return request


@use_case
def reject(user, request_id, comment) -> IntakeRequest:
    """Refuse the offer; the unit is told why."""
    request = _reviewed_request(user, request_id)
    INTAKE_MACHINE.target(request, "reject")
    errors = Errors()
    comment = text(errors, "comment", comment, label=_("why the request is refused"), max_length=500, min_length=4)
    errors.raise_if_any()
    INTAKE_MACHINE.transition(request, "reject", actor=user, comment=comment, reviewed_by=user,
                              reviewed_at=timezone.now(), review_comment=comment)
    _tell_unit(request, _("Intake request %(number)s is refused") % {"number": request.number}, comment)
    return request


@use_case
def withdraw(user, request_id, comment="") -> IntakeRequest:
    """The offering unit takes its request back before the bureau has decided."""
    request = get_request(user, request_id, OFFER, lock=True)
    if request.unit_id != user.unit_id:
        raise NotAllowed(_("Only the unit that offered the items may withdraw the request."))
    errors = Errors()
    comment = text(errors, "comment", comment, label=_("remarks"), max_length=500, required=False)
    errors.raise_if_any()
    INTAKE_MACHINE.transition(request, "withdraw", actor=user, comment=comment)
    return request


# --- receiving -----------------------------------------------------------------------------------------------


@use_case
def receive(user, request_id, *, received_on=None, lines=None) -> IntakeRequest:
    """The keeper checks the items in: ``lines`` maps each physical line's id to a storage location of the
    approved warehouse. One card per unit of quantity; the request gets its receipt number."""
    request = get_request(user, request_id, KEEP, lock=True)
    INTAKE_MACHINE.target(request, "receive")
    if not _keeps(user, request.warehouse_id):
        raise NotAllowed(_("Only the keepers of %(warehouse)s receive these items.")
                         % {"warehouse": request.warehouse.name})
    errors = Errors()
    received_on = date_value(errors, "received_on", received_on, label=_("date received"))
    if received_on and not timezone.localtime(request.reviewed_at).date() <= received_on <= timezone.localdate():
        errors.add("received_on", _("The date received must lie between the approval (%(approved)s) and today.")
                   % {"approved": timezone.localtime(request.reviewed_at).date()})
    items = list(request.items.select_related("category"))
    places = _locations(errors, request, items, lines or {})
    errors.raise_if_any()
    cards = [_card(request, item, places.get(item.pk), received_on) for item in items for _each in range(item.quantity)]
    save_numbered(cards, f"GWC{request.pool_region_id}")
    INTAKE_MACHINE.transition(request, "receive", actor=user, received_by=user, received_on=received_on,
                              comment=_("%(n)d asset cards issued") % {"n": len(cards)})
    save_numbered([request], f"RK{request.pool_region_id}", field="receipt_number")
    _tell_unit(request, _("Items of intake request %(number)s are received") % {"number": request.number},
               _("Receipt %(receipt)s: %(n)d asset cards.") % {"receipt": request.receipt_number, "n": len(cards)})
    return request


def _locations(errors: Errors, request: IntakeRequest, items: list[IntakeItem], lines: dict) -> dict:
    """Item id → storage location, for every physical line; each problem against ``lines.<item id>``."""
    wanted = {str(key): value for key, value in lines.items()}
    shelves = StorageLocation.objects.filter(warehouse_id=request.warehouse_id)
    places = {}
    for number, item in enumerate(items, start=1):
        if item.storage_kind != StorageKind.PHYSICAL:
            continue
        location = find(shelves, wanted.get(str(item.pk)))
        if location is None:
            errors.add(f"lines.{item.pk}", _("Line %(line)d (%(item)s): choose a storage location of %(warehouse)s.")
                       % {"line": number, "item": item.name, "warehouse": request.warehouse.name})
        places[item.pk] = location
    unknown = set(wanted) - {str(item.pk) for item in items}
    if unknown:
        errors.add("lines", _("Items %(ids)s are not lines of this request.") % {"ids": "、".join(sorted(unknown))})
    return places


def _card(request: IntakeRequest, item: IntakeItem, location, received_on: date) -> Asset:
    physical = item.storage_kind == StorageKind.PHYSICAL
    return Asset(
        unit=request.warehouse.unit if physical else request.unit, category=item.category, name=item.name,
        specification=item.specification, original_value=item.original_value, purchase_date=item.purchase_date,
        condition=item.condition, source_unit=request.unit, source_reason=item.source_reason,
        classified=item.classified, pool_region_id=request.pool_region_id, storage_kind=item.storage_kind,
        warehouse=request.warehouse if physical else None, location=location, pooled_on=received_on,
        intake_item=item, note=item.note,
    )


def _keeps(user, warehouse_id) -> bool:
    """Does the user keep the warehouse (or, for a request with no physical item, any — then no warehouse)?"""
    return warehouse_id is None or scoped(Warehouse.objects.filter(pk=warehouse_id), user, KEEP).exists()


def _tell_unit(request: IntakeRequest, title: str, body: str) -> None:
    """The person who submitted and the unit's own offer handlers."""
    notify.send([request.submitted_by, *permission_holders(request.org_path, OFFER, nearest=True)], title, body,
                link=notify.link_to("manage:warehouse:intake_request", request.pk), category="warehouse")


def cards_of(request: IntakeRequest) -> QuerySet:
    """The cards a received request issued, line by line (for its page and its receipt)."""
    return Asset.objects.filter(intake_item__request=request).select_related("location").order_by("intake_item",
                                                                                                  "number")


# --- photos of a card --------------------------------------------------------------------------------------

PHOTO_TYPES = (".jpg", ".jpeg", ".png")


@use_case
def add_photo(user, asset_id, upload):
    """A photo (JPEG or PNG) of a card the user keeps, filed under the card's holding unit."""
    asset = get_in_scope(Asset, user, KEEP, asset_id, queryset=assets_in_scope(user, KEEP))
    name = (getattr(upload, "name", "") or "").lower()
    if upload is None or not name.endswith(PHOTO_TYPES):
        raise ValidationFailed({"file": [_("Choose a photo in JPEG or PNG format.")]})
    return save_attachment(user, upload, subject=asset, unit=asset.unit)


def photos_of(asset: Asset) -> QuerySet:
    """The card's photos, oldest first; the caller has checked the card is visible."""
    return attachments_of(asset)


# --- Excel import --------------------------------------------------------------------------------------------

ITEM_SHEET = pgettext_lazy("import sheet", "Items")
NOTES_SHEET = pgettext_lazy("import sheet", "Notes")


def item_columns() -> tuple[ImportColumn, ...]:
    """The template's columns; their headers are what the uploaded sheet's first row must say."""
    return (
        ImportColumn("category_code", str(pgettext_lazy("import column", "Category code")),
                     help=_("A third- or fourth-level code of GB/T 14885-2022, such as A05010201 (office desk).")),
        ImportColumn("name", str(pgettext_lazy("import column", "Item name")), help=_("At most 100 characters.")),
        ImportColumn("specification", str(pgettext_lazy("import column", "Specification and model")),
                     required=False, help=_("At most 200 characters.")),
        ImportColumn("quantity", str(pgettext_lazy("import column", "Quantity")),
                     help=_("Identical items on this line, 1 to %(max)d.") % {"max": MAX_QUANTITY}),
        ImportColumn("original_value", str(pgettext_lazy("import column", "Original value of each (yuan)")),
                     help=_("Yuan, greater than 0, at most two decimals.")),
        ImportColumn("purchase_date", str(pgettext_lazy("import column", "Purchase date")),
                     help=_("A date such as 2019-06-30, not in the future.")),
        ImportColumn("condition", str(pgettext_lazy("import column", "Condition")), choices=_labels(Condition)),
        ImportColumn("source_reason", str(pgettext_lazy("import column", "Why it is offered")),
                     choices=_labels(SourceReason)),
        ImportColumn("classified", str(pgettext_lazy("import column", "Classified")), required=False,
                     choices=(_("Yes"), _("No")),
                     help=_("Only staff cleared for classified assets may offer classified items; empty means no.")),
        ImportColumn("storage_kind", str(pgettext_lazy("import column", "Kept")), required=False,
                     choices=_labels(StorageKind), help=_("Empty means in a warehouse.")),
        ImportColumn("note", str(pgettext_lazy("import column", "Remarks")), required=False,
                     help=_("At most 200 characters.")),
    )


def _labels(choices) -> tuple[str, ...]:
    return tuple(str(label) for label in choices.labels)


def item_template() -> bytes:
    return template_workbook(str(ITEM_SHEET), item_columns(), str(NOTES_SHEET))


@use_case
def import_items(user, *, reason, upload) -> IntakeRequest:
    """``submit`` from the Excel template: one line per row. Any bad row refuses the whole file
    (``ImportRejected`` with every problem by row and column); nothing is written."""
    require(user, OFFER)
    columns = item_columns()
    rows = list(read_rows(upload, str(ITEM_SHEET), columns, max_rows=MAX_LINES))
    if not rows:
        raise ValidationFailed({"file": [_("The sheet “%(sheet)s” holds no items below its header row.")
                                         % {"sheet": ITEM_SHEET}]})
    items = [_item_of_row(row) for _number, row in rows]
    lines, problems = _checked_lines(user, items)
    errors = Errors()
    reason = text(errors, "reason", reason, label=_("why the items are offered"), max_length=1000, min_length=4)
    errors.raise_if_any()
    if problems:
        headers = {c.field: c.header for c in columns}
        raise ImportRejected([RowError(rows[line - 1][0], headers.get(field, ""), str(rows[line - 1][1].get(field, "")),
                                       message) for line, field, message in problems])
    return _create(user, reason, lines)


def _item_of_row(row: dict) -> dict:
    """A sheet row as ``submit`` takes a line: the labels of the drop-down lists turned into codes."""
    return {**row, "condition": _code(row["condition"], Condition), "source_reason": _code(row["source_reason"],
                                                                                           SourceReason),
            "storage_kind": _code(row["storage_kind"], StorageKind), "classified": row["classified"] == _("Yes")}


def _code(label, choices) -> str:
    """The stored code for a label of the template (良好 → good); anything else is passed on unchanged, so
    the refusal lists what is allowed."""
    by_label = {str(choice.label): choice.value for choice in choices}
    return by_label.get(str(label or ""), label or "")
