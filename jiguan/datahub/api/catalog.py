"""REST API: catalog."""

from ninja import Router

router = Router()
