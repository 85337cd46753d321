"""省直周转住房管理 — staff housing: the stock (estates → buildings → flats with their meters),
applications (申请 → 单位确认 → 资格审核), the transparent waiting list (轮候) and offers (配租), leases
(签约 → 入住 → 续租 | 退房), the tenancy's ledger of rent, utilities and payments, the annual review (年审),
and the end of a tenancy (termination, move-out period, overstay, check-out and settlement)."""
