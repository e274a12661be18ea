"""The one way this project opens its small SQLite files (feedback, prepared vectors)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def transaction(path: Path, schema: str, timeout: float = 10) -> Iterator[sqlite3.Connection]:
    """A connection in one transaction, always closed (``with sqlite3.connect`` only commits), with the table
    made if missing. WAL, so the page's threads and a terminal's process can read while one writes."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=timeout)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(schema)
        with conn:
            yield conn
    finally:
        conn.close()
