"""alerts"""

__all__: list[str] = []
