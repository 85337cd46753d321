"""REST API: screen."""

from ninja import Router

router = Router()
