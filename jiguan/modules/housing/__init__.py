"""省直周转住房管理 — staff housing: the stock (estates → buildings → flats with their meters),
applications (申请 → 单位确认 → 资格审核), the transparent waiting list (轮候) and offers (配租).
Leases, rent and move-out build on these models in the next landing."""
