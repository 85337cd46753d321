"""kpis"""
