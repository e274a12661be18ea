"""The one way this project opens its small SQLite files (feedback, prepared vectors)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def transaction(path: Path, schema: str, migrations: tuple[str, ...] = (),
                timeout: float = 10) -> Iterator[sqlite3.Connection]:
    """A connection in one transaction, always closed (``with sqlite3.connect`` only commits), with the table
    made if missing and ``migrations`` (ALTER TABLE ... ADD COLUMN) applied where not yet done. WAL, so the
    page's threads and a terminal's process can read while one writes."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=timeout)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(schema)
        for statement in migrations:
            try:
                conn.execute(statement)
            except sqlite3.OperationalError as exc:  # already applied ("duplicate column name")
                if "duplicate column" not in str(exc):
                    raise
        with conn:
            yield conn
    finally:
        conn.close()
