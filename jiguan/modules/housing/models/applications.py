"""Applications for a flat (申请 → 单位确认 → 资格审核 → 轮候 → 配租) and the family members listed in them.
An application stays the applicant's one record through the waiting list and offers; the next landing's
lease (``models.leases``) points at its accepted offer; the application is "housed" while the lease lives."""

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiguan.core.crypto import EncryptedTextField, mask_id_number
from jiguan.core.models import Person, Region
from jiguan.core.models.base import TrackedModel
from jiguan.core.models.org import UnitOwned
from jiguan.core.scoping import ScopeSpec

__all__ = [
    "HARDSHIP_LEVELS", "OPEN_STATES", "Application", "ApplicationState", "Category", "FamilyMember", "Refusal",
    "Relation",
]

HARDSHIP_LEVELS = 3


class Category(models.TextChoices):
    TRANSFERRED = "transferred", _("Transferred in (调入)")
    RECRUITED = "recruited", _("Newly recruited (新录用)")
    EXCHANGED = "exchanged", _("Exchanged cadre (交流干部)")


class ApplicationState(models.TextChoices):
    SUBMITTED = "submitted", pgettext_lazy("housing application state", "Awaiting unit confirmation")
    RETURNED = "returned", pgettext_lazy("housing application state", "Returned for revision")
    CONFIRMED = "confirmed", pgettext_lazy("housing application state", "Awaiting eligibility review")
    WAITING = "waiting", pgettext_lazy("housing application state", "On the waiting list")
    OFFERED = "offered", pgettext_lazy("housing application state", "Flat offered")
    ACCEPTED = "accepted", pgettext_lazy("housing application state", "Offer accepted, lease to be signed")
    HOUSED = "housed", pgettext_lazy("housing application state", "Housed under a lease")
    MOVED_OUT = "moved_out", pgettext_lazy("housing application state", "Moved out")
    REJECTED = "rejected", pgettext_lazy("housing application state", "Not eligible")
    WITHDRAWN = "withdrawn", pgettext_lazy("housing application state", "Withdrawn")


# A person holds at most one of these at a time (enforced by a partial unique index).
OPEN_STATES = ("submitted", "returned", "confirmed", "waiting", "offered", "accepted", "housed")

STATE_COLORS = {"submitted": "blue", "returned": "orange", "confirmed": "azure", "waiting": "purple",
                "offered": "cyan", "accepted": "green", "housed": "teal", "moved_out": "secondary", "rejected": "red",
                "withdrawn": "secondary"}


class Refusal(models.TextChoices):
    """Why the bureau found an application not eligible (kept so later applications can be checked)."""

    CATEGORY = "category", _("Not in an eligible category or outside its time window")
    OWNS_HOME = "owns_home", _("Owns a home in the city")
    HOLDS_FLAT = "holds_flat", _("Already holds or applies for a flat")
    OTHER = "other", _("Other")


class Application(UnitOwned):
    """One staff member's application. ``unit`` is the person's agency, which confirms it; ``region`` is the
    region whose bureau keeps the waiting list (the agency's region). Score fields are kept current while
    the application is on the list (``services.waiting.rescore``)."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("applicant"))
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("applied by"))
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("waiting list of"))
    category = models.CharField(_("eligibility category"), max_length=12, choices=Category.choices)
    category_date = models.DateField(_("date of transfer, recruitment or exchange"))
    no_home_declared = models.BooleanField(_("declares no home in the city"))
    hardship_notes = models.TextField(_("hardship"), blank=True)
    hardship_level = models.PositiveSmallIntegerField(_("hardship level"), default=0,
                                                      validators=[MaxValueValidator(HARDSHIP_LEVELS)])
    state = models.CharField(_("state"), max_length=10, choices=ApplicationState.choices,
                             default=ApplicationState.SUBMITTED)
    refusal = models.CharField(_("reason not eligible"), max_length=10, choices=Refusal.choices, blank=True)
    reviewed_at = models.DateTimeField(_("eligibility reviewed at"), null=True, blank=True)
    eligible_since = models.DateField(_("eligible since"), null=True, blank=True)
    score = models.DecimalField(_("score"), max_digits=8, decimal_places=2, default=0)
    score_breakdown = models.JSONField(_("score breakdown"), default=dict, blank=True)
    declines = models.PositiveSmallIntegerField(_("offers declined"), default=0)
    at_end_since = models.DateTimeField(_("moved to the end of the list at"), null=True, blank=True)
    created_at = models.DateTimeField(_("applied at"), auto_now_add=True)

    data_scope = ScopeSpec(paths=("org_path",), units=("unit",), persons=("person",), accounts=("applicant",))

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("housing application")
        verbose_name_plural = _("housing applications")
        indexes = [models.Index(fields=["region", "state", "score"], name="housing_waiting_list")]
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=Q(state__in=OPEN_STATES),
                                    name="housing_one_open_application"),
            models.CheckConstraint(condition=Q(no_home_declared=True), name="housing_no_home_declared"),
            models.CheckConstraint(condition=Q(hardship_level__lte=HARDSHIP_LEVELS), name="housing_hardship_range"),
        ]

    def __str__(self) -> str:
        return f"{self.person.name} · {self.get_category_display()}"

    @property
    def state_color(self) -> str:
        return STATE_COLORS.get(self.state, "secondary")


class Relation(models.TextChoices):
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")
    OTHER = "other", _("Other relative")


class FamilyMember(TrackedModel):
    """A family member moving in with the applicant. The ID number is encrypted at rest, masked on display
    and found through its blind index (to see whether a spouse already holds a flat)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="family",
                                    verbose_name=_("application"))
    name = models.CharField(_("name"), max_length=50)
    relation = models.CharField(_("relation"), max_length=8, choices=Relation.choices)
    id_number = EncryptedTextField(_("ID number"))
    id_digest = models.CharField(max_length=64, db_index=True, editable=False)

    data_scope = ScopeSpec(paths=("application__org_path",), units=("application__unit",),
                           persons=("application__person",))

    class Meta:
        ordering = ["application", "pk"]
        verbose_name = _("family member")
        verbose_name_plural = _("family members")
        constraints = [models.UniqueConstraint(fields=["application", "id_digest"], name="housing_family_once")]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_relation_display()}）"

    def save(self, *args, **kwargs):
        from jiguan.core.crypto import blind_index

        self.id_digest = blind_index(self.id_number)
        super().save(*args, **kwargs)

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number)
