"""REST API of the platform health (``monitor.platform``) and the security watch (``monitor.security``)."""

from __future__ import annotations

from datetime import date, datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema

from ..services import health

router = Router()


class DatabaseOut(Schema):
    ok: bool
    vendor: str
    latency_ms: float = Field(description="简单查询耗时（毫秒）")
    size_bytes: int | None = Field(None, description="数据库大小（字节）")
    error: str | None = None


class WorkerOut(Schema):
    ok: bool
    last_seen: str | None = None
    queued_tasks: int | None = None
    error: str | None = None


class QueueOut(Schema):
    ok: bool
    ready: int
    running: int
    failed: int
    failed_24h: int


class DiskOut(Schema):
    ok: bool
    path: str
    total_bytes: int
    free_bytes: int
    free_percent: float


class MinuteOut(Schema):
    minute: datetime
    requests: int
    errors: int


class RequestsOut(Schema):
    minutes: int
    requests: int
    errors: int
    per_minute: float
    error_rate: float = Field(description="服务器错误（5xx）占比（%）")
    series: list[MinuteOut]


class JobOut(Schema):
    name: str
    label: str
    last_status: str = ""
    last_finished_at: datetime | None = None
    next_run_at: datetime | None = None


class HealthOut(Schema):
    checked_at: datetime
    database: DatabaseOut
    worker: WorkerOut
    queue: QueueOut
    disk: DiskOut
    requests: RequestsOut
    jobs: list[JobOut]


class LoginCounts(Schema):
    failed: int
    lockouts: int
    succeeded: int


class LockedAccount(Schema):
    username: str
    locked_until: datetime


class UnusualAccess(Schema):
    actor_id: int | None
    actor_name: str
    day: date
    n: int = Field(description="当日查看和导出个人数据次数")
    reveals: int
    exports: int
    median: float = Field(description="该账号平常每日次数（中位数）")
    first: datetime
    last: datetime


class VerificationOut(Schema):
    at: datetime
    intact: bool
    problem_count: int
    problems: list[str]


class SecurityOut(Schema):
    checked_at: datetime
    failed_logins_24h: LoginCounts
    failed_logins_7d: LoginCounts
    locked: list[LockedAccount]
    threshold: int
    unusual: list[UnusualAccess]
    verification: VerificationOut | None


@router.get("/platform", response=HealthOut, summary="平台运行状态：数据库、任务进程与队列、磁盘、请求与错误率、定时任务")
def platform(request: HttpRequest):
    figures = health.platform_health(request.auth)
    jobs = [{"name": j["name"], "label": j["label"], **_schedule(j["schedule"])} for j in figures["jobs"]]
    return {**figures, "jobs": jobs}


def _schedule(schedule) -> dict:
    if schedule is None:
        return {}
    return {"last_status": schedule.last_status, "last_finished_at": schedule.last_finished_at,
            "next_run_at": schedule.next_run_at}


@router.get("/security", response=SecurityOut, summary="安全监控：登录失败与锁定、异常访问个人数据、审计链校验")
def security(request: HttpRequest, threshold: int | None = None):
    watch = health.security_watch(request.auth, threshold)
    return {**watch, "failed_logins_24h": watch["logins"]["day"], "failed_logins_7d": watch["logins"]["week"]}
