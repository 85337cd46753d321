"""One source per fact (data elements, discrepancies, master data with history) and data quality."""

__all__: list[str] = []
