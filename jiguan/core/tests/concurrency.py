"""Run functions at the same moment in separate threads, each with its own database connection, to
test what happens when two requests race.

pytest-django's SQLite test database lives in shared-cache memory, where a second writer fails at once
("table is locked") instead of queueing as it does on the real WAL file with IMMEDIATE transactions.
So on SQLite the database is copied to a file for the race and copied back afterwards; on PostgreSQL
the threads use the test database directly.
"""

import sqlite3
import threading
from pathlib import Path

from django.db import connection, connections


def run_at_once(*functions, tmp_path: Path) -> list:
    """Call each function in its own thread, released together; returns each result or raised exception."""
    file_copy = _to_file(tmp_path) if connection.vendor == "sqlite" and connection.is_in_memory_db() else None
    results: list = [None] * len(functions)
    start = threading.Barrier(len(functions))

    def run(index, function):
        thread_connection = connections["default"]
        if file_copy:
            thread_connection.settings_dict = {**thread_connection.settings_dict, "NAME": file_copy}
        try:
            thread_connection.ensure_connection()
            start.wait(timeout=30)
            results[index] = function()
        except Exception as exc:  # the outcome under test, examined by the caller
            results[index] = exc
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if file_copy:
        _from_file(file_copy)
    return results


def _to_file(tmp_path: Path) -> str:
    path = str(tmp_path / "race.sqlite3")
    connection.ensure_connection()
    target = sqlite3.connect(path)
    connection.connection.backup(target)
    target.close()
    return path


def _from_file(path: str) -> None:
    source = sqlite3.connect(path)
    source.backup(connection.connection)
    source.close()
