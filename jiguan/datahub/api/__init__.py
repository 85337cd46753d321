"""数据治理中心 REST API, mounted at /api/v1/datahub/: one router per area."""

from ninja import Router

from . import catalog, quality, reporting, runs

router = Router()
router.add_router("/catalog", catalog.router)
router.add_router("/runs", runs.router)
router.add_router("/quality", quality.router)
router.add_router("/reporting", reporting.router)
