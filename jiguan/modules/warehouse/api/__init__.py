"""公物仓 REST API, mounted at /api/v1/warehouse/: one router per workflow, mounted here. Thin: reads go
through ``services`` (classified cards only for cleared users), writes through ``services``; every rule
lives there."""

from ninja import Router

router = Router()

from . import disposal as disposal_api  # noqa: E402
from . import idle as idle_api  # noqa: E402
from . import intake, reuse, warehouses  # noqa: E402
from . import loans as loans_api  # noqa: E402

router.add_router("/intake", intake.router)
router.add_router("", warehouses.router)  # /warehouses, /locations, /assets/{id}
router.add_router("", reuse.router)  # /catalogue, /reuse-requests, /purchase-checks
router.add_router("", idle_api.router)  # /idle-assets
router.add_router("", disposal_api.router)  # /lots, /bidders, /bidding/…
router.add_router("", loans_api.router)  # /loans, /repairs
