"""The monitoring center's use cases, one file per area; the only place its state changes."""
