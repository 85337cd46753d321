"""``{% may_sign offer request.user as allowed %}``: whether the user may sign the lease of an offer, for the
offer's page (the button to the signing form)."""

from django import template

from ..services.leases import may_sign as may_sign_offer

register = template.Library()


@register.simple_tag
def may_sign(offer, user) -> bool:
    return may_sign_offer(offer, user)
