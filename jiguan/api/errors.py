"""One error shape for every API error: ``{"code", "message", "field", "errors": [{"field", "message"}]}``.

Messages are Chinese (gettext, English msgids). Pydantic's validation errors are translated here, with
the field named by its schema ``title`` (an English msgid marked with ``gettext_noop``).
"""

from __future__ import annotations

import logging
import types
import typing
from contextlib import contextmanager
from enum import Enum
from functools import partial

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from jiguan.core.context import current
from jiguan.core.errors import ServiceError, ValidationFailed

logger = logging.getLogger(__name__)

# The code a client switches on, by HTTP status, for errors that do not name their own.
CODE_BY_STATUS = {
    400: "invalid",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    429: "rate_limited",
    500: "server_error",
}
# Where a request value came from: the first element of a ninja error location.
PARAM_SOURCES = {"body", "query", "path", "header", "cookie", "form", "file"}

# Pydantic error type -> message; %(field)s is the field's label, the rest come from the error's ctx.
PYDANTIC_MESSAGES = {
    "missing": N_("%(field)s is required."),
    "string_type": N_("%(field)s must be text."),
    "int_type": N_("%(field)s must be a whole number."),
    "int_parsing": N_("%(field)s must be a whole number."),
    "int_from_float": N_("%(field)s must be a whole number."),
    "float_type": N_("%(field)s must be a number."),
    "float_parsing": N_("%(field)s must be a number."),
    "decimal_type": N_("%(field)s must be a number."),
    "decimal_parsing": N_("%(field)s must be a number."),
    "bool_type": N_("%(field)s must be true or false."),
    "bool_parsing": N_("%(field)s must be true or false."),
    "string_too_short": N_("%(field)s must be at least %(min_length)s characters long."),
    "string_too_long": N_("%(field)s must be at most %(max_length)s characters long."),
    "too_short": N_("%(field)s needs at least %(min_length)s items."),
    "too_long": N_("%(field)s allows at most %(max_length)s items."),
    "greater_than": N_("%(field)s must be greater than %(gt)s."),
    "greater_than_equal": N_("%(field)s must be at least %(ge)s."),
    "less_than": N_("%(field)s must be less than %(lt)s."),
    "less_than_equal": N_("%(field)s must be at most %(le)s."),
    "literal_error": N_("%(field)s must be one of: %(expected)s."),
    "enum": N_("%(field)s must be one of: %(expected)s."),
    "string_pattern_mismatch": N_("%(field)s is not in the expected format."),
    "date_type": N_("%(field)s must be a date such as 2026-03-01."),
    "date_parsing": N_("%(field)s must be a date such as 2026-03-01."),
    "date_from_datetime_parsing": N_("%(field)s must be a date such as 2026-03-01."),
    "datetime_type": N_("%(field)s must be a date and time such as 2026-03-01T09:30:00+08:00."),
    "datetime_parsing": N_("%(field)s must be a date and time such as 2026-03-01T09:30:00+08:00."),
    "datetime_from_date_parsing": N_("%(field)s must be a date and time such as 2026-03-01T09:30:00+08:00."),
    "list_type": N_("%(field)s must be a list."),
    "dict_type": N_("%(field)s must be a JSON object."),
    "model_type": N_("%(field)s must be a JSON object."),
    "model_attributes_type": N_("%(field)s must be a JSON object."),
    "extra_forbidden": N_("%(field)s is not an accepted field."),
    "value_error": N_("%(field)s: %(error)s"),
    "assertion_error": N_("%(field)s: %(error)s"),
}
FALLBACK_MESSAGE = N_("%(field)s is invalid.")


class ApiError(Exception):
    """An error the API raises itself (not a service refusal), rendered in the one shape."""

    def __init__(self, status: int, message: str, code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.status, self.message, self.field = status, message, field
        self.code = code or CODE_BY_STATUS.get(status, "invalid")


@contextmanager
def reported_as(field_names: dict[str, str]):
    """Report a service's field errors under the names the API client sent (e.g. ``text`` → ``comment``)."""
    try:
        yield
    except ValidationFailed as exc:
        raise ValidationFailed({field_names.get(f, f): messages for f, messages in exc.errors.items()}) from None


def error_body(code: str, message: str, field: str | None = None, errors: list[dict] | None = None) -> dict:
    if errors is None:
        errors = [{"field": field, "message": message}]
    return {"code": code, "message": message, "field": field, "errors": errors}


def error_response(api, request: HttpRequest, status: int, body: dict) -> HttpResponse:
    response = api.create_response(request, body, status=status)
    if status == 401:
        response["WWW-Authenticate"] = "Bearer"
    return response


# --- translating pydantic's validation errors -----------------------------------------------------

def translate_error(error: dict, model: type[BaseModel] | None = None, model_loc: tuple = ()) -> dict:
    """One pydantic error (``loc`` as the client sees it: source, then field path) -> {field, message}.

    ``model`` is ninja's params model and ``model_loc`` the error's location inside it; with them the
    field's schema ``title`` labels the message.
    """
    error_type = error.get("type", "")
    if error_type == "json_invalid":
        return {"field": None, "message": _("The request body is not valid JSON.")}
    loc = [part for part in error.get("loc", ()) if part is not None]
    source = loc.pop(0) if loc and loc[0] in PARAM_SOURCES else None
    if source == "body":
        loc = loc[1:]  # the handler's parameter name, not a field the client sent
        if not loc:
            empty = error_type == "missing"
            message = _("The request body is empty: send a JSON object.") if empty else _(
                "The request body must be a JSON object."
            )
            return {"field": None, "message": message}
    field = ".".join(str(part) for part in loc) or None
    info = _field_info(model, model_loc)
    label = _(info.title) if info is not None and info.title and error_type != "extra_forbidden" else field
    params = {**_context(error, info), "field": f"“{label}”"}
    try:
        message = _(PYDANTIC_MESSAGES.get(error_type, FALLBACK_MESSAGE)) % params
    except (KeyError, TypeError, ValueError):
        message = _(FALLBACK_MESSAGE) % params
    return {"field": field, "message": message}


def _context(error: dict, info: FieldInfo | None) -> dict:
    ctx = dict(error.get("ctx") or {})
    if error.get("type") in ("literal_error", "enum"):
        allowed = _allowed_values(info)
        if allowed:
            ctx["expected"] = "、".join(allowed)
    if "error" in ctx:
        ctx["error"] = str(ctx["error"]).removeprefix("Value error, ")
    return ctx


def _allowed_values(info: FieldInfo | None) -> list[str]:
    """The choices a Literal or Enum field accepts, listed for the message."""
    if info is None:
        return []
    for arg in _unwrap(info.annotation):
        if typing.get_origin(arg) is typing.Literal:
            return [str(v) for v in typing.get_args(arg)]
        if isinstance(arg, type) and issubclass(arg, Enum):
            return [str(member.value) for member in arg]
    return []


def _unwrap(annotation) -> list:
    """An annotation and, for Optional / unions / list[...], the types inside it."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType, list, tuple, typing.Annotated):
        return [inner for arg in typing.get_args(annotation) for inner in _unwrap(arg)]
    return [annotation]


def _field_info(model: type[BaseModel] | None, loc: list) -> FieldInfo | None:
    """Walk ``loc`` through nested pydantic models to the FieldInfo it ends at."""
    info, current = None, model
    for part in loc:
        if isinstance(part, int):
            continue
        fields = getattr(current, "model_fields", None)
        if not fields or part not in fields:
            return None
        info = fields[part]
        current = next((t for t in _unwrap(info.annotation) if isinstance(t, type) and issubclass(t, BaseModel)), None)
    return info


# --- exception handlers: each returns (status, body) ------------------------------------------------

# ninja's own English messages, replaced by ours; a message a module chose is kept.
NINJA_MESSAGES = {"Unauthorized", "Forbidden", "CSRF check Failed", "Too many requests."}


def _validation(request, exc: NinjaValidationError) -> tuple[int, dict]:
    # Errors built by JiguanAPI are translated already; others (raised by hand) are translated here.
    errors = [e if "message" in e and "type" not in e else translate_error(e) for e in exc.errors]
    first = errors[0] if errors else {"field": None, "message": _("The request is invalid.")}
    return 400, error_body("validation_error", first["message"], first["field"], errors)


def _validation_failed(request, exc: ValidationFailed) -> tuple[int, dict]:
    errors = [
        {"field": None if field == "__all__" else field, "message": str(message)}
        for field, messages in exc.errors.items()
        for message in messages
    ]
    return exc.status, error_body(exc.code, str(exc.message), exc.field, errors)


def _service_error(request, exc: ServiceError) -> tuple[int, dict]:
    code = exc.code if exc.code != ServiceError.code else CODE_BY_STATUS.get(exc.status, ServiceError.code)
    return exc.status, error_body(code, str(exc.message), exc.field)


def _api_error(request, exc: ApiError) -> tuple[int, dict]:
    return exc.status, error_body(exc.code, exc.message, exc.field)


def _django_validation(request, exc: DjangoValidationError) -> tuple[int, dict]:
    by_field = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return _validation_failed(request, ValidationFailed(by_field))


def _not_found(request, exc: Http404) -> tuple[int, dict]:
    # One message whatever the cause: an out-of-scope record must look exactly like a missing one.
    return 404, error_body("not_found", _("The requested record does not exist."))


def _forbidden(request, exc: PermissionDenied) -> tuple[int, dict]:
    return 403, error_body("forbidden", str(exc) or _("You do not have the permission for this action."))


def _unauthenticated(request, exc: AuthenticationError) -> tuple[int, dict]:
    return 401, error_body("unauthenticated", _unauthenticated_message())


def _http_error(request, exc: HttpError) -> tuple[int, dict]:
    status, message = exc.status_code, str(exc)
    if status == 400 and message.startswith("Cannot parse request body"):  # ninja's JSON parse failure
        return 400, error_body("invalid_json", _("The request body is not valid JSON."))
    if message in NINJA_MESSAGES:
        message = {
            401: _unauthenticated_message(),
            403: _("You do not have the permission for this action."),
            429: _("Too many requests. Please wait a moment and try again."),
        }.get(status, message)
    return status, error_body(CODE_BY_STATUS.get(status, "invalid"), message)


def _integrity(request, exc: IntegrityError) -> tuple[int, dict]:
    # A constraint caught what a concurrent request changed between a service's checks and its write.
    logger.warning("API integrity error on %s: %s", request.path, exc)
    message = _("The data was changed by someone else at the same time. Refresh and try again.")
    return 409, error_body("conflict", message)


def _unexpected(request, exc: Exception) -> tuple[int, dict]:
    logger.exception("API error on %s %s", request.method, request.path)
    message = _("Internal server error. Please try again later (request ID %(id)s).") % {"id": current().request_id}
    return 500, error_body("server_error", message)


def _unauthenticated_message() -> str:
    return _("Sign in first, or send a valid access token (Authorization: Bearer …).")


HANDLERS = (
    (NinjaValidationError, _validation),
    (ValidationFailed, _validation_failed),
    (ServiceError, _service_error),
    (ApiError, _api_error),
    (DjangoValidationError, _django_validation),
    (Http404, _not_found),
    (PermissionDenied, _forbidden),
    (AuthenticationError, _unauthenticated),
    (HttpError, _http_error),
    (IntegrityError, _integrity),
    (Exception, _unexpected),
)


def install_handlers(api) -> None:
    """Every failure, whatever raised it, answers with the one error shape."""
    for exc_class, handler in HANDLERS:
        api.add_exception_handler(exc_class, partial(_respond, api, handler))


def _respond(api, handler, request: HttpRequest, exc: Exception) -> HttpResponse:
    status, body = handler(request, exc)
    response = error_response(api, request, status, body)
    retry_after = getattr(exc, "retry_after", None) or getattr(exc, "wait", None)  # RateLimited, Throttled
    if status == 429 and retry_after:
        response["Retry-After"] = str(int(retry_after))
    return response
