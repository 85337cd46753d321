"""The catalog: where data comes from (sources), what it is (datasets in layers, their fields and rules)
and how datasets feed each other (lineage)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jiguan.core.crypto import EncryptedTextField
from jiguan.core.models.org import UnitOwned
from jiguan.core.registry import registry
from jiguan.core.scoping import PUBLIC

__all__ = [
    "Channel", "Dataset", "DatasetField", "FieldCheck", "FieldRule", "FieldType", "Frequency",
    "Layer", "Lineage", "Reference", "RuleOperator", "Sensitivity", "Source", "SourceKind", "Storage",
]


class SourceKind(models.TextChoices):
    SYSTEM = "system", _("Business system")
    REGION = "region", _("Subordinate region")
    UPLOAD = "upload", _("File uploads")


class Channel(models.TextChoices):
    UPLOAD = "upload", _("File upload")
    API = "api", _("API push")
    PULL = "pull", _("Scheduled pull from a database")


class Frequency(models.TextChoices):
    REALTIME = "realtime", _("Real time")
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    YEARLY = "yearly", _("Yearly")
    ADHOC = "adhoc", _("When needed")


class Source(UnitOwned):
    """A business system, a subordinate region or an upload point that delivers data; ``unit`` owns it."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=SourceKind.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.UPLOAD)
    contact_name = models.CharField(_("contact"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    # A scheduled pull reads ``pull_query`` from ``pull_url`` (a database URL with its credentials, hence
    # encrypted at rest) at ``frequency``.
    pull_url = EncryptedTextField(_("database URL"), blank=True)
    pull_query = models.TextField(_("query"), blank=True)
    frequency = models.CharField(_("update frequency"), max_length=10, choices=Frequency.choices,
                                 default=Frequency.ADHOC)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["org_path", "code"]
        verbose_name = _("data source")
        verbose_name_plural = _("data sources")

    def __str__(self) -> str:
        return self.name


class Layer(models.TextChoices):
    RAW = "raw", _("Raw (原始库)")
    BASE = "base", _("Base library (基础库)")
    TOPIC = "topic", _("Topic library (主题库)")
    SPECIAL = "special", _("Special library (专题库)")


class Sensitivity(models.TextChoices):
    PUBLIC = "public", _("Public (公开)")
    INTERNAL = "internal", _("Internal (内部)")
    SENSITIVE = "sensitive", _("Sensitive (敏感)")


class Storage(models.TextChoices):
    MODEL = "model", _("A module's table")  # published by a module through its ModuleSpec
    STORE = "store", _("Analytical store")  # versions written by ingestion runs (store.py)


class Dataset(UnitOwned):
    """A table in the catalog. ``storage`` says where its rows live: a module's own table (``model_label``,
    read through ``scoped()``) or versions in the analytical store, each row carrying an ``org_path``."""

    code = models.SlugField(_("code"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    layer = models.CharField(_("layer"), max_length=10, choices=Layer.choices)
    source = models.ForeignKey(Source, on_delete=models.PROTECT, null=True, blank=True, related_name="datasets",
                               verbose_name=_("source"))
    sensitivity = models.CharField(_("sensitivity"), max_length=10, choices=Sensitivity.choices,
                                   default=Sensitivity.INTERNAL)
    frequency = models.CharField(_("update frequency"), max_length=10, choices=Frequency.choices,
                                 default=Frequency.ADHOC)
    storage = models.CharField(_("storage"), max_length=10, choices=Storage.choices, default=Storage.STORE)
    model_label = models.CharField(_("model"), max_length=100, blank=True)  # "app_label.Model" for MODEL
    module = models.CharField(_("module"), max_length=40, blank=True)  # the ModuleSpec that publishes it
    # Dirty-data limits (as DataX): a run is aborted when its rejected rows exceed either.
    dirty_limit_rows = models.PositiveIntegerField(_("dirty-data limit (rows)"), null=True, blank=True)
    dirty_limit_percent = models.DecimalField(_("dirty-data limit (%)"), max_digits=5, decimal_places=2,
                                              null=True, blank=True)
    current_version = models.ForeignKey("DatasetVersion", on_delete=models.SET_NULL, null=True, blank=True,
                                        related_name="+", verbose_name=_("current version"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["layer", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(storage="store") | ~Q(model_label=""), name="datahub_model_dataset_names_model"),
        ]
        verbose_name = _("dataset")
        verbose_name_plural = _("datasets")

    def __str__(self) -> str:
        return self.name

    @property
    def module_name(self) -> str:
        """The name of the module that publishes it, as users know it (周转住房), else its code."""
        spec = registry.get(self.module)
        return str(spec.name) if spec else self.module


class FieldType(models.TextChoices):
    TEXT = "text", _("Text")
    INTEGER = "integer", _("Integer")
    DECIMAL = "decimal", _("Decimal")
    DATE = "date", _("Date")
    BOOLEAN = "boolean", _("Yes/no")


class FieldCheck(models.TextChoices):
    NONE = "", _("None")
    ID_NUMBER = "id_number", _("Citizen ID number (GB 11643)")
    CREDIT_CODE = "credit_code", _("Unified social credit code (GB 32100)")
    REGION_CODE = "region_code", _("Region code (GB/T 2260)")


class Reference(models.TextChoices):
    """The master data a column may refer to: the one declared list; ingestion looks each one up
    (``services.rules.REFERENCES``) and accepts its names as well as its codes."""

    UNIT_CREDIT_CODE = "unit_credit_code", _("Unit (unified social credit code; unit names accepted)")
    REGION_CODE = "region_code", _("Region (GB/T 2260 code; region names accepted)")
    RANK = "rank", _("Rank (name from the rank ladder)")


class DatasetField(models.Model):
    """One column of a dataset's schema and the rules every value must keep."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="fields", verbose_name=_("dataset"))
    position = models.PositiveSmallIntegerField(_("position"))
    name = models.CharField(_("column"), max_length=60)  # an identifier: [a-z][a-z0-9_]*
    label = models.CharField(_("label"), max_length=60)  # the Chinese header of templates and reports
    type = models.CharField(_("type"), max_length=10, choices=FieldType.choices, default=FieldType.TEXT)
    required = models.BooleanField(_("required"), default=False)
    unique = models.BooleanField(_("unique"), default=False)
    max_length = models.PositiveIntegerField(_("maximum length"), null=True, blank=True)
    minimum = models.DecimalField(_("minimum"), max_digits=20, decimal_places=4, null=True, blank=True)
    maximum = models.DecimalField(_("maximum"), max_digits=20, decimal_places=4, null=True, blank=True)
    pattern = models.CharField(_("pattern (regular expression)"), max_length=200, blank=True)
    dictionary = models.CharField(_("dictionary"), max_length=60, blank=True)  # a core Dictionary code
    check_digit = models.CharField(_("check digit"), max_length=20, choices=FieldCheck.choices, blank=True)
    reference = models.CharField(_("master data reference"), max_length=60, choices=Reference.choices, blank=True)
    standard = models.CharField(_("standard"), max_length=100, blank=True)  # e.g. "GB/T 2261.1 性别代码"
    sensitive = models.BooleanField(_("personal data (masked)"), default=False)
    description = models.CharField(_("description"), max_length=200, blank=True)

    data_scope = PUBLIC  # a schema is not data; the dataset's own scope guards its rows

    class Meta:
        ordering = ["dataset", "position"]
        constraints = [
            models.UniqueConstraint(fields=["dataset", "name"], name="datahub_field_name_unique"),
            models.UniqueConstraint(fields=["dataset", "position"], name="datahub_field_position_unique"),
        ]
        verbose_name = _("field")
        verbose_name_plural = _("fields")

    def __str__(self) -> str:
        return f"{self.dataset.code}.{self.name}"


class RuleOperator(models.TextChoices):
    LT = "<", "<"
    LE = "<=", "≤"
    EQ = "=", "="
    NE = "!=", "≠"
    GE = ">=", "≥"
    GT = ">", ">"


class FieldRule(models.Model):
    """A cross-field rule, ``left op right`` between two columns (e.g. 使用面积 ≤ 建筑面积). Structured, never
    free SQL: a rule is data an administrator edits, and must not become code."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="rules", verbose_name=_("dataset"))
    left = models.CharField(_("left column"), max_length=60)
    operator = models.CharField(_("operator"), max_length=2, choices=RuleOperator.choices)
    right = models.CharField(_("right column"), max_length=60)
    message = models.CharField(_("message"), max_length=200)  # shown in the error report, in Chinese

    data_scope = PUBLIC

    class Meta:
        ordering = ["dataset", "pk"]
        verbose_name = _("cross-field rule")
        verbose_name_plural = _("cross-field rules")

    def __str__(self) -> str:
        return f"{self.left} {self.operator} {self.right}"


class Lineage(models.Model):
    """``target`` is produced (partly) from ``origin`` — by an ingestion run, a roll-up or a module."""

    origin = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="feeds", verbose_name=_("from"))
    target = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="fed_by", verbose_name=_("to"))
    note = models.CharField(_("how"), max_length=200, blank=True)

    data_scope = PUBLIC

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["origin", "target"], name="datahub_lineage_unique"),
            models.CheckConstraint(condition=~Q(origin=models.F("target")), name="datahub_lineage_not_self"),
        ]
        verbose_name = _("lineage")
        verbose_name_plural = _("lineage")

    def __str__(self) -> str:
        return f"{self.origin} → {self.target}"
