"""Demo data of the monitor, one file per area."""
