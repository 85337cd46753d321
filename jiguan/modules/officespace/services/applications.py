"""Space applications (用房申请) and their allocation in the order 调剂 → 置换 → 租用 → 建设."""
