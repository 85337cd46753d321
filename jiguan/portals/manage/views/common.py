"""What every page of the portal does the same way: call a service on valid input and turn its refusals
into messages on the form, answer htmx with a fragment and everyone else with a redirect."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import astuple
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from jiguan.core.access import is_htmx
from jiguan.core.errors import ServiceError
from jiguan.core.excel_import import ImportRejected, RowError, error_report_response
from jiguan.core.statemachine import timeline

from ..forms import PortalForm


def submit(request: HttpRequest, form: PortalForm, action: Callable[[], Any], success: str) -> tuple[bool, Any]:
    """Run ``action()`` (a service call) if ``form`` is valid. A refusal lands on the form's fields and
    nothing is changed (the service runs in its own transaction). Returns ``(succeeded, result)``."""
    if not form.is_valid():
        return False, None
    try:
        result = action()
    except ServiceError as error:
        form.apply_service_error(error)
        return False, None
    messages.success(request, success)
    return True, result


def perform(request: HttpRequest, action: Callable[[], Any], success: str) -> bool:
    """Run a service call that has no form (a button); a refusal becomes an error message."""
    try:
        action()
    except ServiceError as error:
        messages.error(request, error.message)
        return False
    messages.success(request, success)
    return True


def next_url(request: HttpRequest, default: str) -> str:
    """Where to go back to: ``?next=`` when it is a page of this site (never another host), else ``default``."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return candidate
    return default


def fragment_or_redirect(
    request: HttpRequest, template: str, context: dict, fallback_url: str, *args, **kwargs
) -> HttpResponse:
    """htmx gets the fragment (messages go with it as toasts); a plain form post goes back to a page."""
    if is_htmx(request):
        return render(request, template, context)
    return redirect(fallback_url, *args, **kwargs)


def labelled_timeline(obj, actions: dict, states) -> list[dict]:
    """A module object's timeline as ``manage/_timeline.html`` draws it: each entry, its action's and its new
    state's label."""
    labels = dict(states.choices)
    return [{"entry": entry, "label": actions.get(entry.action, entry.action),
             "to": labels.get(entry.to_state, entry.to_state)}
            for entry in timeline(obj).select_related("actor__person")]


def attempt_import(request: HttpRequest, form, importer: Callable[[], Any], report_key: str) -> tuple[bool, Any, list]:
    """Run ``importer()`` for a valid Excel import form: ``(True, its result, [])``, or ``(False, None, the
    refused rows)`` with the refusal on the form and the rows kept in the session under ``report_key`` for
    ``import_report``."""
    try:
        return True, importer(), []
    except ImportRejected as rejected:
        request.session[report_key] = [astuple(error) for error in rejected.row_errors]
        form.add_error(None, rejected.message)
        return False, None, rejected.row_errors
    except ServiceError as error:
        form.apply_service_error(error)
        return False, None, []


def import_report(request: HttpRequest, report_key: str, filename: str, upload_url: str) -> HttpResponse:
    """The last refused import's rows as a workbook (kept in the session until the next import)."""
    stored = request.session.get(report_key)
    if not stored:
        messages.info(request, _("There is no import error report; upload a file first."))
        return redirect(upload_url)
    return error_report_response(filename, [RowError(*values) for values in stored])
