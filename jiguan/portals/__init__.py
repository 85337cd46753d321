"""The two entrances: ``manage`` (管理入口) and ``service`` (服务入口). Shells that mount module screens."""
