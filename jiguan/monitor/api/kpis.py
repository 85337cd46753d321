"""REST API: kpis."""

from ninja import Router

router = Router()
