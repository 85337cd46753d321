"""REST API: disposal lots (处置) for the bureau, bidding (公物竞价) for bidders, and bidder registrations. Thin: the
rules are ``services.disposal`` and ``services.bidding`` — including what sealing hides: no amount of a sealed lot
leaves the server before the close, to anyone."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from jiguan.api.pagination import Page, PageQuery, paginate
from jiguan.api.queries import get_or_404
from jiguan.api.schemas import AccountRef, Choice, Input, RegionRef, UnitRef, choice
from jiguan.api.timeline import TimelineOut, timeline_of

from ..models import BidderKind, DisposalMethod, LotState, RegistrationState
from ..services import bidding
from ..services import disposal as services
from .warehouses import WarehouseAssetFields

router = Router()


class WarehouseLotFields(Schema):
    id: int
    number: str = Field(description="处置批次编号")
    title: str
    method: Choice = Field(description="处置方式：bidding 公开竞价、scrap 报废")
    state: Choice
    pool: RegionRef = Field(description="所属公物仓（行政区划）")
    reserve_price: Decimal | None = Field(description="保留价（元）；报废为 null")
    min_increment: Decimal | None = Field(description="最小加价幅度（元）")
    starts_at: datetime | None
    ends_at: datetime | None = Field(description="竞价截止时间（含最后时段出价的顺延）")
    original_ends_at: datetime | None = Field(description="原定截止时间")
    sealed: bool = Field(description="是否密封竞价")
    bid_count: int = Field(description="出价次数")
    highest: Decimal | None = Field(description="最高出价；密封竞价在结束前为 null")
    pay_by: datetime | None = Field(description="中标人付款期限")

    @staticmethod
    def resolve_method(lot) -> dict:
        return choice(lot, "method")

    @staticmethod
    def resolve_state(lot) -> dict:
        return choice(lot, "state")

    @staticmethod
    def resolve_pool(lot):
        return lot.pool_region

    @staticmethod
    def resolve_bid_count(lot) -> int:
        return lot.bid_count

    @staticmethod
    def resolve_highest(lot) -> Decimal | None:
        return lot.highest if bidding.amounts_visible(lot) else None


class WarehouseLotOut(WarehouseLotFields):
    unit: UnitRef = Field(description="保管并组织处置的机关事务管理局")
    prepared_by: AccountRef
    prepared_at: datetime
    proceeds: Decimal | None = Field(description="上缴国库的处置收入（元）")
    salvage_value: Decimal | None = Field(description="报废残值收入（元）")


class WarehouseLotItemOut(WarehouseAssetFields):
    state: Choice

    @staticmethod
    def resolve_state(asset) -> dict:
        return choice(asset, "state")


class WarehouseLotDetailOut(WarehouseLotOut):
    reason: str
    review_comment: str
    sniping_minutes: int = Field(description="最后时段出价顺延的分钟数")
    pay_days: int = Field(description="中标人付款天数")
    payment_reference: str
    recycler_name: str
    recycler_licence: str
    scrapped_on: date | None
    scrap_certificate: str
    items: list[WarehouseLotItemOut]
    allowed_actions: list[str] = Field(description="当前用户可执行的操作：approve、reject、cancel、scrap、pay、pass_on")
    timeline: list[TimelineOut]

    @staticmethod
    def resolve_items(lot) -> list:
        return list(services.items_of(lot))

    @staticmethod
    def resolve_allowed_actions(lot, context) -> list[str]:
        return sorted(services.allowed_actions(lot, context["request"].auth))

    @staticmethod
    def resolve_timeline(lot) -> list[dict]:
        return timeline_of(lot, LotState)


class WarehouseLotFilter(PageQuery):
    state: LotState | None = None
    method: DisposalMethod | None = None


class WarehouseLotIn(Input):
    title: str = Field(max_length=100)
    method: DisposalMethod
    reason: str = Field(max_length=1000, description="处置理由，至少 4 个字")
    asset_ids: list[int] = Field(description="资产卡片 ID（须在库、未涉密、同一公物仓），至多 200 件")
    reserve_price: Decimal | None = Field(None, description="保留价（元），仅公开竞价，≥ 0")
    min_increment: Decimal | None = Field(None, description="最小加价幅度（元），仅公开竞价，> 0")
    starts_at: datetime | None = Field(None, description="竞价开始时间；不填则审核通过即开始")
    ends_at: datetime | None = Field(None, description="竞价截止时间，至少比开始晚 1 小时")
    sniping_minutes: int | None = Field(None, description="最后时段出价顺延分钟数，1–60，默认 5")
    sealed: bool = Field(False, description="密封竞价：结束前不公开任何出价，每人限出一次")
    pay_days: int | None = Field(None, description="中标人付款天数，1–30，默认 5")


class WarehouseCommentIn(Input):
    comment: str = Field("", max_length=1000, description="意见；拒绝、取消、撤销、转下一竞买人时必填")


class WarehouseScrapIn(Input):
    recycler_name: str = Field(max_length=100, description="回收企业")
    recycler_licence: str = Field(max_length=50, description="回收企业资质证号")
    scrapped_on: date = Field(description="报废日期")
    scrap_certificate: str = Field(max_length=50, description="回收证明编号")
    salvage_value: Decimal = Field(description="残值收入（元），可为 0")


class WarehousePaymentIn(Input):
    payment_reference: str = Field(max_length=40, description="国库缴款凭证号")
    paid_at: datetime = Field(description="付款时间")


def _lot(request: HttpRequest, lot_id: int):
    """The lot, closed first if its bidding has ended."""
    lot = services.visible_lot(request.auth, lot_id)
    return services.visible_lot(request.auth, lot_id) if bidding.close_if_due(lot.pk) else lot


@router.get("/lots", response=Page[WarehouseLotOut], summary="处置批次")
def warehouse_list_lots(request: HttpRequest, query: Query[WarehouseLotFilter]):
    lots = services.lots_in_scope(request.auth)
    if query.state:
        lots = lots.filter(state=query.state)
    if query.method:
        lots = lots.filter(method=query.method)
    return paginate(lots, query, ("-prepared_at", "-id"))


@router.post("/lots", response={201: WarehouseLotDetailOut}, summary="新建处置批次（提交审核）")
def warehouse_prepare_lot(request: HttpRequest, payload: WarehouseLotIn):
    terms = {k: v for k, v in payload.model_dump().items() if v is not None}
    made = services.prepare_lot(request.auth, **terms)
    return Status(201, services.visible_lot(request.auth, made.pk))


@router.get("/lots/{int:lot_id}", response=WarehouseLotDetailOut, summary="处置批次详情")
def warehouse_get_lot(request: HttpRequest, lot_id: int):
    return _lot(request, lot_id)


def _decided(service):
    def handler(request: HttpRequest, lot_id: int, payload: WarehouseCommentIn):
        service(request.auth, lot_id, payload.comment)
        return services.visible_lot(request.auth, lot_id)
    return handler


router.post("/lots/{int:lot_id}/approve", response=WarehouseLotDetailOut, summary="批准处置批次（须非经办人）",
            operation_id="warehouse_approve_lot")(_decided(services.approve_lot))
router.post("/lots/{int:lot_id}/reject", response=WarehouseLotDetailOut, summary="退回处置批次，物品回库",
            operation_id="warehouse_reject_lot")(_decided(services.reject_lot))
router.post("/lots/{int:lot_id}/cancel", response=WarehouseLotDetailOut, summary="取消处置批次，物品回库",
            operation_id="warehouse_cancel_lot")(_decided(services.cancel_lot))
router.post("/lots/{int:lot_id}/pass-on", response=WarehouseLotDetailOut,
            summary="中标人逾期未付款：转下一竞买人", operation_id="warehouse_pass_lot_on")(
    _decided(bidding.pass_to_next_bidder))


@router.post("/lots/{int:lot_id}/scrap", response=WarehouseLotDetailOut, summary="登记报废处置")
def warehouse_scrap_lot(request: HttpRequest, lot_id: int, payload: WarehouseScrapIn):
    services.record_scrapping(request.auth, lot_id, **payload.model_dump())
    return services.visible_lot(request.auth, lot_id)


@router.post("/lots/{int:lot_id}/payment", response=WarehouseLotDetailOut, summary="确认中标人付款，成交")
def warehouse_confirm_payment(request: HttpRequest, lot_id: int, payload: WarehousePaymentIn):
    bidding.confirm_payment(request.auth, lot_id, **payload.model_dump())
    return services.visible_lot(request.auth, lot_id)


class WarehouseBidOut(Schema):
    id: int
    bidder: str = Field(description="竞买人名称")
    amount: Decimal = Field(description="出价（元）")
    placed_at: datetime
    state: Choice

    @staticmethod
    def resolve_bidder(bid) -> str:
        return bid.bidder.name

    @staticmethod
    def resolve_state(bid) -> dict:
        return choice(bid, "state")


class WarehouseBidsOut(Schema):
    count: int = Field(description="有效出价数")
    amounts_visible: bool = Field(description="false：密封竞价尚未结束，不公开出价")
    items: list[WarehouseBidOut] = Field(description="出价排名（金额、时间、编号）；密封竞价结束前为空")


@router.get("/lots/{int:lot_id}/bids", response=WarehouseBidsOut, summary="处置批次的出价（管理端）")
def warehouse_lot_bids(request: HttpRequest, lot_id: int):
    view = bidding.lot_view(request.auth, _lot(request, lot_id))
    return {"count": view.bid_count, "amounts_visible": view.ranking is not None, "items": view.ranking or []}


# --- Bidders' side -------------------------------------------------------------------------------------------------


class WarehouseBidderLotOut(WarehouseLotFields):
    """A lot as its bidders see it: what ``bidding.lot_view`` allows, read from ``lot.seen``."""

    minimum_bid: Decimal | None = Field(description="当前可出的最低价；不在竞价期内为 null")
    my_bid_count: int = Field(description="本人出价次数")
    leading: bool = Field(description="本人出价是否最高（密封竞价结束前恒为 false）")
    won: bool = Field(description="本人是否中标")
    items: list[WarehouseLotItemOut]

    @staticmethod
    def resolve_bid_count(lot) -> int:
        return lot.seen.bid_count

    @staticmethod
    def resolve_highest(lot) -> Decimal | None:
        return lot.seen.highest

    @staticmethod
    def resolve_minimum_bid(lot) -> Decimal | None:
        return lot.seen.minimum_bid

    @staticmethod
    def resolve_my_bid_count(lot) -> int:
        return len(lot.seen.mine)

    @staticmethod
    def resolve_leading(lot) -> bool:
        return lot.seen.leading

    @staticmethod
    def resolve_won(lot, context) -> bool:
        return lot.winning_bid is not None and lot.winning_bid.bidder.account_id == context["request"].auth.pk

    @staticmethod
    def resolve_items(lot) -> list:
        return list(services.items_of(lot))


def _seen_by(user, lot):
    lot.seen = bidding.lot_view(user, lot)
    return lot


@router.get("/bidding/lots", response=list[WarehouseBidderLotOut], summary="公物竞价：正在竞价的批次（至多 50 个）")
def warehouse_open_lots(request: HttpRequest):
    return [_seen_by(request.auth, lot) for lot in bidding.open_lots(request.auth)[:50]]


@router.get("/bidding/lots/{int:lot_id}", response=WarehouseBidderLotOut, summary="公物竞价：批次详情")
def warehouse_bidder_lot(request: HttpRequest, lot_id: int):
    return _seen_by(request.auth, bidding.bidder_lot(request.auth, lot_id))


class WarehouseBidIn(Input):
    amount: Decimal = Field(description="出价（元），最多两位小数")


class WarehouseMyBidOut(Schema):
    id: int
    lot_id: int
    amount: Decimal | None = Field(description="出价（元）；密封竞价结束前为 null")
    placed_at: datetime

    @staticmethod
    def resolve_amount(bid) -> Decimal | None:
        return bid.amount if bidding.amounts_visible(bid.lot) else None


@router.post("/bidding/lots/{int:lot_id}/bids", response={201: WarehouseMyBidOut}, summary="出价")
def warehouse_place_bid(request: HttpRequest, lot_id: int, payload: WarehouseBidIn):
    return Status(201, bidding.place_bid(request.auth, lot_id, payload.amount))


@router.get("/bidding/my-bids", response=list[WarehouseMyBidOut], summary="我的出价（至多 100 条）")
def warehouse_my_bids(request: HttpRequest):
    return bidding.my_bids(request.auth)[:100]


# --- Registrations -----------------------------------------------------------------------------------------------


class WarehouseBidderOut(Schema):
    id: int
    pool: RegionRef
    kind: Choice
    name: str
    bidder_unit: UnitRef | None
    credential: str = Field(description="统一社会信用代码或身份证号（身份证号脱敏）")
    contact_name: str
    phone: str = Field(description="联系电话（脱敏）")
    account: AccountRef
    state: Choice
    requested_at: datetime
    review_comment: str

    @staticmethod
    def resolve_pool(registration):
        return registration.pool_region

    @staticmethod
    def resolve_kind(registration) -> dict:
        return choice(registration, "kind")

    @staticmethod
    def resolve_state(registration) -> dict:
        return choice(registration, "state")

    @staticmethod
    def resolve_credential(registration) -> str:
        return bidding.masked(registration)["credential"]

    @staticmethod
    def resolve_phone(registration) -> str:
        return bidding.masked(registration)["phone"]


class WarehouseNewBidderOut(WarehouseBidderOut):
    username: str = Field(description="竞买账号用户名")
    initial_password: str = Field(description="初始密码，仅此一次返回；首次登录须修改")


class WarehouseBidderFilter(PageQuery):
    state: RegistrationState | None = None
    kind: BidderKind | None = None


class WarehouseOutsideBidderIn(Input):
    kind: BidderKind = Field(description="company 企业、individual 个人")
    name: str = Field(max_length=100)
    credential: str = Field(max_length=18, description="企业填统一社会信用代码，个人填身份证号")
    contact_name: str = Field(max_length=50)
    phone: str = Field(max_length=20)
    username: str = Field(max_length=40, description="为其新建的竞买账号用户名")


class WarehouseUnitBidderIn(Input):
    contact_name: str = Field(max_length=50)
    phone: str = Field(max_length=20)


@router.get("/bidders", response=Page[WarehouseBidderOut], summary="竞买人登记")
def warehouse_list_bidders(request: HttpRequest, query: Query[WarehouseBidderFilter]):
    registrations = bidding.registrations_in_scope(request.auth)
    if query.state:
        registrations = registrations.filter(state=query.state)
    if query.kind:
        registrations = registrations.filter(kind=query.kind)
    return paginate(registrations, query, ("-requested_at", "-id"))


@router.post("/bidders", response={201: WarehouseNewBidderOut}, summary="登记外部竞买人（企业或个人），新建竞买账号")
def warehouse_register_outside_bidder(request: HttpRequest, payload: WarehouseOutsideBidderIn):
    registration, password = bidding.register_outside_bidder(request.auth, **payload.model_dump())
    registration.username, registration.initial_password = registration.account.username, password
    return Status(201, registration)


@router.get("/bidders/{int:registration_id}", response=WarehouseBidderOut, summary="竞买人登记详情")
def warehouse_get_bidder(request: HttpRequest, registration_id: int):
    return get_or_404(bidding.registrations_in_scope(request.auth), pk=registration_id)


def _registration_decided(service):
    def handler(request: HttpRequest, registration_id: int, payload: WarehouseCommentIn):
        return service(request.auth, registration_id, payload.comment)
    return handler


router.post("/bidders/{int:registration_id}/approve", response=WarehouseBidderOut, summary="批准竞买人",
            operation_id="warehouse_approve_bidder")(_registration_decided(bidding.approve_registration))
router.post("/bidders/{int:registration_id}/reject", response=WarehouseBidderOut, summary="拒绝竞买人登记",
            operation_id="warehouse_reject_bidder")(_registration_decided(bidding.reject_registration))
router.post("/bidders/{int:registration_id}/revoke", response=WarehouseBidderOut, summary="撤销竞买人资格",
            operation_id="warehouse_revoke_bidder")(_registration_decided(bidding.revoke_registration))


@router.get("/bidding/registrations", response=list[WarehouseBidderOut], summary="我的竞买人登记")
def warehouse_my_registrations(request: HttpRequest):
    return bidding.my_registrations(request.auth).select_related("account")


@router.post("/bidding/registrations", response={201: WarehouseBidderOut}, summary="本单位登记为竞买人（待审核）")
def warehouse_register_unit_bidder(request: HttpRequest, payload: WarehouseUnitBidderIn):
    return Status(201, bidding.register_unit_bidder(request.auth, **payload.model_dump()))
