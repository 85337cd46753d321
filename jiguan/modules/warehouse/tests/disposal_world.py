"""The disposal tests' pool: ``world.build_world`` plus a second officer of the province bureau (four eyes),
approved unit bidders of the province pool and of the city pool, and helpers that prepare lots and move their
clock (written directly: the services take the time from the server)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from jiguan.core.testing import make_account
from jiguan.modules.warehouse.models import DisposalLot
from jiguan.modules.warehouse.services import bidding, disposal

from .world import build_world, pooled


def build_disposal_world():
    w = build_world()
    w.approver = make_account("wh_approver", roles=("region_bureau_admin",), unit=w.bureau)
    w.items = [pooled(w, name="旧办公桌"), pooled(w, name="旧文件柜", category=w.chair)]
    w.finance_bidder = registered(w, w.finance_admin)
    w.education_bidder = registered(w, w.education_admin)
    return w


def registered(w, account, approve=True):
    registration = bidding.register_unit_bidder(account, contact_name="李四", phone="13800138000")
    if approve:
        approver = w.bureau_admin if registration.pool_region_id == "360000" else w.city_admin
        bidding.approve_registration(approver, registration.pk)
        registration.refresh_from_db()
    return registration


def bidding_lot(w, items=None, approve=True, **terms) -> DisposalLot:
    values = {"title": "旧办公家具一批", "reason": "超过使用年限，调剂无人认领", "reserve_price": "1000",
              "min_increment": "100", "ends_at": timezone.now() + timedelta(hours=2), "sniping_minutes": 5,
              "sealed": False, "pay_days": 5}
    lot = disposal.prepare_lot(w.bureau_admin, method="bidding", asset_ids=[i.pk for i in (items or w.items)],
                               **{**values, **terms})
    if approve:
        disposal.approve_lot(w.approver, lot.pk)
    lot.refresh_from_db()
    return lot


def scrap_lot(w, items=None, approve=True) -> DisposalLot:
    lot = disposal.prepare_lot(w.bureau_admin, title="报废电脑一批", method="scrap", reason="无法修复，已无使用价值",
                               asset_ids=[i.pk for i in (items or w.items)])
    if approve:
        disposal.approve_lot(w.approver, lot.pk)
    lot.refresh_from_db()
    return lot


def ends_in(lot: DisposalLot, delta: timedelta) -> DisposalLot:
    """Move the lot's end (and its start, if need be, to stay before the end)."""
    ends_at = timezone.now() + delta
    DisposalLot.objects.filter(pk=lot.pk).update(starts_at=min(lot.starts_at, ends_at - timedelta(hours=1)),
                                                 ends_at=ends_at)
    lot.refresh_from_db()
    return lot


def pay_by_passed(lot: DisposalLot) -> DisposalLot:
    DisposalLot.objects.filter(pk=lot.pk).update(pay_by=timezone.now() - timedelta(minutes=1))
    lot.refresh_from_db()
    return lot
