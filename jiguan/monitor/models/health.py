"""health"""

__all__: list[str] = []
