"""``{% end_actions lease request.user as actions %}``: what the user may do about the end of a lease, for the
lease pages that include ``housing/endings/_lease_actions.html``."""

from django import template

from ..services.endings import allowed_end_actions

register = template.Library()


@register.simple_tag
def end_actions(lease, user) -> set[str]:
    return allowed_end_actions(lease, user)
