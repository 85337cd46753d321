"""全省办公用房管理 — office space: the ledger (院落 → 楼栋 → 楼层 → 房间), occupants, the 2014 area
standard, over-standard and idle analysis, recoveries and violations. The reference module: every
later module follows its layout (DESIGN.md, "How a module is built")."""
