"""Screens of 全省办公用房管理: the ledger and its analyses in the management portal (``manage``), and
"my office" in the service portal (``service``). Views are thin: rules live in ``services.py`` and
``standards.py``; every query goes through ``scoped()``."""
