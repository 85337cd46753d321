"""Template helpers of the service portal: the unread badge count, status colours, names and stars."""

from django import template
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from jiguan.core.services import notifications

from ..icons import THEME_COLOR

register = template.Library()

# The bottom tab bar: (key views pass as ``tab``, URL name, icon, label).
TABS = (
    ("home", "service:home", "home", _("Home")),
    ("work", "service:applications", "briefcase", _("Services")),
    ("todos", "service:todos", "checklist", _("To-dos")),
    ("inbox", "service:inbox", "message", _("Messages")),
    ("me", "service:profile", "user", _("Me")),
)

# Tabler colour of each approval / event status badge.
STATUS_COLORS = {
    "pending": "blue",
    "returned": "orange",
    "approved": "green",
    "rejected": "red",
    "withdrawn": "secondary",
    "new": "blue",
    "dispatched": "azure",
    "in_progress": "yellow",
    "resolved": "green",
    "closed": "secondary",
}


@register.simple_tag
def theme_color() -> str:
    return THEME_COLOR


@register.simple_tag
def service_tabs() -> list[tuple[str, str, str, str]]:
    return [(key, reverse(url_name), icon, label) for key, url_name, icon, label in TABS]


@register.simple_tag(takes_context=True)
def unread_count(context) -> int:
    return notifications.unread_count(context["request"].user)


@register.filter
def status_color(status: str) -> str:
    return STATUS_COLORS.get(status, "secondary")


@register.filter
def stars(rating: int) -> str:
    """A 1–5 rating as stars: 4 → ★★★★☆."""
    return "★" * rating + "☆" * (5 - rating)


@register.filter
def who(account) -> str:
    """An account as people know it: the staff member's name, else the account's own name."""
    if account is None:
        return ""
    return account.person.name if account.person_id else str(account)
