"""One ingest at a time per ``ADVISOR_HOME``.

Two terminals (or a terminal and the page's upload) that ingest into one store would
interleave their writes and their view of which chunks exist; an exclusive
``flock`` on ``ADVISOR_HOME/ingest.lock`` makes the second wait for the first. The
kernel drops the lock when its process ends, even on SIGKILL, so a killed ingest
never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from advisor.config import Settings

WAIT_MESSAGE = "waiting for another ingest to finish…"
_POLL_S = 0.2


class IngestBusy(RuntimeError):
    """Another ingest held the store for longer than ``ingest_lock_wait_s``."""


@contextmanager
def ingest_lock(
    settings: Settings, on_wait: Callable[[str], None] | None = None, wait_s: float | None = None
) -> Iterator[None]:
    """Hold the store's ingest lock, waiting up to ``wait_s`` (default ``settings.ingest_lock_wait_s``).

    While waiting it says so on stderr and to ``on_wait`` (the page's status line).
    """
    wait_s = settings.ingest_lock_wait_s if wait_s is None else wait_s
    settings.home.mkdir(parents=True, exist_ok=True)
    with open(settings.home / "ingest.lock", "a") as handle:
        if not _try_lock(handle):
            if wait_s > 0:
                print(WAIT_MESSAGE, file=sys.stderr, flush=True)
                if on_wait:
                    on_wait(WAIT_MESSAGE)
            deadline = time.monotonic() + wait_s
            while not _try_lock(handle):
                if time.monotonic() >= deadline:
                    raise IngestBusy(
                        f"another ingest into {settings.home} is still running after {wait_s:g} s; "
                        "try again when it has finished (or wait longer with ADVISOR_INGEST_LOCK_WAIT_S)"
                    )
                time.sleep(_POLL_S)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _try_lock(handle) -> bool:
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
