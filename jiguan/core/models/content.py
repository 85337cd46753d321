"""Attachments, dictionaries (code tables), cost ledger entries and notices (公告)."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..scoping import PUBLIC, ScopeSpec
from .base import TrackedModel
from .org import OrgUnit, Region


class Attachment(models.Model):
    file = models.FileField(upload_to="attachments/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveBigIntegerField(_("size"))
    mime_type = models.CharField(max_length=100)
    sha256 = models.CharField(max_length=64, db_index=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    org_path = models.CharField(max_length=255, blank=True, db_index=True)
    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, null=True, blank=True)
    subject_id = models.CharField(max_length=64, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    created_at = models.DateTimeField(auto_now_add=True)

    data_scope = ScopeSpec(paths=("org_path",), units=("unit",), accounts=("uploaded_by",))

    class Meta:
        indexes = [models.Index(fields=["subject_type", "subject_id"])]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name


class Dictionary(TrackedModel):
    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=100)
    source = models.CharField(_("source"), max_length=200, blank=True, help_text=_("Standard or rule it comes from."))

    data_scope = PUBLIC

    class Meta:
        ordering = ["code"]
        verbose_name = _("dictionary")
        verbose_name_plural = _("dictionaries")

    def __str__(self) -> str:
        return self.name


class DictionaryItem(TrackedModel):
    dictionary = models.ForeignKey(Dictionary, on_delete=models.CASCADE, related_name="items")
    code = models.CharField(_("code"), max_length=40)
    label = models.CharField(_("label"), max_length=100)
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="children")
    sort = models.PositiveIntegerField(_("sort order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    data_scope = PUBLIC

    class Meta:
        ordering = ["dictionary", "sort", "code"]
        constraints = [models.UniqueConstraint(fields=["dictionary", "code"], name="dict_item_unique")]
        verbose_name = _("dictionary item")
        verbose_name_plural = _("dictionary items")

    def __str__(self) -> str:
        return self.label


class CostEntry(TrackedModel):
    """One line of the 机关运行成本动态台账: a cost a module posts for a unit."""

    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="costs", verbose_name=_("unit"))
    region = models.ForeignKey(Region, on_delete=models.PROTECT, verbose_name=_("region"))
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    module = models.CharField(_("module"), max_length=40)
    category = models.CharField(_("category"), max_length=40)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2)
    occurred_on = models.DateField(_("date"), db_index=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, null=True, blank=True)
    subject_id = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    data_scope = ScopeSpec(paths=("org_path",), units=("unit",))

    class Meta:
        ordering = ["-occurred_on", "-pk"]
        indexes = [models.Index(fields=["org_path", "occurred_on"])]
        verbose_name = _("cost entry")
        verbose_name_plural = _("cost entries")

    def save(self, *args, **kwargs):
        self.org_path = self.unit.org_path
        self.region_id = self.unit.region_id
        super().save(*args, **kwargs)


class Notice(TrackedModel):
    """A notice (公告) published by a unit to everyone in a region and below."""

    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"))
    publisher = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, verbose_name=_("publisher"))
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    audience = models.ForeignKey(Region, on_delete=models.PROTECT, verbose_name=_("audience region"))
    audience_key = models.CharField(max_length=6, editable=False, db_index=True)
    pinned = models.BooleanField(_("pinned"), default=False)
    published_at = models.DateTimeField(_("published at"), db_index=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    data_scope = ScopeSpec(paths=("org_path",), units=("publisher",))

    class Meta:
        ordering = ["-pinned", "-published_at", "-pk"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        self.org_path = self.publisher.org_path
        self.audience_key = self.audience.key
        super().save(*args, **kwargs)
