"""screen"""

__all__: list[str] = []
