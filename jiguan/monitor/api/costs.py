"""REST API: costs."""

from ninja import Router

router = Router()
