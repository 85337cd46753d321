"""Demo data for ``manage.py seed``: Jiangxi's real agencies, their departments and staff, the demo
accounts, and a little activity (notices, events, flows, module switches).

Everything is drawn from one seeded ``random.Random``, so two runs at the same scale produce the same
rows. The master data (units, departments, people) is written with ``bulk_create`` and one
``audit.log_bulk`` row per table and level; activity goes through the kernel services like any user's.
"""
