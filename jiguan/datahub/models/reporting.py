"""Reporting up the four levels: reporting tasks, submissions, roll-ups, packages between installations."""

__all__: list[str] = []
