"""Kernel use cases. Services are the only place state changes: each checks permission and scope,
runs in a transaction, locks what can race, and records timeline, audit and notifications."""
