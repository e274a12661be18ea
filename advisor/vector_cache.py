"""Sentence vectors kept on disk, so a question does not wait for its passages to be embedded.

Answering embeds every usable sentence of the retrieved passages, alone and under its
heading (advisor/selection.py), and every sentence the grounder compares with them: for
a question whose passages no earlier question retrieved, that is most of its time. The
serving process prepares those vectors for the whole store in the background
(:meth:`advisor.chain.Advisor.prepare_passages`) and keeps them here, keyed by the
embedding model and the text, so a restart or a second process finds them ready.

One SQLite file under ADVISOR_HOME; a connection per call, so threads and processes
share it safely. A key is a digest of model and text: a vector is right for as long as
its text exists, and a text no passage holds any more is merely never asked for.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from advisor.database import transaction

_SCHEMA = "CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, vector BLOB NOT NULL)"
_BATCH = 500  # SQLite's default limit on host parameters is 999


class VectorCache:
    """A persistent text -> float32 vector map for one embedding model."""

    def __init__(self, path: Path, model: str, dimension: int) -> None:
        self.path = Path(path)
        self.model = model
        self.dimension = dimension

    def _key(self, text: str) -> bytes:
        return hashlib.sha1(f"{self.model}\0{text}".encode()).digest()

    def _connect(self):
        return transaction(self.path, _SCHEMA, timeout=30)

    def get(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """The stored vectors of those texts that have one."""
        keys = {self._key(t): t for t in dict.fromkeys(texts)}
        found: dict[str, np.ndarray] = {}
        if not keys or not self.path.is_file():
            return found
        with self._connect() as conn:
            wanted = list(keys)
            for start in range(0, len(wanted), _BATCH):
                part = wanted[start:start + _BATCH]
                rows = conn.execute(f"SELECT key, vector FROM vectors WHERE key IN ({','.join('?' * len(part))})", part)
                for key, blob in rows:
                    vector = np.frombuffer(blob, dtype=np.float32)
                    if vector.shape == (self.dimension,):
                        found[keys[bytes(key)]] = vector
        return found

    def missing(self, texts: Sequence[str]) -> list[str]:
        """The texts (once each, in order) that have no stored vector."""
        have = self.get(texts)
        return [t for t in dict.fromkeys(texts) if t not in have]

    def put(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        rows = [(self._key(t), np.asarray(v, dtype=np.float32).tobytes()) for t, v in zip(texts, vectors)]
        if rows:
            with self._connect() as conn:
                conn.executemany("INSERT OR REPLACE INTO vectors (key, vector) VALUES (?, ?)", rows)

    def __len__(self) -> int:
        if not self.path.is_file():
            return 0
        with self._connect() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM vectors").fetchone()[0])
