"""REST API: health."""

from ninja import Router

router = Router()
