"""公物仓 — the pool of surplus public property: asset cards in the GB/T 14885-2022 categories, physical
warehouses (central and branches) and the virtual pool, intake (入仓), the catalogue and reuse (调剂) with
"search before you buy". Loans, repair, disposal and bidding build on these models in the next landing."""
