"""A little life in the demo: notices, events in every state, approval flows and module switches —
created through the kernel services, acting as the demo accounts, exactly as users would."""

from django.db.models import F

from ..models import Account, Notification, Role
from ..registry import registry
from ..services import approvals, events, feedback, modules, notices

NOTICES = (
    # (publisher account, audience region, pinned, title, body)
    ("jx_admin", "360000", True, "关于做好2026年元旦春节期间机关事务保障工作的通知",
     "各设区市机关事务管理局、省直各单位:\n元旦、春节将至,请各单位认真做好节日期间办公区安全巡查、值班值守、"
     "公务用车管理和节能降耗工作,严格落实中央八项规定精神,节日期间如遇突发情况请及时通过平台上报事件。"),
    ("jx_admin", "360000", False, "关于开展省直机关闲置资产入仓调剂工作的通知",
     "为提高国有资产使用效益,省机关事务管理局公物仓即日起接收省直各单位闲置办公家具和设备。"
     "请各单位清理本单位闲置资产,通过平台公物仓模块提交入仓申请,公物仓将统一调剂使用。"),
    ("nc_admin", "360100", False, "关于开展2026年度市直机关办公用房使用情况核查的通知",
     "根据《党政机关办公用房管理办法》,市机关事务管理局将于第一季度对市直各单位办公用房使用情况进行核查,"
     "请各单位于3月31日前通过平台完成本单位办公用房信息填报和自查。"),
)

# (title, description, priority, steps after it is reported, comment of the last step)
EVENTS = (
    ("三楼第二会议室空调不制冷", "三楼第二会议室空调开机后只出风不制冷,下午有会议,请尽快处理。", "high", (), ""),
    ("办公楼2号电梯运行有异响", "2号电梯上下行时有明显异响,存在安全隐患。", "urgent", ("dispatch",), ""),
    ("一楼卫生间洗手台下水管漏水", "一楼东侧卫生间洗手台下水管接口漏水,地面积水。", "normal",
     ("dispatch", "start"), ""),
    ("机关食堂排烟管道需要清洗", "食堂后厨排烟管道油污较多,按规定需定期清洗。", "normal",
     ("dispatch", "start", "resolve"), "已联系专业保洁公司完成排烟管道清洗,并留存清洗记录。"),
    ("地下车库东侧照明灯损坏", "地下车库东侧通道有6盏照明灯不亮。", "low",
     ("dispatch", "start", "resolve", "close"), "已更换6盏LED照明灯,恢复正常照明。"),
    ("申请为私家车办理单位停车证", "本人新购私家车,申请办理单位停车证。", "low", ("reject",),
     "私家车停车证不属于报修事项,请向本单位办公室申请办理。"),
)
FEEDBACK = ("suggestion", "建议在服务入口增加会议室预约到期提醒功能,方便各处室提前安排会务。")

FLOW_STEPS = (("单位审核", "unit_admin"), ("机关事务管理局审批", "region_bureau_admin"))
INBOX_UNREAD = 10  # what a working inbox holds unread; a year of seeded activity left 1,600 at province scale


def add_activity(accounts: dict[str, Account]) -> None:
    enable_modules(accounts["sysadmin"])
    publish_notices(accounts)
    report_events(accounts["staff"], accounts["nc_admin"])
    configure_flows(accounts["jx_admin"])


def enable_modules(admin: Account) -> None:
    """Every installed business module switched on for the whole province (加盟 at province level)."""
    for spec in registry.business_modules():
        modules.set_module_enabled(admin, region_code="360000", module_code=spec.code, enabled=True)


def publish_notices(accounts: dict[str, Account]) -> None:
    for username, region, pinned, title, body in NOTICES:
        notices.publish_notice(accounts[username], title=title, body=body, audience_region_code=region, pinned=pinned)


def report_events(reporter: Account, handler: Account) -> None:
    """A staff member's reports, taken by the bureau administrator to each state of the event's life."""
    steps = {
        "dispatch": lambda e, _c: events.dispatch(
            handler, e.pk, assignee_unit_id=handler.unit_id, assignee_id=handler.pk, comment="请尽快安排人员现场查看处理。"
        ),
        "start": lambda e, _c: events.start_work(handler, e.pk, comment="维修人员已到现场。"),
        "resolve": lambda e, comment: events.resolve(handler, e.pk, comment),
        "close": lambda e, _c: events.close(reporter, e.pk, rating=5, feedback="处理及时,非常满意。"),
        "reject": lambda e, comment: events.reject(handler, e.pk, comment),
    }
    for title, description, priority, actions, comment in EVENTS:
        event = events.report_event(
            reporter, type="core.general", title=title, description=description, unit_id=reporter.unit_id,
            priority=priority,
        )
        for action in actions:
            steps[action](event, comment)
    feedback.submit_feedback(reporter, category=FEEDBACK[0], content=FEEDBACK[1])


def configure_flows(admin: Account) -> None:
    """A two-step flow in Jiangxi for every business type the installed modules bring."""
    roles = dict(Role.objects.filter(code__in=[code for _n, code in FLOW_STEPS]).values_list("code", "pk"))
    steps = [(name, roles[code]) for name, code in FLOW_STEPS]
    for spec in registry:
        for approval_type in spec.approval_types:
            approvals.save_flow(
                admin, business_type=approval_type.code, region_code="360000",
                name=f"{approval_type.label}审批流程", steps=steps,
            )


def settle_inboxes(keep: int = INBOX_UNREAD) -> None:
    """Leave each account's newest ``keep`` notifications unread, as in an inbox in daily use; the older ones
    were read when they came."""
    unread = Notification.objects.filter(read_at__isnull=True)
    for recipient in unread.values_list("recipient", flat=True).distinct().order_by():
        theirs = unread.filter(recipient=recipient)
        newest = list(theirs.values_list("pk", flat=True)[:keep])
        theirs.exclude(pk__in=newest).update(read_at=F("created_at"))
