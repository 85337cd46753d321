"""Template filters of the office-space screens."""

from django import template

register = template.Library()


@register.filter
def magnitude(number: int) -> int:
    """A countdown's size without its sign: −5 days left is 5 days overdue."""
    return abs(number)
