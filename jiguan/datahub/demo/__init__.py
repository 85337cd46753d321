"""Demo data of the data center, one file per area."""
