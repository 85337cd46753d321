"""REST API: runs."""

from ninja import Router

router = Router()
