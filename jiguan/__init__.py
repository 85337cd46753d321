"""Jiguan 机关事务管理平台.

The package shows the platform's 1 + 2 + N shape:

- ``core``      shared kernel (身份通·业务通·数据通): regions, units, people, accounts, roles and
                data scopes, audit, events, approvals, notifications, attachments, dictionaries,
                cost ledger and the module registry.
- ``portals``   the two entrances: ``manage`` (管理入口) and ``service`` (服务入口, mobile-first).
- ``api``       the REST API (``/api/v1/``) the service app and other systems use.
- ``modules``   the N business subsystems (应用子系统), each a self-contained Django app.
- ``config``    settings, URL roots, ASGI/WSGI.

The data governance center (``datahub``) and the operation monitoring center (``monitor``) join
as their own packages.
"""
