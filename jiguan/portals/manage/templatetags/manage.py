"""Layout pieces of the management portal: the sidebar (from the registry) and the top bar."""

from datetime import datetime, timedelta
from decimal import Decimal

from django import template
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext, ngettext

from ..labels import approval_type_label
from ..menu import build_menu

register = template.Library()


@register.inclusion_tag("manage/_sidebar.html", takes_context=True)
def manage_sidebar(context):
    request = context["request"]
    return {"sections": build_menu(request.user, request.path), "PLATFORM_NAME": context.get("PLATFORM_NAME")}


@register.inclusion_tag("manage/_topbar.html", takes_context=True)
def manage_topbar(context):
    from jiguan.core.services.notifications import unread_count

    request = context["request"]
    user = request.user
    return {
        "request": request,
        "user": user,
        "unit": user.unit,
        "unread": unread_count(user),
        "csrf_token": context.get("csrf_token"),
        "LANGUAGE_CODE": context.get("LANGUAGE_CODE"),
        "LANGUAGES": context.get("LANGUAGES"),
    }


register.filter("approval_type_label", approval_type_label)


@register.filter
def stars(rating: int | None) -> str:
    return "★" * (rating or 0)


@register.filter
def interval(every: timedelta) -> str:
    """A job's period in words: 每 5 分钟, 每 6 小时, 每 1 天."""
    minutes = int(every.total_seconds() // 60)
    if minutes % (24 * 60) == 0:
        days = minutes // (24 * 60)
        return ngettext("every %(n)d day", "every %(n)d days", days) % {"n": days}
    if minutes % 60 == 0:
        hours = minutes // 60
        return ngettext("every %(n)d hour", "every %(n)d hours", hours) % {"n": hours}
    return ngettext("every %(n)d minute", "every %(n)d minutes", minutes) % {"n": minutes}


@register.filter
def cell(value):
    """A list cell: times in local time to the second, yes/no for flags, amounts and areas with thousands
    separators (10,690.65), nothing for None."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return number_format(value, force_grouping=True)
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, datetime):
        return date_format(timezone.localtime(value), "Y-m-d H:i:s")
    return value
