"""综合运行监测中心 REST API, mounted at /api/v1/monitor/: one router per area."""

from ninja import Router

from . import alerts, costs, health, kpis, screen

router = Router()
router.add_router("/kpis", kpis.router)
router.add_router("/alerts", alerts.router)
router.add_router("/screen", screen.router)
router.add_router("/costs", costs.router)
router.add_router("/health", health.router)
