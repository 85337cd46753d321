"""One ninja router per kernel area, mounted by ``jiguan.api.api``. Handlers are thin: they parse with
schemas, read through ``scoped()`` and change data only through ``jiguan.core.services``."""
