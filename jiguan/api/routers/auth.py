"""API tokens for the app: sign in for a token, list and revoke one's own tokens."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_noop as N_
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from jiguan.core.models import ApiToken
from jiguan.core.services.auth import check_rate_limit, issue_token, revoke_token

from ..auth import TokenAuth
from ..pagination import Page, PageQuery, paginate
from ..schemas import Input

router = Router()


class TokenIn(Input):
    username: str = Field(max_length=150, title=N_("Username"))
    password: str = Field(max_length=256, title=N_("Password"))
    otp: str | None = Field(None, max_length=10, title=N_("Verification code"), description="动态口令（已启用双因素时必填）")
    name: str = Field("app", max_length=60, title=N_("Token name"), description="令牌名称，如设备名")


class IssuedTokenOut(Schema):
    token: str = Field(description="访问令牌，仅此一次返回，请妥善保存")
    expires_at: datetime
    id: int
    name: str


class TokenOut(Schema):
    id: int
    name: str
    prefix: str = Field(description="令牌前 8 位，便于辨认")
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None


@router.post("/token", auth=None, response={201: IssuedTokenOut}, summary="用户名、密码（及动态口令）换取访问令牌")
def create_token(request: HttpRequest, payload: TokenIn):
    check_rate_limit(request, "auth", username=payload.username)
    token, raw = issue_token(
        request, username=payload.username, password=payload.password, otp=payload.otp, name=payload.name
    )
    return Status(201, {"token": raw, "expires_at": token.expires_at, "id": token.pk, "name": token.name})


@router.delete("/token", auth=TokenAuth(), response={204: None}, summary="吊销本次请求所用的令牌（退出登录）")
def revoke_current_token(request: HttpRequest):
    revoke_token(request.auth, raw=request.api_token)
    return Status(204, None)


@router.get("/tokens", response=Page[TokenOut], summary="我的有效令牌")
def list_tokens(request: HttpRequest, query: Query[PageQuery]):
    # A user's own tokens: ownership, not data scope, decides (no administrator lists others' tokens).
    live = ApiToken.objects.filter(account=request.auth, revoked_at__isnull=True, expires_at__gt=timezone.now())
    return paginate(live, query, ("-created_at", "-id"), count=True)


@router.delete("/tokens/{token_id}", response={204: None}, summary="吊销我的某个令牌")
def revoke_own_token(request: HttpRequest, token_id: int):
    revoke_token(request.auth, token_id=token_id)
    return Status(204, None)
