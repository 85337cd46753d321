"""REST API: alerts."""

from ninja import Router

router = Router()
