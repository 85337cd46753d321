"""REST API: Major repairs (大中修): requests, the priority score and the bureau's queue."""

from ninja import Router

router = Router()
