"""The annual statistics report (统计报告), rolled up and submitted level by level."""
