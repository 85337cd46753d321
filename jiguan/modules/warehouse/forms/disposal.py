"""Forms of disposal lots and bidding. They collect input under the services' keyword names;
``services.disposal`` and ``services.bidding`` check it."""

from django import forms
from django.utils.translation import gettext_lazy as _

from jiguan.portals.manage.forms import PortalForm
from jiguan.portals.service.forms import ServiceForm

from ..models import BidderKind, DisposalMethod

MOMENT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class LotForm(PortalForm):
    """A new lot: the items by card number; the bidding terms apply to bidding only (left empty for scrapping)."""

    service_names = {"card_numbers": "asset_ids"}

    title = forms.CharField(label=_("Title"), max_length=100)
    method = forms.ChoiceField(label=_("Disposal method"), choices=DisposalMethod.choices, widget=forms.RadioSelect)
    reason = forms.CharField(label=_("Why the items are disposed of"), max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 2}))
    card_numbers = forms.CharField(label=_("Card numbers"), widget=forms.Textarea(attrs={"rows": 4}),
                                   help_text=_("One card number per line (or separated by spaces); the items must be "
                                               "free in the pool."))
    reserve_price = forms.CharField(label=_("Reserve price (yuan)"), required=False)
    min_increment = forms.CharField(label=_("Minimum increment (yuan)"), required=False)
    starts_at = forms.DateTimeField(label=_("Bidding starts at"), required=False, widget=MOMENT,
                                    help_text=_("Empty: bidding opens on approval."))
    ends_at = forms.DateTimeField(label=_("Bidding ends at"), required=False, widget=MOMENT)
    sniping_minutes = forms.IntegerField(label=_("Extension against last-minute bids (minutes)"), required=False)
    pay_days = forms.IntegerField(label=_("Days the winner has to pay"), required=False)
    sealed = forms.BooleanField(label=_("Sealed bids"), required=False,
                                help_text=_("Nobody sees any amount until the end; one bid per bidder."))

    def service_kwargs(self) -> dict:
        """The filled-in terms (a scrap lot sends none)."""
        data = dict(self.cleaned_data)
        data.pop("card_numbers")
        return {name: value for name, value in data.items() if value not in (None, "")}


class CommentForm(PortalForm):
    comment = forms.CharField(label=_("Remarks"), required=False, max_length=1000,
                              widget=forms.Textarea(attrs={"rows": 2}),
                              help_text=_("Required when refusing, cancelling, revoking or passing a lot on."))


class ScrapForm(PortalForm):
    recycler_name = forms.CharField(label=_("Recycler"), max_length=100)
    recycler_licence = forms.CharField(label=_("Recycler's licence number"), max_length=50)
    scrapped_on = forms.DateField(label=_("Scrapped on"), widget=forms.DateInput(attrs={"type": "date"}))
    scrap_certificate = forms.CharField(label=_("Recycling certificate number"), max_length=50)
    salvage_value = forms.CharField(label=_("Salvage income (yuan)"), initial="0")


class PaymentForm(PortalForm):
    payment_reference = forms.CharField(label=_("Treasury payment reference"), max_length=40)
    paid_at = forms.DateTimeField(label=_("Paid at"), widget=MOMENT)


class OutsideBidderForm(PortalForm):
    kind = forms.ChoiceField(label=_("Bidder kind"), widget=forms.RadioSelect,
                             choices=[(k, v) for k, v in BidderKind.choices if k != BidderKind.UNIT])
    name = forms.CharField(label=_("Bidder name"), max_length=100)
    credential = forms.CharField(label=_("Credit code or ID number"), max_length=18,
                                 help_text=_("A company's unified social credit code, a person's ID number."))
    contact_name = forms.CharField(label=_("Contact person"), max_length=50)
    phone = forms.CharField(label=_("Contact phone"), max_length=20)
    username = forms.CharField(label=_("Username of the bidding account"), max_length=40)


class UnitBidderForm(ServiceForm):
    contact_name = forms.CharField(label=_("Contact person"), max_length=50)
    phone = forms.CharField(label=_("Contact phone"), max_length=20)


class BidForm(ServiceForm):
    amount = forms.CharField(label=_("Your bid (yuan)"), max_length=20,
                             widget=forms.TextInput(attrs={"inputmode": "decimal"}))
