"""Regions (GB/T 2260), org units (机关单位 and internal departments), ranks (职级) and people."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..crypto import EncryptedTextField, blind_index, mask_id_number, mask_phone
from ..scoping import PUBLIC, ScopeSpec
from .base import TrackedModel


class Level(models.TextChoices):
    NATIONAL = "national", _("National")
    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    COUNTY = "county", _("County")
    TOWNSHIP = "township", _("Township")


def region_key(code: str) -> str:
    """The GB/T 2260 prefix that every region below this one shares: 360000 → 36, 360100 → 3601."""
    if code == "000000":
        return ""
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


class Region(models.Model):
    code = models.CharField(_("GB/T 2260 code"), max_length=6, primary_key=True)
    name = models.CharField(_("name"), max_length=50)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children")
    key = models.CharField(max_length=6, db_index=True, editable=False)

    data_scope = PUBLIC

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.key = region_key(self.code)
        super().save(*args, **kwargs)

    def ancestors(self) -> list["Region"]:
        """This region and those above it, nearest first."""
        chain, node = [], self
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain


class Rank(models.Model):
    """A step of the rank ladder (职级) at one government level, senior first (``order`` ascending)."""

    level = models.CharField(_("government level"), max_length=10, choices=Level.choices)
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=40)
    order = models.PositiveSmallIntegerField(_("order"))
    is_leader = models.BooleanField(_("leadership rank"), default=False)

    data_scope = PUBLIC

    class Meta:
        ordering = ["level", "order"]
        constraints = [models.UniqueConstraint(fields=["level", "code"], name="rank_unique_code")]
        verbose_name = _("rank")
        verbose_name_plural = _("ranks")

    def __str__(self) -> str:
        return self.name


class UnitKind(models.TextChoices):
    UNIT = "unit", _("Agency")
    DEPARTMENT = "department", _("Internal department")


class UnitCategory(models.TextChoices):
    PARTY = "party", _("Party committee organ")
    PEOPLES_CONGRESS = "congress", _("People's congress organ")
    GOVERNMENT = "government", _("Administrative organ")
    CPPCC = "cppcc", _("CPPCC organ")
    COURT = "court", _("Court")
    PROCURATORATE = "procuratorate", _("Procuratorate")
    MASS_ORGANISATION = "mass", _("Mass organisation")
    INSTITUTION = "institution", _("Public institution")


class OrgUnit(TrackedModel):
    """A 机关单位 (kind=unit, with a 统一社会信用代码) or one of its internal departments."""

    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=UnitKind.choices, default=UnitKind.UNIT)
    category = models.CharField(
        _("category"), max_length=16, choices=UnitCategory.choices, default=UnitCategory.GOVERNMENT
    )
    credit_code = models.CharField(_("unified social credit code"), max_length=18, null=True, blank=True, unique=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="units", verbose_name=_("region"))
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )
    unit = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="departments",
        help_text=_("For a department: the agency it belongs to."),
    )
    is_bureau = models.BooleanField(_("government offices administration bureau"), default=False)
    org_path = models.CharField(max_length=255, unique=True, editable=False)
    active = models.BooleanField(_("active"), default=True)
    sort = models.PositiveIntegerField(_("sort order"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    data_scope = ScopeSpec(paths=("org_path",), units=("unit",), unit_is_self=True)

    class Meta:
        ordering = ["org_path"]
        verbose_name = _("org unit")
        verbose_name_plural = _("org units")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="unit", credit_code__isnull=False) | Q(kind="department"),
                name="orgunit_agency_has_credit_code",
            ),
            models.CheckConstraint(
                condition=Q(kind="unit", unit__isnull=True) | Q(kind="department", unit__isnull=False),
                name="orgunit_department_belongs_to_agency",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def agency(self) -> "OrgUnit":
        """The 机关 this row belongs to: itself, or a department's agency."""
        return self if self.kind == UnitKind.UNIT else self.unit

    def save(self, *args, **kwargs):
        if not self.org_path:  # the path names the pk: insert under a placeholder, then set it
            self.org_path = f"new:{uuid.uuid4()}"
            self._audit_suppressed = True  # the audit log records the finished row once, as created
            super().save(*args, **kwargs)
            self._audit_suppressed, self._audit_created = False, True
            kwargs = {"using": kwargs.get("using"), "update_fields": ["org_path"]}
        self.org_path = self.compute_path()
        super().save(*args, **kwargs)

    def compute_path(self) -> str:
        segment = f"d{self.pk}" if self.kind == UnitKind.DEPARTMENT else str(self.pk)
        base = self.parent.org_path if self.parent_id else f"{self.region.key}/"
        return f"{base}{segment}/"


class PersonStatus(models.TextChoices):
    ACTIVE = "active", _("In post")
    TRANSFERRED = "transferred", _("Transferred out")
    RETIRED = "retired", _("Retired")


class Gender(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class Person(TrackedModel):
    """A staff member. ID number and phone are encrypted at rest and masked on display."""

    name = models.CharField(_("name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True)
    id_number = EncryptedTextField(_("ID number"), blank=True)
    id_digest = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    phone = EncryptedTextField(_("mobile phone"), blank=True)
    phone_digest = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="people", verbose_name=_("unit"))
    department = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="department_people",
        verbose_name=_("department"),
    )
    rank = models.ForeignKey(Rank, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("rank"))
    title = models.CharField(_("post"), max_length=60, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=PersonStatus.choices, default=PersonStatus.ACTIVE)
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    data_scope = ScopeSpec(paths=("org_path",), units=("unit",), persons=("pk",))

    class Meta:
        ordering = ["org_path", "name", "pk"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        indexes = [models.Index(fields=["org_path", "id"], name="person_scope_page")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.org_path = (self.department or self.unit).org_path
        self.id_digest = blind_index(self.id_number) if self.id_number else None
        self.phone_digest = blind_index(self.phone) if self.phone else ""
        super().save(*args, **kwargs)

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)


class ModuleEnablement(TrackedModel):
    """A module switched on or off for a region and everything below it (加盟 per region)."""

    region = models.ForeignKey(Region, on_delete=models.CASCADE, verbose_name=_("region"))
    module = models.CharField(_("module"), max_length=40)
    enabled = models.BooleanField(_("enabled"), default=True)
    org_path = models.CharField(max_length=8, db_index=True, editable=False)
    changed_at = models.DateTimeField(auto_now=True)

    data_scope = ScopeSpec(paths=("org_path",))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["region", "module"], name="module_once_per_region")]
        verbose_name = _("module enablement")
        verbose_name_plural = _("module enablements")

    def save(self, *args, **kwargs):
        self.org_path = self.region.key
        super().save(*args, **kwargs)


UNIT_SCOPE = ScopeSpec(paths=("org_path",), units=("unit",))


class UnitOwned(TrackedModel):
    """A row belonging to a unit (a module's 分台账, a data source): ``org_path`` copies the unit's, so
    the row is scoped like the unit itself."""

    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    org_path = models.CharField(max_length=255, db_index=True, editable=False)

    data_scope = UNIT_SCOPE

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.org_path = self.unit.org_path
        super().save(*args, **kwargs)
