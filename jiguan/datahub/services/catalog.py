"""Catalog use cases: data sources, datasets and their schemas, the module datasets published through the
registry, lineage, and the data service (query and export of published rows, scoped and masked).

Who sees what: a dataset is written by MANAGE holders whose scope reaches its owner unit. The catalog lists
the datasets owned inside the user's VIEW scope and those owned by the bureaus of the regions at and above
it — a province's base library holds every unit's rows, and each unit queries its own rows in it. Rows are
always cut to the user's VIEW scope: ``scope_condition`` on the store's ``org_path``, ``scoped()`` on a
module's table.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from django.apps import apps
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jiguan.core import audit
from jiguan.core.crypto import EncryptedTextField, mask_id_number, mask_phone
from jiguan.core.errors import StateError, ValidationFailed
from jiguan.core.excel import write_xlsx
from jiguan.core.listing import MAX_EXPORT_ROWS
from jiguan.core.models import Dictionary, OrgUnit
from jiguan.core.models.audit import AccessKind
from jiguan.core.models.org import Level, UnitKind
from jiguan.core.registry import registry
from jiguan.core.scoping import Scope, grants_for, scope_condition, scoped
from jiguan.core.services.base import get_in_scope, require, require_path
from jiguan.core.services.common import attributed_to, key_prefixes, use_case
from jiguan.core.services.inputs import Errors, choice, find, refuse_unknown_fields, text, unique
from jiguan.core.statemachine import record

from .. import store
from ..models import (
    Channel,
    Dataset,
    DatasetField,
    FieldCheck,
    FieldRule,
    FieldType,
    Frequency,
    Layer,
    Lineage,
    Reference,
    RuleOperator,
    Sensitivity,
    Source,
    SourceKind,
    Storage,
)
from ..module import MANAGE, VIEW
from . import rules, runs

IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")  # a column: safe to quote into SQL once it matches
CODE = re.compile(r"^[a-z][a-z0-9_-]*$")  # a source's or store dataset's code (also a folder of the store)
PHONE = re.compile(r"^[0-9+()\- ]{5,20}$")
RESERVED_COLUMNS = {"org_path", "_row"}  # added to every stored row by the store and the pipeline
MAX_FIELDS = 200
MAX_PAGE_SIZE = 100
NUMERIC = {FieldType.INTEGER, FieldType.DECIMAL}
DUCK_TYPES = {FieldType.INTEGER: "BIGINT", FieldType.DECIMAL: "DOUBLE", FieldType.DATE: "DATE",
              FieldType.BOOLEAN: "BOOLEAN"}
TRUE_WORDS, FALSE_WORDS = {"1", "true", "yes", "是", "y"}, {"0", "false", "no", "否", "n"}
SOURCE_CHANGEABLE = {"name", "kind", "channel", "contact_name", "contact_phone", "pull_url", "pull_query",
                     "frequency", "unit_id"}
DATASET_CHANGEABLE = {"name", "description", "layer", "source_id", "sensitivity", "frequency", "dirty_limit_rows",
                      "dirty_limit_percent", "unit_id"}
FIELD_ATTRIBUTES = ("name", "label", "type", "required", "unique", "max_length", "minimum", "maximum", "pattern",
                    "dictionary", "check_digit", "reference", "standard", "sensitive", "description")
# A module declares "personal" for tables naming people: those datasets are sensitive (敏感).
DECLARED_SENSITIVITY = {"public": Sensitivity.PUBLIC, "internal": Sensitivity.INTERNAL,
                        "personal": Sensitivity.SENSITIVE}
MODEL_FIELD_TYPES = (
    (models.BooleanField, FieldType.BOOLEAN),
    (models.DateTimeField, FieldType.TEXT),  # the schema has no time of day; shown as written
    (models.DateField, FieldType.DATE),
    (models.DecimalField, FieldType.DECIMAL),
    (models.FloatField, FieldType.DECIMAL),
    (models.IntegerField, FieldType.INTEGER),
    (models.AutoField, FieldType.INTEGER),
    (models.BigAutoField, FieldType.INTEGER),
    (models.ForeignKey, FieldType.INTEGER),
)


# --- Visibility ----------------------------------------------------------------------------------------


def visible_datasets(user) -> QuerySet[Dataset]:
    """Datasets in the user's catalog: owned inside their VIEW scope, or owned by a bureau of a region at or
    above where their grants are anchored."""
    grants = grants_for(user, VIEW)
    if any(g.scope == Scope.ALL for g in grants):
        return Dataset.objects.all()
    keys = {prefix for grant in grants for anchor in _anchor_keys(grant) for prefix in key_prefixes(anchor)}
    above = Q(unit__is_bureau=True, unit__region__key__in=keys) if keys else Q(pk__in=[])
    return Dataset.objects.filter(Q(pk__in=scoped(Dataset.objects.all(), user, VIEW).values("pk")) | above)


def _anchor_keys(grant) -> list[str]:
    """The region keys a grant is anchored in (the first segment of an org path is its region key)."""
    match grant.scope:
        case Scope.REGION:
            return [grant.region_key]
        case Scope.UNIT | Scope.UNIT_TREE:
            return [grant.unit_path.split("/", 1)[0]]
        case Scope.CUSTOM:
            return [path.split("/", 1)[0] for path in grant.custom_paths]
    return []


def dataset_in_view(user, code: str) -> Dataset:
    """The dataset with this code if the user's catalog lists it; 404 otherwise."""
    require(user, VIEW)
    dataset = visible_datasets(user).select_related("unit", "source", "current_version").filter(code=code).first()
    if dataset is None:
        raise Http404(_("Not found."))
    return dataset


def search(queryset: QuerySet[Dataset], term: str) -> QuerySet[Dataset]:
    """Datasets whose name, code, description or a field's label contains ``term``."""
    term = (term or "").strip()
    if not term:
        return queryset
    labelled = DatasetField.objects.filter(Q(label__icontains=term) | Q(name__icontains=term)).values("dataset_id")
    return queryset.filter(Q(name__icontains=term) | Q(code__icontains=term) | Q(description__icontains=term)
                           | Q(pk__in=labelled))


# --- Sources -------------------------------------------------------------------------------------------


@use_case
def create_source(user, *, unit_id, code, name, kind, channel=Channel.UPLOAD, contact_name="", contact_phone="",
                  pull_url="", pull_query="", frequency=Frequency.ADHOC) -> Source:
    require(user, MANAGE)
    errors = Errors()
    source = Source(code=_code(errors, "code", code, label=_("source code")))
    if "code" not in errors and Source.objects.filter(code=source.code).exists():
        errors.add("code", _source_code_taken())
    _set_source_fields(user, source, errors, {
        "unit_id": unit_id, "name": name, "kind": kind, "channel": channel, "contact_name": contact_name,
        "contact_phone": contact_phone, "pull_url": pull_url, "pull_query": pull_query, "frequency": frequency,
    })
    errors.raise_if_any()
    require_path(user, MANAGE, source.unit.org_path)
    with unique("code", _source_code_taken()):
        source.save()
    record(source, "create", "", "active", actor=user)
    return source


@use_case
def update_source(user, source_id, **changes) -> Source:
    """Change a source; an empty ``pull_url`` keeps the recorded one (it is never shown back in full)."""
    refuse_unknown_fields(changes, SOURCE_CHANGEABLE)
    source = get_in_scope(Source, user, MANAGE, source_id, lock=True)
    if not source.active:
        raise StateError(_("The data source “%(name)s” is deactivated and can no longer be changed.")
                         % {"name": source.name})
    if not changes.get("pull_url"):
        changes.pop("pull_url", None)
    errors = Errors()
    _set_source_fields(user, source, errors, changes)
    errors.raise_if_any()
    require_path(user, MANAGE, source.unit.org_path)
    source.save()
    return source


@use_case
def deactivate_source(user, source_id, comment: str = "") -> Source:
    """Stop taking data from a source: its datasets and runs stay, scheduled pulls stop."""
    source = get_in_scope(Source, user, MANAGE, source_id, lock=True)
    if not source.active:
        raise StateError(_("The data source “%(name)s” is already deactivated.") % {"name": source.name})
    errors = Errors()
    comment = text(errors, "comment", comment, label=_("comment"), max_length=500, required=False)
    errors.raise_if_any()
    source.active = False
    source.save()
    record(source, "deactivate", "active", "inactive", actor=user, comment=comment)
    return source


def _set_source_fields(user, source: Source, errors: Errors, values: dict) -> None:
    if "unit_id" in values:
        source.unit = _owner_unit(user, errors, values["unit_id"])
    if "name" in values:
        source.name = text(errors, "name", values["name"], label=_("source name"), max_length=100)
    if "kind" in values:
        source.kind = choice(errors, "kind", values["kind"], label=_("source kind"), choices=SourceKind)
    if "channel" in values:
        source.channel = choice(errors, "channel", values["channel"], label=_("channel"), choices=Channel)
    if "frequency" in values:
        source.frequency = choice(errors, "frequency", values["frequency"], label=_("update frequency"),
                                  choices=Frequency)
    if "contact_name" in values:
        source.contact_name = text(errors, "contact_name", values["contact_name"], label=_("contact"),
                                   max_length=50, required=False)
    if "contact_phone" in values:
        source.contact_phone = text(errors, "contact_phone", values["contact_phone"], label=_("contact phone"),
                                    max_length=20, required=False)
        if source.contact_phone and "contact_phone" not in errors and not PHONE.match(source.contact_phone):
            errors.add("contact_phone", _("The contact phone may contain only digits, spaces, “+”, “-” and "
                                          "brackets, e.g. 0791-88912345."))
    if "pull_url" in values:
        source.pull_url = _pull_url(errors, values["pull_url"])
    if "pull_query" in values:
        source.pull_query = _pull_query(errors, values["pull_query"])
    _check_pull(source, errors)


def _pull_url(errors: Errors, value) -> str:
    url = text(errors, "pull_url", value, label=_("database URL"), max_length=500, required=False)
    if not url or "pull_url" in errors:
        return url
    parts = _split(url)
    if parts is None:
        errors.add("pull_url", _("The database URL is not well formed; write special characters of the password "
                                 "as %XX (e.g. # as %23)."))
    elif (refusal := runs.pull_url_error(url)) is not None:
        errors.add("pull_url", refusal)
    return url


def _split(url: str):
    """The URL's parts, or None when they cannot be read (e.g. a port that is not a number)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (reading it checks it)
    except ValueError:
        return None
    return parts


def _pull_query(errors: Errors, value) -> str:
    """One read-only statement: a SELECT (or WITH … SELECT); the puller runs it in a read-only transaction."""
    query = text(errors, "pull_query", value, label=_("query"), max_length=4000, required=False).rstrip(";").strip()
    if query and "pull_query" not in errors and (
        not re.match(r"^(select|with)\b", query, re.IGNORECASE) or ";" in query
    ):
        errors.add("pull_query", _("The query must be one SELECT statement."))
    return query


def _check_pull(source: Source, errors: Errors) -> None:
    """A scheduled pull needs both the URL and the query; other channels keep neither."""
    if source.channel != Channel.PULL:
        source.pull_url, source.pull_query = "", ""
        return
    if not source.pull_url and "pull_url" not in errors:
        errors.add("pull_url", _("A scheduled pull needs the database URL."))
    if not source.pull_query and "pull_query" not in errors:
        errors.add("pull_query", _("A scheduled pull needs the query it runs."))


def mask_url(url: str) -> str:
    """A database URL as shown back: scheme, user, host and database, never the password or parameters."""
    parts = _split(url) if url else None
    if parts is None:
        return "****" if url else ""
    user = f"{parts.username}:****@" if parts.username else ""
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{user}{host}{port}{parts.path}"


def _source_code_taken() -> str:
    return _("A data source with this code already exists.")


def _code(errors: Errors, field: str, value, *, label: str) -> str:
    value = text(errors, field, value, label=label, max_length=60)
    if value and field not in errors and not CODE.match(value):
        errors.add(field, _("%(field)s must start with a lowercase letter and contain only lowercase letters, "
                            "digits, “_” and “-”.") % {"field": label})
    return value


def _owner_unit(user, errors: Errors, unit_id) -> OrgUnit | None:
    unit = find(scoped(OrgUnit.objects.filter(active=True, kind=UnitKind.UNIT), user, MANAGE), unit_id)
    if unit is None:
        errors.add("unit_id", _("The selected unit does not exist, is deactivated or is outside your data scope."))
    return unit


# --- Datasets ------------------------------------------------------------------------------------------


@use_case
def create_dataset(user, *, unit_id, code, name, layer, description="", source_id=None,
                   sensitivity=Sensitivity.INTERNAL, frequency=Frequency.ADHOC, dirty_limit_rows=None,
                   dirty_limit_percent=None, fields=(), rules=()) -> Dataset:
    """A store dataset, filled by ingestion runs, with its schema."""
    require(user, MANAGE)
    errors = Errors()
    dataset = Dataset(storage=Storage.STORE, code=_code(errors, "code", code, label=_("dataset code")))
    if "code" not in errors and Dataset.objects.filter(code=dataset.code).exists():
        errors.add("code", _dataset_code_taken())
    _set_dataset_fields(user, dataset, errors, {
        "unit_id": unit_id, "name": name, "layer": layer, "description": description, "source_id": source_id,
        "sensitivity": sensitivity, "frequency": frequency, "dirty_limit_rows": dirty_limit_rows,
        "dirty_limit_percent": dirty_limit_percent,
    })
    schema = _schema(errors, fields, rules)
    errors.raise_if_any()
    require_path(user, MANAGE, dataset.unit.org_path)
    with unique("code", _dataset_code_taken()):
        dataset.save()
    _write_schema(dataset, schema)
    record(dataset, "create", actor=user, comment=_schema_summary(schema))
    return dataset


@use_case
def update_dataset(user, dataset_id, **changes) -> Dataset:
    """Change what describes a dataset (not its schema: ``save_schema``)."""
    refuse_unknown_fields(changes, DATASET_CHANGEABLE)
    dataset = get_in_scope(Dataset, user, MANAGE, dataset_id, lock=True)
    errors = Errors()
    _set_dataset_fields(user, dataset, errors, changes)
    errors.raise_if_any()
    require_path(user, MANAGE, dataset.unit.org_path)
    dataset.save()
    return dataset


@use_case
def save_schema(user, dataset_id, *, fields, rules=()) -> Dataset:
    """Replace a store dataset's schema. Once versions are published, only changes their rows still keep
    are allowed: adding optional columns and relaxing rules."""
    dataset = get_in_scope(Dataset, user, MANAGE, dataset_id, lock=True)  # queues with publishes of it
    if dataset.storage != Storage.STORE:
        raise StateError(_("The schema of a module's dataset follows the module's table and cannot be edited."))
    errors = Errors()
    schema = _schema(errors, fields, rules)
    if not errors.by_field and dataset.versions.exists():
        _check_compatible(dataset, schema, errors)
    errors.raise_if_any()
    _write_schema(dataset, schema)
    dataset.save(update_fields=["updated_at"])
    record(dataset, "schema", actor=user, comment=_schema_summary(schema))
    return dataset


def _set_dataset_fields(user, dataset: Dataset, errors: Errors, values: dict) -> None:
    if "unit_id" in values:
        dataset.unit = _owner_unit(user, errors, values["unit_id"])
    if "name" in values:
        dataset.name = text(errors, "name", values["name"], label=_("dataset name"), max_length=100)
    if "description" in values:
        dataset.description = text(errors, "description", values["description"], label=_("description"),
                                   max_length=2000, required=False)
    if "layer" in values:
        dataset.layer = choice(errors, "layer", values["layer"], label=_("layer"), choices=Layer)
    if "sensitivity" in values:
        dataset.sensitivity = choice(errors, "sensitivity", values["sensitivity"], label=_("sensitivity"),
                                     choices=Sensitivity)
    if "frequency" in values:
        dataset.frequency = choice(errors, "frequency", values["frequency"], label=_("update frequency"),
                                   choices=Frequency)
    if "source_id" in values:
        dataset.source = _source_choice(user, errors, values["source_id"])
    if "dirty_limit_rows" in values:
        dataset.dirty_limit_rows = _optional_int(errors, "dirty_limit_rows", values["dirty_limit_rows"],
                                                 label=_("dirty-data limit (rows)"), low=0)
    if "dirty_limit_percent" in values:
        dataset.dirty_limit_percent = _percent(errors, values["dirty_limit_percent"])


def _source_choice(user, errors: Errors, source_id) -> Source | None:
    if source_id in (None, ""):
        return None
    source = find(scoped(Source.objects.filter(active=True), user, MANAGE), source_id)
    if source is None:
        errors.add("source_id", _("The selected data source does not exist, is deactivated or is outside your "
                                  "data scope."))
    return source


def _optional_int(errors: Errors, field: str, value, *, label: str, low: int) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = None if isinstance(value, bool) else int(str(value).strip())
    except ValueError:
        number = None
    if number is None or number < low:
        errors.add(field, _("%(field)s must be a whole number of at least %(low)d.") % {"field": label, "low": low})
    return number


def _decimal(errors: Errors, field: str, value, *, label: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or abs(number) >= Decimal("1e16"):
        errors.add(field, _("%(field)s must be a number.") % {"field": label})
        return None
    return number


def _percent(errors: Errors, value) -> Decimal | None:
    label = _("dirty-data limit (%)")
    number = _decimal(errors, "dirty_limit_percent", value, label=label)
    if number is not None and not (0 <= number <= 100 and number.as_tuple().exponent >= -2):
        errors.add("dirty_limit_percent", _("%(field)s must be between 0 and 100 with at most two decimals.")
                   % {"field": label})
    return number


def _dataset_code_taken() -> str:
    return _("A dataset with this code already exists.")


# --- Schemas -------------------------------------------------------------------------------------------


@dataclass
class Schema:
    fields: list[DatasetField]
    rules: list[FieldRule]


def _schema(errors: Errors, fields, rules) -> Schema:
    """Validate a whole schema; each error is keyed ``fields.<i>.<attribute>`` or ``rules.<i>.<attribute>``
    and names the column it is about."""
    fields, rules = list(fields or ()), list(rules or ())
    if len(fields) > MAX_FIELDS:
        errors.add("fields", _("A dataset has at most %(max)d columns.") % {"max": MAX_FIELDS})
        return Schema([], [])
    columns = [_field(errors, index, values) for index, values in enumerate(fields)]
    _check_unique(errors, columns, "name", _("The column name “%(value)s” is used twice."))
    _check_unique(errors, columns, "label", _("The column label “%(value)s” is used twice."))
    by_name = {column.name: column for column in columns}
    return Schema(columns, [_rule(errors, index, values, by_name) for index, values in enumerate(rules)])


def _field(errors: Errors, index: int, values: dict) -> DatasetField:
    values = dict(values)
    unknown = sorted(set(values) - set(FIELD_ATTRIBUTES))
    for name in unknown:
        errors.add(f"fields.{index}.{name}", _("This field cannot be changed here."))
    key = f"fields.{index}."
    column = DatasetField(position=index + 1)
    column.name = text(errors, key + "name", values.get("name"), label=_("column %(n)d's name") % {"n": index + 1},
                       max_length=60)
    shown = column.name or str(index + 1)
    if column.name and key + "name" not in errors and not IDENTIFIER.match(column.name):
        errors.add(key + "name", _("Column “%(column)s”: a column name starts with a lowercase letter and contains "
                                   "only lowercase letters, digits and “_”.") % {"column": shown})
    elif column.name in RESERVED_COLUMNS:
        errors.add(key + "name", _("Column “%(column)s”: this name is kept for the store's own use.")
                   % {"column": shown})
    column.label = text(errors, key + "label", values.get("label"),
                        label=_("the label of column “%(column)s”") % {"column": shown}, max_length=60)
    column.type = choice(errors, key + "type", values.get("type") or FieldType.TEXT,
                         label=_("the type of column “%(column)s”") % {"column": shown}, choices=FieldType)
    column.required, column.unique = bool(values.get("required")), bool(values.get("unique"))
    column.sensitive = bool(values.get("sensitive"))
    column.standard = text(errors, key + "standard", values.get("standard"), max_length=100, required=False,
                           label=_("the standard of column “%(column)s”") % {"column": shown})
    column.description = text(errors, key + "description", values.get("description"), max_length=200,
                              required=False, label=_("the description of column “%(column)s”") % {"column": shown})
    _field_rules(errors, key, shown, column, values)
    return column


def _field_rules(errors: Errors, key: str, shown: str, column: DatasetField, values: dict) -> None:
    """The value rules of one column, each checked against the column's type."""
    column.max_length = _optional_int(errors, key + "max_length", values.get("max_length"),
                                      label=_("the maximum length of column “%(column)s”") % {"column": shown}, low=1)
    column.minimum = _decimal(errors, key + "minimum", values.get("minimum"),
                              label=_("the minimum of column “%(column)s”") % {"column": shown})
    column.maximum = _decimal(errors, key + "maximum", values.get("maximum"),
                              label=_("the maximum of column “%(column)s”") % {"column": shown})
    column.pattern = text(errors, key + "pattern", values.get("pattern"), max_length=200, required=False,
                          label=_("the pattern of column “%(column)s”") % {"column": shown})
    column.dictionary = text(errors, key + "dictionary", values.get("dictionary"), max_length=60, required=False,
                             label=_("the dictionary of column “%(column)s”") % {"column": shown})
    column.check_digit = choice(errors, key + "check_digit", values.get("check_digit") or "", choices=FieldCheck,
                                label=_("the check of column “%(column)s”") % {"column": shown})
    column.reference = choice(errors, key + "reference", values.get("reference") or "",
                              label=_("the reference of column “%(column)s”") % {"column": shown},
                              choices=_WithNone(Reference))
    numeric, textual = column.type in NUMERIC, column.type == FieldType.TEXT
    only_text = _("Column “%(column)s”: %(rule)s applies only to text columns.")
    only_numbers = _("Column “%(column)s”: a minimum or maximum applies only to number columns.")
    if column.max_length is not None and not textual:
        errors.add(key + "max_length", only_text % {"column": shown, "rule": _("a maximum length")})
    if column.pattern and not textual:
        errors.add(key + "pattern", only_text % {"column": shown, "rule": _("a pattern")})
    if column.check_digit and not textual:
        errors.add(key + "check_digit", only_text % {"column": shown, "rule": _("a check-digit check")})
    for bound in ("minimum", "maximum"):
        if getattr(column, bound) is not None and not numeric:
            errors.add(key + bound, only_numbers % {"column": shown})
    if column.minimum is not None and column.maximum is not None and column.minimum > column.maximum:
        errors.add(key + "minimum", _("Column “%(column)s”: the minimum %(min)s is greater than the maximum %(max)s.")
                   % {"column": shown, "min": column.minimum, "max": column.maximum})
    if column.pattern and key + "pattern" not in errors and (refusal := rules.pattern_error(column.pattern)):
        errors.add(key + "pattern", _("Column “%(column)s”: %(refusal)s") % {"column": shown, "refusal": refusal})
    if column.dictionary and not Dictionary.objects.filter(code=column.dictionary).exists():
        errors.add(key + "dictionary", _("Column “%(column)s”: there is no dictionary “%(code)s”.")
                   % {"column": shown, "code": column.dictionary})


class _WithNone:
    """A TextChoices class with the empty choice allowed (for ``inputs.choice``)."""

    def __init__(self, choices):
        self.choices = [("", _("None")), *choices.choices]


def _check_unique(errors: Errors, columns: list[DatasetField], attribute: str, message: str) -> None:
    seen: set[str] = set()
    for index, column in enumerate(columns):
        value = getattr(column, attribute)
        if value and value in seen:
            errors.add(f"fields.{index}.{attribute}", message % {"value": value})
        seen.add(value)


def _rule(errors: Errors, index: int, values: dict, by_name: dict[str, DatasetField]) -> FieldRule:
    key = f"rules.{index}."
    rule = FieldRule(left=str(values.get("left") or "").strip(), right=str(values.get("right") or "").strip())
    for side in ("left", "right"):
        if getattr(rule, side) not in by_name:
            errors.add(key + side, _("Cross-field rule %(n)d: there is no column “%(column)s” in the schema.")
                       % {"n": index + 1, "column": getattr(rule, side)})
    rule.operator = choice(errors, key + "operator", values.get("operator"), choices=RuleOperator,
                           label=_("the operator of cross-field rule %(n)d") % {"n": index + 1})
    rule.message = text(errors, key + "message", values.get("message"), max_length=200,
                        label=_("the message of cross-field rule %(n)d") % {"n": index + 1})
    left, right = by_name.get(rule.left), by_name.get(rule.right)
    if left and right and left.name == right.name:
        errors.add(key + "right", _("Cross-field rule %(n)d compares column “%(column)s” with itself.")
                   % {"n": index + 1, "column": left.name})
    elif left and right and not _comparable(left.type, right.type):
        errors.add(key + "right", _("Cross-field rule %(n)d: columns “%(left)s” and “%(right)s” have types that "
                                    "cannot be compared.") % {"n": index + 1, "left": left.name, "right": right.name})
    return rule


def _comparable(left: str, right: str) -> bool:
    return left == right or {left, right} <= NUMERIC


def _check_compatible(dataset: Dataset, schema: Schema, errors: Errors) -> None:
    """Published rows must still satisfy the new schema: refuse removed or retyped columns, new required
    columns, tighter rules and new cross-field rules, each with the reason."""
    allowed = _("The dataset has published versions: only adding optional columns and relaxing rules are allowed.")
    old = {column.name: column for column in dataset.fields.all()}
    new_names = {column.name for column in schema.fields}
    for name in sorted(set(old) - new_names):
        errors.add("fields", _("Column “%(column)s” has published data and cannot be removed or renamed. %(allowed)s")
                   % {"column": name, "allowed": allowed})
    for index, column in enumerate(schema.fields):
        before = old.get(column.name)
        for attribute in _tightened(before, column):
            errors.add(f"fields.{index}.{attribute}", _("Column “%(column)s”: this change would make published rows "
                                                        "invalid. %(allowed)s") % {"column": column.name,
                                                                                   "allowed": allowed})
    known = {(r.left, r.operator, r.right) for r in dataset.rules.all()}
    for index, rule in enumerate(schema.rules):
        if (rule.left, rule.operator, rule.right) not in known:
            errors.add(f"rules.{index}.operator", _("Cross-field rule %(n)d is new; published rows were not checked "
                                                    "against it. %(allowed)s") % {"n": index + 1, "allowed": allowed})


def _tightened(before: DatasetField | None, after: DatasetField) -> list[str]:
    """The attributes of ``after`` that published rows, checked against ``before``, might break."""
    if before is None:  # a new column: old rows leave it empty
        return [name for name in ("required", "unique") if getattr(after, name)]
    changed = []
    if after.type != before.type:
        changed.append("type")
    changed += [name for name in ("required", "unique") if getattr(after, name) and not getattr(before, name)]
    if after.max_length is not None and (before.max_length is None or after.max_length < before.max_length):
        changed.append("max_length")
    if after.minimum is not None and (before.minimum is None or after.minimum > before.minimum):
        changed.append("minimum")
    if after.maximum is not None and (before.maximum is None or after.maximum < before.maximum):
        changed.append("maximum")
    changed += [name for name in ("pattern", "dictionary", "check_digit", "reference")
                if getattr(after, name) and getattr(after, name) != getattr(before, name)]
    return changed


def _write_schema(dataset: Dataset, schema: Schema) -> None:
    dataset.fields.all().delete()
    dataset.rules.all().delete()
    for item in (*schema.fields, *schema.rules):
        item.dataset = dataset
    DatasetField.objects.bulk_create(schema.fields)
    FieldRule.objects.bulk_create(schema.rules)
    audit.log_bulk(DatasetField, _("Schema of %(dataset)s saved") % {"dataset": dataset.code},
                   len(schema.fields) + len(schema.rules), org_path=dataset.org_path)


def _schema_summary(schema: Schema) -> str:
    return _("%(fields)d columns, %(rules)d cross-field rules: %(names)s") % {
        "fields": len(schema.fields), "rules": len(schema.rules),
        "names": "、".join(f"{c.label}({c.name})" for c in schema.fields)[:400]}


def field_values(dataset: Dataset) -> list[dict]:
    """The schema as the values ``save_schema`` takes (for editing forms and the API)."""
    return [{name: getattr(column, name) for name in FIELD_ATTRIBUTES} for column in dataset.fields.all()]


def rule_values(dataset: Dataset) -> list[dict]:
    return [{"left": r.left, "operator": r.operator, "right": r.right, "message": r.message}
            for r in dataset.rules.all()]


# --- Module datasets -----------------------------------------------------------------------------------


def sync_module_datasets() -> int:
    """One ``model`` dataset per dataset a module declares in its ModuleSpec, owned by the province bureau,
    its schema read from the model. Idempotent: run after every migrate and by the demo. Returns how many
    datasets were created or changed; none while no bureau exists yet (a fresh database)."""
    owner = (OrgUnit.objects.filter(is_bureau=True, kind=UnitKind.UNIT, active=True)
             .order_by(models.Case(models.When(region__level=Level.PROVINCE, then=0), default=1), "org_path")
             .first())
    if owner is None:
        return 0
    changed = 0
    with transaction.atomic(), translation.override("zh-hans"):  # labels are the models' Chinese names
        for spec in registry:
            for declaration in spec.datasets:
                changed += _sync_one(spec.code, declaration, owner)
    return changed


def _sync_one(module: str, declaration, owner: OrgUnit) -> int:
    model = apps.get_model(declaration.model)
    sensitivity = DECLARED_SENSITIVITY.get(declaration.sensitivity, Sensitivity.INTERNAL)
    dataset = Dataset.objects.select_for_update().filter(code=declaration.code).first()
    created = dataset is None
    if created:
        dataset = Dataset(code=declaration.code, unit=owner, storage=Storage.MODEL,
                          layer=getattr(declaration, "layer", Layer.BASE), frequency=Frequency.REALTIME)
    wanted = {"name": str(declaration.label)[:100], "model_label": declaration.model, "module": module,
              "sensitivity": sensitivity, "storage": Storage.MODEL}
    changed = created or any(getattr(dataset, k) != v for k, v in wanted.items())
    for attribute, value in wanted.items():
        setattr(dataset, attribute, value)
    if changed:
        dataset.save()
    columns = model_columns(model)
    if field_values(dataset) != columns:
        _write_schema(dataset, Schema([DatasetField(position=i + 1, **c) for i, c in enumerate(columns)], []))
        changed = True
    return int(changed)


def model_columns(model: type[models.Model]) -> list[dict]:
    """A module table's columns as schema values: label from the verbose name, type mapped, encrypted
    fields sensitive; the org path and derived fields (not editable) are left out."""
    columns = []
    for field in model._meta.concrete_fields:
        if field.name == "org_path" or (not field.editable and not field.primary_key):
            continue
        if not IDENTIFIER.match(field.attname):
            continue
        kind = next((t for cls, t in MODEL_FIELD_TYPES if isinstance(field, cls)), FieldType.TEXT)
        max_length = getattr(field, "max_length", None) if kind == FieldType.TEXT else None
        columns.append({
            "name": field.attname, "label": str(field.verbose_name)[:60], "type": kind,
            "required": not (field.null or field.blank or field.primary_key), "unique": bool(field.unique),
            "max_length": max_length, "minimum": None, "maximum": None, "pattern": "", "dictionary": "",
            "check_digit": "", "reference": "", "standard": "", "sensitive": isinstance(field, EncryptedTextField),
            "description": str(field.help_text or "")[:200],
        })
    return columns


# --- Lineage -------------------------------------------------------------------------------------------


@use_case
def add_lineage(user, *, origin_code, target_code, note="") -> Lineage:
    """``target`` is produced from ``origin``: MANAGE over the target; the origin must be in the catalog."""
    require(user, MANAGE)
    errors = Errors()
    target = scoped(Dataset.objects.all(), user, MANAGE).filter(code=target_code).first()
    if target is None:
        errors.add("target_code", _("The dataset it feeds does not exist or is outside your data scope."))
    origin = visible_datasets(user).filter(code=origin_code).first()
    if origin is None:
        errors.add("origin_code", _("The dataset it comes from does not exist or is outside your data scope."))
    note = text(errors, "note", note, label=_("how"), max_length=200, required=False)
    if origin and target and origin.pk == target.pk:
        errors.add("target_code", _("A dataset cannot be produced from itself."))
    elif origin and target and Lineage.objects.filter(origin=origin, target=target).exists():
        errors.add("target_code", _lineage_taken())
    errors.raise_if_any()
    with unique("target_code", _lineage_taken()):
        edge = Lineage.objects.create(origin=origin, target=target, note=note)
    record(target, "lineage_add", actor=user, comment=f"{origin.name} → {target.name}")
    return edge


@use_case
def remove_lineage(user, lineage_id) -> None:
    require(user, MANAGE)
    edge = find(Lineage.objects.select_related("origin", "target"), lineage_id)
    if edge is None or not scoped(Dataset.objects.filter(pk=edge.target_id), user, MANAGE).exists():
        raise Http404(_("Not found."))
    edge.delete()
    record(edge.target, "lineage_remove", actor=user, comment=f"{edge.origin.name} → {edge.target.name}")


def _lineage_taken() -> str:
    return _("This lineage edge is already recorded.")


def lineage_graph(user) -> dict:
    """Nodes (visible datasets) and the edges between them, for the ECharts graph."""
    require(user, VIEW)
    datasets = list(visible_datasets(user).values("pk", "code", "name", "layer"))
    ids = {d["pk"] for d in datasets}
    edges = Lineage.objects.filter(origin_id__in=ids, target_id__in=ids).values("pk", "origin__code",
                                                                               "target__code", "note")
    layers = dict(Layer.choices)
    return {
        "nodes": [{"code": d["code"], "name": d["name"], "layer": d["layer"], "layer_label": str(layers[d["layer"]])}
                  for d in datasets],
        "edges": [{"id": e["pk"], "origin": e["origin__code"], "target": e["target__code"], "note": e["note"]}
                  for e in edges],
        "layers": [{"code": code, "label": str(label)} for code, label in Layer.choices],
    }


def neighbours(user, dataset: Dataset) -> dict[str, list[Lineage]]:
    """The dataset's lineage edges whose other end the user's catalog lists."""
    visible = visible_datasets(user).values("pk")
    return {
        "upstream": list(dataset.fed_by.filter(origin__in=visible).select_related("origin")),
        "downstream": list(dataset.feeds.filter(target__in=visible).select_related("target")),
    }


# --- The data service: query and export ----------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    type: str
    masked: bool
    check_digit: str


def columns_of(dataset: Dataset) -> list[Column]:
    """The dataset's columns as served; personal ones (sensitive, or encrypted in the module's table) are
    always masked here."""
    encrypted = _encrypted_names(_model(dataset)) if dataset.storage == Storage.MODEL else set()
    return [Column(f.name, f.label, f.type, f.sensitive or f.name in encrypted, f.check_digit)
            for f in dataset.fields.all()]


def query(user, dataset: Dataset, filters: dict | None = None, page: int = 1, page_size: int = 20,
          sort: str = "") -> dict:
    """One page of the dataset's published rows in the user's VIEW scope, filtered by ``{column: value}``
    (text contains the value; other types and personal columns match it exactly), sorted by a column
    (``-`` for descending). Personal columns are masked."""
    require(user, VIEW)
    columns = columns_of(dataset)
    errors = Errors()
    page, page_size = _page_number(errors, page, "page", 10**6), _page_number(errors, page_size, "page_size",
                                                                               MAX_PAGE_SIZE)
    reader = _reader(user, dataset, columns, filters or {}, sort, errors)
    errors.raise_if_any()
    total = reader.count()
    rows = reader.rows((page - 1) * page_size, page_size)
    return {"columns": columns, "rows": rows, "page": page, "page_size": page_size, "total": total,
            "has_next": page * page_size < total}


def export(user, dataset: Dataset, filters: dict | None, sort: str, path: str):
    """All rows of the same query as an .xlsx spool file (at most ``MAX_EXPORT_ROWS``; more is refused with
    the reason), logged in the access log. Returns (file, file name)."""
    require(user, VIEW)
    columns = columns_of(dataset)
    errors = Errors()
    reader = _reader(user, dataset, columns, filters or {}, sort, errors)
    errors.raise_if_any()
    count = reader.count()
    if count > MAX_EXPORT_ROWS:
        raise ValidationFailed(_("The export has %(count)s rows; at most %(max)s rows can be exported at once. "
                                 "Narrow the filters and export again.") % {"count": count, "max": MAX_EXPORT_ROWS})
    spool = tempfile.TemporaryFile(suffix=".xlsx")
    rows = ([row[c.name] for c in columns] for row in reader.rows(0, MAX_EXPORT_ROWS))
    write_xlsx(spool, dataset.name, [f"{c.label}" for c in columns], rows)
    spool.seek(0)
    with attributed_to(user):
        audit.log_access(AccessKind.EXPORT, path, detail=f"datahub.{dataset.code}: {count} rows", method="GET",
                         status=200)
    return spool, f"{dataset.name}-{timezone.localdate():%Y%m%d}.xlsx"


def _page_number(errors: Errors, value, field: str, high: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if not 1 <= number <= high:
        errors.add(field, _("%(field)s must be between %(low)d and %(high)d.") % {"field": field, "low": 1,
                                                                                   "high": high})
        return 1
    return number


def _reader(user, dataset: Dataset, columns: list[Column], filters: dict, sort: str, errors: Errors):
    by_name = {c.name: c for c in columns}
    encrypted = _encrypted_names(_model(dataset)) if dataset.storage == Storage.MODEL else set()
    conditions = []
    for name, raw in filters.items():
        if raw in (None, ""):
            continue
        column = by_name.get(name)
        if column is None:
            errors.add(name, _("There is no column “%(column)s” in this dataset.") % {"column": name})
            continue
        if name in encrypted:  # stored encrypted: the database cannot compare it
            errors.add(name, _("Column “%(column)s” is encrypted and cannot be used as a filter.")
                       % {"column": column.label})
            continue
        value = _typed(errors, column, raw)
        if name not in errors:
            conditions.append((column, value))
    order = None
    if sort:
        column = by_name.get(sort.lstrip("-"))
        if column is None or column.masked:
            errors.add("sort", _("Rows can be sorted only by a column of the dataset that is not personal data."))
        else:
            order = (column, sort.startswith("-"))
    if dataset.storage == Storage.MODEL:
        return _ModelReader(user, dataset, columns, conditions, order)
    return _StoreReader(user, dataset, columns, conditions, order)


def _typed(errors: Errors, column: Column, raw):
    value = str(raw).strip()
    try:
        match column.type:
            case FieldType.INTEGER:
                return int(value)
            case FieldType.DECIMAL:
                return float(Decimal(value))
            case FieldType.DATE:
                return date.fromisoformat(value)
            case FieldType.BOOLEAN if value.lower() in TRUE_WORDS | FALSE_WORDS:
                return value.lower() in TRUE_WORDS
            case FieldType.BOOLEAN:
                raise ValueError(value)
    except (ValueError, InvalidOperation):
        errors.add(column.name, _("“%(value)s” is not a valid value for column “%(column)s” (%(type)s).")
                   % {"value": value, "column": column.label, "type": FieldType(column.type).label})
    return value


def _mask(column: Column, value):
    if value in (None, ""):
        return value
    text_value = str(value)
    return mask_id_number(text_value) if column.check_digit == FieldCheck.ID_NUMBER or "id_number" in column.name \
        else mask_phone(text_value)


class _StoreReader:
    """The current version's Parquet file in a private DuckDB, cut by ``scope_condition`` on ``org_path``."""

    def __init__(self, user, dataset: Dataset, columns: list[Column], conditions: list, order):
        self.columns, self.version = columns, dataset.current_version
        scope_sql, scope_params = scope_condition(user, VIEW, "org_path")
        where, self.params = [scope_sql], list(scope_params)
        for column, value in conditions:
            where.append(self._condition(column, value))
            self.params.append(value)
        self.where = " AND ".join(where)
        self.order = "file_row_number"
        if order is not None:
            column, descending = order
            self.order = f'"{column.name}" {"DESC" if descending else "ASC"} NULLS LAST, file_row_number'

    @staticmethod
    def _condition(column: Column, value) -> str:
        name = f'"{column.name}"'  # validated identifier
        if column.type == FieldType.TEXT and not column.masked:
            return f"contains(CAST({name} AS VARCHAR), ?)"
        if column.type == FieldType.TEXT:
            return f"CAST({name} AS VARCHAR) = ?"
        return f"TRY_CAST({name} AS {DUCK_TYPES[column.type]}) = ?"

    def _source(self, con) -> str:
        """SELECT-able rows with every schema column; one added after the version was published is NULL."""
        path = store.quote(str(store.file_of(self.version)))
        present = {row[0] for row in con.execute(f"DESCRIBE SELECT * FROM read_parquet({path})").fetchall()}  # noqa: S608
        if "org_path" not in present:  # a version without row ownership reaches nobody
            return "SELECT NULL AS org_path, 0 AS file_row_number WHERE FALSE"
        picked = [f'"{c.name}"' if c.name in present else f'NULL AS "{c.name}"' for c in self.columns]
        return f"SELECT {', '.join(picked + ['org_path', 'file_row_number'])} " \
               f"FROM read_parquet({path}, file_row_number = true)"  # noqa: S608

    def count(self) -> int:
        if self.version is None:
            return 0
        con = store.connect()
        [(total,)] = con.execute(f"SELECT count(*) FROM ({self._source(con)}) WHERE {self.where}",  # noqa: S608
                                 self.params).fetchall()
        return total

    def rows(self, offset: int, limit: int) -> list[dict]:
        if self.version is None:
            return []
        con = store.connect()
        names = ", ".join(f'"{c.name}"' for c in self.columns)
        sql = (f"SELECT {names} FROM ({self._source(con)}) WHERE {self.where} "  # noqa: S608
               f"ORDER BY {self.order} LIMIT ? OFFSET ?")
        return [self._row(values) for values in con.execute(sql, [*self.params, limit, offset]).fetchall()]

    def _row(self, values) -> dict:
        return {c.name: _mask(c, v) if c.masked else v for c, v in zip(self.columns, values, strict=True)}


class _ModelReader:
    """A module's table through ``scoped()``: only the schema's columns are read."""

    def __init__(self, user, dataset: Dataset, columns: list[Column], conditions: list, order):
        self.columns = columns
        queryset = scoped(_model(dataset)._default_manager.all(), user, VIEW)
        for column, value in conditions:
            lookup = "icontains" if column.type == FieldType.TEXT and not column.masked else "exact"
            queryset = queryset.filter(**{f"{column.name}__{lookup}": value})
        if order is not None:
            column, descending = order
            queryset = queryset.order_by(f"{'-' if descending else ''}{column.name}", "pk")
        else:
            queryset = queryset.order_by("pk")
        self.queryset = queryset

    def count(self) -> int:
        return self.queryset.count()

    def rows(self, offset: int, limit: int) -> list[dict]:
        values = self.queryset.values(*(c.name for c in self.columns))[offset: offset + limit]
        return [{c.name: _mask(c, row[c.name]) if c.masked else row[c.name] for c in self.columns} for row in values]


def _model(dataset: Dataset) -> type[models.Model]:
    try:
        return apps.get_model(dataset.model_label)
    except (LookupError, ValueError):
        raise StateError(_("The module publishing this dataset is not installed.")) from None


def _encrypted_names(model: type[models.Model]) -> set[str]:
    return {f.attname for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)}
