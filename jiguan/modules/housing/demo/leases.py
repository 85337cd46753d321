"""Demo tenancies on the flats the stock seeded as occupied: staff of the bureau's region hold leases begun
over the past three years (renewed once or twice where the term has run out), with monthly meter readings,
bills and payments — most paid on time, a few in arrears (two for more than six months, so the monitor's
rule fires and one of them is terminated for it through the service), one tenant giving notice, one
tenancy past its move-out deadline (an overstay, flagged by the deadline job with its event) and some past
tenancies settled on flats vacant again.

Rows of the history are written in bulk (``log_bulk`` records each table); billing, payments, termination
and the overstay go through the services, so the ledger, the cost ledger and the events are what real use
would leave."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from jiguan.core.audit import log_bulk
from jiguan.core.demo.accounts import PROVINCE_BUREAU
from jiguan.core.models import Account, Region, TimelineEntry
from jiguan.core.services.inputs import add_months

from ..models import (
    Application,
    ApplicationState,
    EndReason,
    Flat,
    FlatState,
    Lease,
    LeaseRenewal,
    LeaseState,
    Meter,
    MeterReading,
    Offer,
    OfferState,
    PaymentMethod,
)
from ..services import billing, endings
from ..services.leases import default_house_rules, lease_terms, term_end
from ..services.tenancy import rules_for
from .applications import REVIEWERS, account_of, agency_staff

HISTORY_MONTHS = 9  # billed and paid month by month; what is older was billed and paid at once
# Leases left owing: (number of leases, latest monthly bills unpaid). Eight bills, seven past due, is past
# the region's six months.
ARREARS = ((3, 1), (2, 2), (1, 3), (2, 8))
ENDED = 6  # settled tenancies on flats vacant again
MONTHLY_USE = {"water": (4, 14), "electricity": (90, 420), "gas": (6, 25)}


def seed_demo(scale: str, rng: random.Random) -> str:
    today = timezone.localdate()
    reviewers = {code: Account.objects.get(username=name) for code, name in REVIEWERS.items()}
    occupied = list(Flat.objects.filter(state=FlatState.OCCUPIED).select_related("building__estate", "unit__region")
                    .order_by("pk"))
    vacant = list(Flat.objects.filter(state=FlatState.VACANT).select_related("building__estate", "unit__region")
                  .order_by("pk")[:ENDED])
    leases = _tenancies(occupied, vacant, reviewers, rng, today)
    live = [lease for lease in leases if lease.state == LeaseState.ACTIVE]
    _readings(leases, rng, today)
    owing = _owing(live, rng)
    for lease in leases:
        _bill_and_pay(lease, owing.get(lease.pk, 0), rng, today)
    notice = _endings(live, owing, reviewers, today)
    return (f"周转住房租赁 housing leases: {len(live)} 份在住合同 active leases, {len(leases) - len(live)} 份已结束 ended, "
            f"{len(owing)} 户欠费 in arrears, {notice}")


# --- The tenancies --------------------------------------------------------------------------------------------


def _tenancies(occupied: list[Flat], vacant: list[Flat], reviewers: dict, rng: random.Random,
               today: date) -> list[Lease]:
    """An application (housed or moved out), its accepted offer and the lease for every occupied flat and a few
    vacant ones, written in bulk."""
    plan = [(flat, False) for flat in vacant] + [(flat, True) for flat in occupied]
    people = {code: iter(_tenants(Region.objects.get(code=code))) for code in REVIEWERS}
    rows, unlet = [], []
    for flat, live in plan:
        account = next(people[_region_of(flat)], None)
        if account is not None:
            rows.append((flat, live, account, _start(flat, live, rng, today)))
        elif live:
            unlet.append(flat)
    _vacate(unlet, rng, today)
    applications = Application.objects.bulk_create([_application(flat, account, start, live, rng)
                                                    for flat, live, account, start in rows])
    offers = Offer.objects.bulk_create([_offer(application, flat, reviewers[_region_of(flat)], start)
                                        for application, (flat, _l, _a, start) in zip(applications, rows, strict=True)])
    leases = Lease.objects.bulk_create([
        _lease(offer, application, flat, reviewers[_region_of(flat)], start, live, serial, today)
        for serial, (offer, application, (flat, live, _a, start)) in enumerate(zip(offers, applications, rows,
                                                                                   strict=True), 1)])
    for offer, lease in zip(offers, leases, strict=True):  # the automatic stamps say "now"
        offer.offered_at, lease.signed_at = _at(lease.started_on - timedelta(days=21)), _at(lease.started_on)
    Offer.objects.bulk_update(offers, ["offered_at"], batch_size=500)
    Lease.objects.bulk_update(leases, ["signed_at"], batch_size=500)
    renewals = LeaseRenewal.objects.bulk_create(r for lease in leases for r in _renewals(lease))
    _timelines(leases)
    for model, label, count in ((Application, "住房申请（已入住）", len(applications)), (Offer, "配租（已签约）", len(offers)),
                                (Lease, "租赁合同", len(leases)), (LeaseRenewal, "续租记录", len(renewals))):
        log_bulk(model, f"演示数据:{label} {count} 条", count)
    return leases


def _tenants(region: Region):
    """Accounts of the region's agency staff who have never applied (an account is made for whoever has none):
    tenants applied, were housed, and their applications closed long ago."""
    for person in agency_staff(region).exclude(pk__in=Application.objects.values("person_id")).select_related(
            "account"):
        yield getattr(person, "account", None) or account_of(person)


def _vacate(flats: list[Flat], rng: random.Random, today: date) -> None:
    """The demo organisation has fewer staff than the stock has occupied flats: the rest were vacated lately
    (within the 90 days after which a flat vacant while people wait raises an alert)."""
    for flat in flats:
        flat.state, flat.vacant_since = FlatState.VACANT, today - timedelta(days=rng.randint(5, 80))
    Flat.objects.bulk_update(flats, ["state", "vacant_since"], batch_size=500)
    log_bulk(Flat, f"演示数据:近期腾空住房 {len(flats)} 套", len(flats))


def _timelines(leases: list[Lease]) -> None:
    """The signing and check-in of each tenancy on its timeline, dated when they happened."""
    kind = ContentType.objects.get_for_model(Lease)
    entries = []
    for lease in leases:
        entries += [
            TimelineEntry(content_type=kind, object_id=str(lease.pk), actor=lease.signed_by, action="sign",
                          to_state=LeaseState.SIGNED, org_path=lease.org_path,
                          comment=f"租赁合同 {lease.number}，月租金 {lease.monthly_rent} 元"),
            TimelineEntry(content_type=kind, object_id=str(lease.pk), actor=lease.signed_by, action="check_in",
                          from_state=LeaseState.SIGNED, to_state=LeaseState.ACTIVE, org_path=lease.org_path,
                          comment="入住验房完成，家具家电与清单相符"),
        ]
    entries = TimelineEntry.objects.bulk_create(entries, batch_size=500)
    for entry, lease in zip(entries, (lease for lease in leases for _step in range(2)), strict=True):
        entry.at = _at(lease.started_on)  # the automatic stamp says "now"
    TimelineEntry.objects.bulk_update(entries, ["at"], batch_size=500)
    log_bulk(TimelineEntry, f"演示数据:租赁合同办理记录 {len(entries)} 条", len(entries))


def _region_of(flat: Flat) -> str:
    return "360000" if flat.unit.name == PROVINCE_BUREAU else "360100"


def _start(flat: Flat, live: bool, rng: random.Random, today: date) -> date:
    """Live tenancies began up to 34 months ago (inside the 36-month stay); an ended one ran its term and
    left before the flat's current vacancy began."""
    if live:
        return today - timedelta(days=rng.randint(20, 34 * 30))
    return add_months(flat.vacant_since or today, -rules_for(flat.unit.region).lease_months) - timedelta(
        days=rng.randint(1, 60))


def _application(flat: Flat, account: Account, start: date, live: bool, rng: random.Random) -> Application:
    """Eligible one to fourteen months before the offer three weeks ahead of the tenancy."""
    waited = timedelta(days=21 + rng.randint(30, 420))
    person, agency = account.person, account.person.unit.agency
    return Application(
        person=person, applicant=account, unit=agency, org_path=agency.org_path,
        region_id=_region_of(flat), category="transferred", category_date=start - waited - timedelta(days=30),
        no_home_declared=True, eligible_since=start - waited,
        state=ApplicationState.HOUSED if live else ApplicationState.MOVED_OUT)


def _offer(application: Application, flat: Flat, reviewer: Account, start: date) -> Offer:
    """Offered three weeks before the tenancy began and accepted a week later."""
    return Offer(application=application, flat=flat, state=OfferState.ACCEPTED, offered_by=reviewer, position=1,
                 expires_on=start - timedelta(days=14), answered_at=_at(start - timedelta(days=14)),
                 answer_comment="同意配租。", org_path=application.org_path)


def _at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(9, 30)))


def _lease(offer: Offer, application: Application, flat: Flat, reviewer: Account, start: date, live: bool,
           serial: int, today: date) -> Lease:
    rules = rules_for(flat.unit.region)
    terms = min(_months_between(start, today) // rules.lease_months + 1,
                rules.max_stay_months // rules.lease_months)
    lease = Lease(
        number=f"ZZ{flat.unit.region_id}{start.year}{serial:04d}", offer=offer, application=application, flat=flat,
        person=application.person, tenant=application.applicant, unit=application.unit, managing_unit=flat.unit,
        org_path=application.org_path, started_on=start, ends_on=term_end(start, terms * rules.lease_months),
        deposit_paid_on=start, house_rules=default_house_rules(rules), signed_by=reviewer, checked_in_on=start,
        state=LeaseState.ACTIVE, **lease_terms(flat, rules))
    if not live:  # one term, ended at its end and settled at check-out
        lease.ends_on = term_end(start, rules.lease_months)
        lease.state, lease.end_reason, lease.ended_on = LeaseState.ENDED, EndReason.TERM_ENDED, lease.ends_on
        lease.move_out_by = lease.moved_out_on = lease.ends_on
        lease.deposit_refund, lease.settled_at = lease.deposit, timezone.now() - timedelta(days=30)
    return lease


def _months_between(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)


def _renewals(lease: Lease) -> list[LeaseRenewal]:
    rules = rules_for(lease.flat.unit.region)
    ends = []
    end = term_end(lease.started_on, rules.lease_months)
    while end < lease.ends_on:
        ends.append(end)
        end = term_end(lease.started_on, rules.lease_months * (len(ends) + 1))
    return [LeaseRenewal(lease=lease, previous_end=previous, new_end=term_end(previous + timedelta(days=1),
                                                                             rules.lease_months),
                         monthly_rent=lease.monthly_rent, approved_by=lease.signed_by, comment="年审合格，同意续租。")
            for previous in ends]


# --- Meters, bills and payments -------------------------------------------------------------------------------


def _readings(leases: list[Lease], rng: random.Random, today: date) -> None:
    """Month-end readings of each lease's meters over the months billed one by one (none in an ended
    tenancy's empty months)."""
    meters: dict[int, list[Meter]] = {}
    for meter in Meter.objects.filter(flat_id__in=[lease.flat_id for lease in leases]).order_by("pk"):
        meters.setdefault(meter.flat_id, []).append(meter)
    rows, changed = [], []
    for lease in leases:
        last = lease.moved_out_on or today
        days = [d for d in _month_ends(today) if lease.started_on < d <= last]
        for meter in meters.get(lease.flat_id, []):
            value = meter.last_reading
            for day in days:
                used = Decimal(rng.randint(*MONTHLY_USE[meter.kind]))
                rows.append(MeterReading(meter=meter, lease=lease, read_on=day, previous=value, reading=value + used))
                value += used
            if days:
                meter.last_reading, meter.read_on = value, days[-1]
                changed.append(meter)
    MeterReading.objects.bulk_create(rows, batch_size=1000)
    Meter.objects.bulk_update(changed, ["last_reading", "read_on"], batch_size=500)
    log_bulk(MeterReading, f"演示数据:抄表记录 {len(rows)} 条", len(rows))


def _month_ends(today: date) -> list[date]:
    """The last days of the ``HISTORY_MONTHS`` months before this one, oldest first."""
    ends, day = [], today.replace(day=1) - timedelta(days=1)
    for _month in range(HISTORY_MONTHS):
        ends.append(day)
        day = day.replace(day=1) - timedelta(days=1)
    return ends[::-1]


def _owing(live: list[Lease], rng: random.Random) -> dict[int, int]:
    """The leases left in arrears and how many of the latest months each has not paid."""
    candidates = [lease for lease in live if _months_between(lease.started_on, timezone.localdate()) >= 9]
    rng.shuffle(candidates)
    owing, picked = {}, iter(candidates)
    for count, months in ARREARS:
        for lease in [next(picked, None) for _n in range(count)]:
            if lease is not None:
                owing[lease.pk] = months
    return owing


def _bill_and_pay(lease: Lease, months_unpaid: int, rng: random.Random, today: date) -> None:
    """Bill the tenancy as the monthly run would have (older months at once, then month by month) and pay each
    bill before it falls due, except the last ``months_unpaid`` months' bills."""
    ends = [d for d in _month_ends(today) if d >= lease.started_on and d <= (lease.moved_out_on or today)]
    first = (ends[0] if ends else lease.moved_out_on or today)
    runs = [min(first.replace(day=1) - timedelta(days=1), lease.moved_out_on or today), *ends]
    if lease.moved_out_on:
        runs.append(lease.moved_out_on)
    for number, day in enumerate(runs):
        charges = billing.bill_through(lease, day) if day >= lease.started_on else []
        if (months_unpaid and number >= max(1, len(runs) - months_unpaid)) or not charges:
            continue
        due = sum((charge.amount for charge in charges), Decimal("0"))
        paid_on = min(day + timedelta(days=rng.randint(2, 12)), today)
        billing.take_payment(lease, amount=due, paid_on=paid_on, method=rng.choice(
            (PaymentMethod.PAYROLL, PaymentMethod.PAYROLL, PaymentMethod.TRANSFER, PaymentMethod.CARD)),
            reference=f"{lease.number}-{day:%Y%m}", actor=lease.signed_by)


# --- Endings --------------------------------------------------------------------------------------------------


def _endings(live: list[Lease], owing: dict[int, int], reviewers: dict, today: date) -> str:
    """Through the services: the longest debtor is terminated for arrears; one tenant gives notice; one
    tenant found no longer eligible three months ago has not moved out and is flagged an overstay."""
    worst = max(owing, key=owing.get, default=None)
    terminated = next((lease for lease in live if lease.pk == worst), None)
    settled = [lease for lease in live if lease.pk not in owing]
    if terminated is not None:
        endings.end_tenancy(reviewers[_region_of(terminated.flat)], terminated.pk, reason=EndReason.ARREARS,
                            details="经催缴仍未缴纳租金，累计欠缴超过六个月。")
    leaving = next((lease for lease in settled if lease.ends_on >= today + timedelta(days=45)), None)
    if leaving is not None:
        endings.request_move_out(leaving.tenant, leaving.pk, move_out_on=min(today + timedelta(days=30),
                                                                              leaving.ends_on),
                                 reason="调回原单位工作。")
    # Found no longer eligible at the end of a month; its move-out period ended at the end of last month, so
    # the bills already paid cover the contract rent and the overstay is charged from this month.
    ended = today.replace(day=1) - timedelta(days=1)
    ended = add_months(ended, -rules_for(live[0].flat.unit.region).move_out_months) if live else ended
    overstaying = next((lease for lease in settled if lease is not leaving and lease.started_on < ended), None)
    if overstaying is not None:
        Lease.objects.filter(pk=overstaying.pk).update(
            state=LeaseState.ENDING, end_reason=EndReason.NOT_ELIGIBLE, ended_on=ended,
            end_details="年度审核核查：承租人已在本市购买商品住房。",
            move_out_by=add_months(ended, rules_for(overstaying.flat.unit.region).move_out_months))
        endings.flag_overstays(today)
    return "1 户催缴终止 terminated for arrears, 1 户申请退房 moving out, 1 户逾期占用 overstaying"
