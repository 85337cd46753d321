"""The NinjaAPI instance behind /api/v1/: the kernel's routers, then every module's router found in the
registry, with one authentication, one error shape and one OpenAPI document."""

from __future__ import annotations

import json
from functools import wraps

from django.shortcuts import render
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Router
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.docs import Swagger

from jiguan.core.registry import registry
from jiguan.core.services.modules import is_enabled

from .auth import AUTH
from .errors import ApiError, install_handlers, translate_error
from .schemas import Error

# (URL prefix, router module, OpenAPI tag description) of the kernel's own areas. Prefixes have no
# trailing slash, so a collection is /api/v1/units and a record /api/v1/units/12.
KERNEL_ROUTERS = (
    ("", "system", "平台：连通性检查、当前用户"),
    ("/auth", "auth", "访问令牌：签发、列出、吊销"),
    ("/regions", "regions", "行政区划（GB/T 2260）"),
    ("/units", "units", "机关单位与内设机构"),
    ("/people", "people", "人员（身份证号、手机号默认脱敏）"),
    ("/events", "events", "事件：上报、派单、办理、办结、评价"),
    ("/approvals", "approvals", "审批：待办、我的申请、审批决定"),
    ("/notifications", "notifications", "站内消息"),
    ("/notices", "notices", "通知公告"),
    ("/feedback", "feedback", "意见反馈"),
    ("/modules", "modules", "我所在地区已开通的业务模块"),
    ("/dictionaries", "dictionaries", "数据字典（代码表）"),
)
KERNEL_ROUTER_MODULE = "jiguan.api.routers."


class LocalSwagger(Swagger):
    """Swagger UI from ninja's bundled static files, never its CDN template: intranets have no internet.
    Needs "ninja" in INSTALLED_APPS (templates and static files); without it the page fails loudly."""

    # No validator badge: Swagger UI would fetch it from validator.swagger.io.
    default_settings = {**Swagger.default_settings, "validatorUrl": None}

    def render_page(self, request, api, **kwargs):
        self.settings["url"] = self.get_openapi_url(api, kwargs)
        context = {"swagger_settings": json.dumps(self.settings, indent=1), "api": api, "add_csrf": True}
        return render(request, self.template, context)


class JiguanAPI(NinjaAPI):
    def validation_error_from_error_contexts(self, error_contexts) -> NinjaValidationError:
        """Pydantic's errors, translated while the params model is at hand to label each field."""
        errors = []
        for context in error_contexts:
            model = context.model
            for raw in context.pydantic_validation_error.errors(include_url=False):
                public_loc = model.__ninja_flatten_map_reverse__.get(raw["loc"], raw["loc"])
                error = {**raw, "loc": (model.__ninja_param_source__, *public_loc)}
                errors.append(translate_error(error, model, raw["loc"]))
        return NinjaValidationError(errors)

    def get_openapi_operation_id(self, operation) -> str:
        """Kernel handlers are named uniquely; a module's are prefixed with its package name."""
        module, name = operation.view_func.__module__, operation.view_func.__name__
        if module.startswith(KERNEL_ROUTER_MODULE):
            return name
        parts = module.split(".")
        return f"{parts[-2] if parts[-1] == 'api' else parts[-1]}_{name}"

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        _document_errors(schema)
        schema["tags"] = _tags()
        return schema


def _document_errors(schema) -> None:
    """Every operation may answer the one error shape; say so once per operation as its default."""
    error_schema = Error.model_json_schema(ref_template="#/components/schemas/{model}")
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.update(error_schema.pop("$defs", {}))
    components["Error"] = error_schema
    default = {
        "description": "错误（统一格式，message 为中文说明）",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    for operations in schema["paths"].values():
        for operation in operations.values():
            operation["responses"].setdefault("default", default)


def _tags() -> list[dict]:
    kernel = [{"name": area, "description": description} for _p, area, description in KERNEL_ROUTERS]
    modules = [{"name": spec.code, "description": str(spec.name)} for spec in registry if spec.api_router]
    return kernel + modules


def require_module_enabled(module_code: str):
    """A module's endpoints answer only where the module is enabled for the caller's region (加盟).
    Platform accounts without a unit are not tied to a region and pass."""

    def decorator(view_func):
        @wraps(view_func)
        def guarded(request, *args, **kwargs):
            unit = getattr(getattr(request, "auth", None), "unit", None)
            if unit is not None and not is_enabled(module_code, unit.region_id):
                raise ApiError(403, _("This module is not enabled for your region."), code="module_disabled")
            return view_func(request, *args, **kwargs)

        return guarded

    return decorator


def build_api() -> JiguanAPI:
    api = JiguanAPI(
        title="Jiguan API",
        version="1",
        description="机关事务管理平台 REST API。认证：Authorization: Bearer <令牌>（POST /auth/token 获取），"
        "或浏览器会话（修改类请求需带 X-CSRFToken）。所有错误统一为 Error 格式。",
        urls_namespace="api",
        auth=AUTH,
        docs=LocalSwagger(),
    )
    install_handlers(api)
    for prefix, area, _description in KERNEL_ROUTERS:
        api.add_router(prefix, import_string(f"{KERNEL_ROUTER_MODULE}{area}.router"), tags=[area])
    for spec in registry:
        if spec.api_router:
            # A mount point of our own carries the enablement check, so the module's router is not altered.
            mount = Router(tags=[spec.code])
            mount.add_decorator(require_module_enabled(spec.code))
            mount.add_router("", import_string(spec.api_router))
            api.add_router(f"/{spec.code}/", mount)
    return api


api = build_api()
