"""REST API: reporting."""

from ninja import Router

router = Router()
