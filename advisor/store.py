"""The Chroma vector store: embedded on disk by default, a Chroma server when configured.

Ingest and retrieval both talk to the raw collection (ids, hashes, upserts, queries
with our own vectors); both get it from here, so both see one store.

Search must filter. Ingest writes a file's chunks with ``ready: False`` and flips
them to ``ready: True`` only once all of them are stored, so a killed ingest never
leaves half a document searchable. A visitor's upload on the page is stored with
``private: True`` and its session's ``owner`` id: it answers that session only. Every
query and get that serves an answer must pass ``where=searchable_where(...)``, which
says both rules; stores built before the ``ready`` flag existed are migrated by the
next ``python -m ingest`` (or app start).

Other processes' writes. An embedded ``PersistentClient`` keeps index state in
memory and does not see another process's writes (queries then fail with "Error
finding id"). Every change made through ingest ends with :func:`mark_changed`, which
rewrites ``store_dir/REVISION``; :func:`shared_client` compares that file with what
it saw when it opened its client and reopens the client when it differs. A Chroma
server (``ADVISOR_CHROMA_URL``) serves every process itself, so nothing is reopened.

Faults of the store itself. A store whose files cannot be read (``chroma.sqlite3``
overwritten or truncated: "file is not a database", "database disk image is malformed")
and a Chroma server that cannot be reached are raised as :class:`StoreDamaged` and
:class:`StoreUnavailable`, whose messages say what to do (``python -m ingest --rebuild``
moves a damaged store aside and builds it again; ingest/pipeline.py). The process's
client is dropped with the fault (:func:`forget`), so the request after the repair (a
rebuild, a restarted server) opens the store afresh without a restart.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from advisor.config import Settings, configure_offline, get_settings


class StoreUnavailable(RuntimeError):
    """The store cannot be opened or reached; the message says what to do."""


class StoreDamaged(StoreUnavailable):
    """The embedded store's files cannot be read (overwritten, truncated): it must be rebuilt."""


REBUILD_COMMAND = "python -m ingest --rebuild"
# What SQLite (through Chroma) says of a file it cannot read as a database.
_DAMAGE_SIGNS = ("file is not a database", "database disk image is malformed", "malformed database schema")


def _damage_sign(exc: BaseException | None) -> str | None:
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        text = str(exc).lower()
        sign = next((s for s in _DAMAGE_SIGNS if s in text), None)
        if sign:
            return sign
        exc = exc.__cause__ or exc.__context__
    return None


def _unreachable(exc: BaseException | None) -> bool:
    import httpx

    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, (httpx.TransportError, ConnectionError, TimeoutError)):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def damaged_message(settings: Settings, sign: str) -> str:
    return (f"The article store at {settings.store_dir} is damaged ({sign}). Run '{REBUILD_COMMAND}' to move it "
            "aside (it is kept, renamed) and build it again from the articles (corpus/, or the folders you name "
            "after --rebuild).")


def unreachable_message(settings: Settings, exc: BaseException) -> str:
    return (f"Cannot reach the Chroma server at {settings.chroma_url} ({type(exc).__name__}). "
            "Start it with 'chroma run' or unset ADVISOR_CHROMA_URL to use the local store.")


def store_fault(exc: BaseException, settings: Settings | None = None) -> StoreUnavailable | None:
    """The :class:`StoreUnavailable` that a failed store call means, or None when the store itself is not at fault."""
    if isinstance(exc, StoreUnavailable):
        return exc
    settings = settings or get_settings()
    if settings.chroma_url:
        return StoreUnavailable(unreachable_message(settings, exc)) if _unreachable(exc) else None
    sign = _damage_sign(exc)
    return StoreDamaged(damaged_message(settings, sign)) if sign else None


@contextlib.contextmanager
def store_faults(settings: Settings | None = None):
    """Raise a fault of the store itself as :class:`StoreUnavailable` (a message that says what to do), and drop
    the process's client, so the first request after the repair opens the store afresh."""
    settings = settings or get_settings()
    try:
        yield
    except Exception as exc:
        fault = store_fault(exc, settings)
        if fault is None:
            raise
        forget(settings)
        if fault is exc:
            raise
        raise fault from exc


READY_FILTER = {"ready": True}
# Shared chunks carry no ``private`` key (``$ne`` matches a missing key), so stores from
# before private uploads need no migration.
SHARED_FILTER = {"private": {"$ne": True}}


def searchable_where(extra: dict | None = None, owner: str | None = None) -> dict:
    """The ``where=`` of every search: chunks of completely ingested files that the shared store
    holds, or that ``owner`` (a page session) uploaded; and ``extra`` if given."""
    visible = {"$or": [SHARED_FILTER, {"owner": owner}]} if owner else SHARED_FILTER
    return {"$and": [READY_FILTER, visible] + ([extra] if extra else [])}


def uploads_revision(collection) -> int:
    """A counter bumped whenever a visitor's private uploads change (they leave the shared ``revision`` alone)."""
    return int((collection.metadata or {}).get("uploads_revision", 0))


def _chroma_settings():
    import chromadb.config

    return chromadb.config.Settings(anonymized_telemetry=False, allow_reset=True)


def open_client(settings: Settings | None = None):
    """A Chroma client: ``HttpClient`` when ``ADVISOR_CHROMA_URL`` is set, else ``PersistentClient``."""
    configure_offline()
    settings = settings or get_settings()
    import chromadb

    if settings.chroma_url:
        url = urlparse(settings.chroma_url if "://" in settings.chroma_url else f"http://{settings.chroma_url}")
        try:
            client = chromadb.HttpClient(
                host=url.hostname or "localhost",
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
                settings=_chroma_settings(),
            )
            client.heartbeat()
        except Exception as exc:
            raise StoreUnavailable(unreachable_message(settings, exc)) from exc
        return client
    settings.store_dir.mkdir(parents=True, exist_ok=True)
    try:
        return chromadb.PersistentClient(path=str(settings.store_dir), settings=_chroma_settings())
    except Exception as exc:
        _drop_unstarted_system(str(settings.store_dir))
        sign = _damage_sign(exc)
        if sign:
            raise StoreDamaged(damaged_message(settings, sign)) from exc
        raise


def _drop_unstarted_system(identifier: str) -> None:
    """Chroma caches a path's System before starting it; one whose start failed (a damaged file) would be
    handed to every later client of that path, so it is dropped (no client holds it)."""
    from chromadb.api.shared_system_client import SharedSystemClient

    with SharedSystemClient._refcount_lock:
        if identifier not in SharedSystemClient._identifier_to_refcount:
            SharedSystemClient._identifier_to_system.pop(identifier, None)


def collection_configuration(settings: Settings) -> dict:
    return {
        "hnsw": {
            "space": "cosine",
            "ef_search": settings.hnsw_ef_search,
            "ef_construction": settings.hnsw_ef_construction,
            "max_neighbors": settings.hnsw_max_neighbors,
        }
    }


def open_collection(settings: Settings | None = None, client=None):
    """The project's collection, created on first use (cosine space, tuned HNSW)."""
    settings = settings or get_settings()
    client = client or open_client(settings)
    # No embedding function: every add and query passes our own vectors, so Chroma's
    # default (which downloads a model) is never used.
    return client.get_or_create_collection(
        name=settings.collection,
        configuration=collection_configuration(settings),
        embedding_function=None,
    )


def revision(collection) -> int:
    """A counter that ingest bumps on every change; caches of the corpus key on it."""
    return int((collection.metadata or {}).get("revision", 0))


def bump_revision(collection, key: str = "revision") -> None:
    """Count a change. A new store's counter starts at the time it was made (in ms), not at 1: the caches of an
    earlier store at the same path (deleted or rebuilt under a running page) never take the new one for theirs."""
    metadata = dict(collection.metadata or {})
    metadata[key] = int(metadata[key]) + 1 if key in metadata else time.time_ns() // 1_000_000
    collection.modify(metadata=metadata)


DEFAULT_MAX_BATCH = 5000


def max_batch_size(client) -> int:
    """How many records one upsert/update/delete may carry (5,461 for the embedded store); writes are split to fit."""
    try:
        size = int(client.get_max_batch_size())
    except Exception:  # a client without the method
        return DEFAULT_MAX_BATCH
    return size if size > 0 else DEFAULT_MAX_BATCH  # a server that does not say answers -1


def write_batched(method, batch_size: int, ids: list[str], **columns) -> None:
    """Call ``collection.upsert``/``update``/``delete`` with at most ``batch_size`` ids at a time."""
    for start in range(0, len(ids), batch_size):
        end = start + batch_size
        method(ids=ids[start:end], **{name: values[start:end] for name, values in columns.items()})


@dataclass
class _Shared:
    client: object
    marker: str | None  # the REVISION file's content when the client was opened; None for a server


_lock = threading.Lock()
_clients: dict[tuple, _Shared] = {}


def _key(settings: Settings) -> tuple:
    return (settings.chroma_url, str(settings.store_dir.absolute()))


def _marker_file(settings: Settings) -> Path:
    return settings.store_dir / "REVISION"


def _read_marker(settings: Settings) -> str | None:
    if settings.chroma_url:
        return None
    try:
        return _marker_file(settings).read_text()
    except FileNotFoundError:
        return ""


def mark_changed(settings: Settings) -> None:
    """Record that the store changed, so other processes' embedded clients reopen (see the module notes)."""
    if settings.chroma_url:
        return
    token = f"{time.time_ns()} {os.getpid()}"
    path = _marker_file(settings)
    tmp = path.with_name(f".REVISION.{os.getpid()}.{threading.get_ident()}")
    tmp.write_text(token)
    # Under the lock, so a question in this process never sees the new token before its
    # client is known to be up to date (that would reopen the store in mid-upload).
    with _lock:
        before = _read_marker(settings)
        os.replace(tmp, path)  # atomic: another process sees the old token or the new one
        entry = _clients.get(_key(settings))
        if entry is not None and entry.marker == before:
            entry.marker = token  # this process made the change through that client: it is up to date


def deleted_message(settings: Settings) -> str:
    return (f"The article store at {settings.store_dir} was deleted while in use. Run 'python -m ingest' to build "
            "it again (from corpus/, or the folders you name).")


def shared_client(settings: Settings | None = None, reopen: bool = False, create: bool = False):
    """One client per store for the whole process, reopened when another process changed the store.

    Costs one small file read per call, so every query can go through it. ``reopen``
    forces a fresh client (a query that failed while another process was writing).
    A local store whose folder was deleted after this process opened it is not made
    again, empty, by a question: :class:`StoreUnavailable` says so until an ingest
    (``create``, here or in another process) has made it again.
    """
    settings = settings or get_settings()
    key = _key(settings)
    with _lock:
        marker = _read_marker(settings)  # before opening: a change after this read reopens next time
        entry = _clients.get(key)
        if not settings.chroma_url:
            if not create and not settings.store_dir.exists() and (entry is not None or key in _deleted):
                _deleted.add(key)
                if entry is not None:
                    del _clients[key]
                    _forget_system(entry.client)
                raise StoreUnavailable(deleted_message(settings))
            _deleted.discard(key)
        if entry is not None and entry.marker == marker and not reopen:
            return entry.client
        if entry is not None and not settings.chroma_url:
            _forget_system(entry.client)
        client = open_client(settings)
        _clients[key] = _Shared(client, marker)
        return client


_deleted: set[tuple] = set()  # local stores whose folder was deleted under this process (see shared_client)


# A dropped System is stopped this long after it was replaced: a thread may still be
# querying through the old client, and a System that is never stopped keeps its memory.
RETIRE_AFTER_S = 60.0
_retired: list[tuple[float, object]] = []


def _forget_system(client) -> None:
    """Make the next ``PersistentClient`` for this path read the store afresh (called under ``_lock``).

    Chroma keeps one System per path per process, and a System never sees another
    process's writes; dropping it from Chroma's cache is what reopens.
    """
    from chromadb.api.shared_system_client import SharedSystemClient

    with SharedSystemClient._refcount_lock:
        system = SharedSystemClient._identifier_to_system.pop(client._identifier, None)
        SharedSystemClient._identifier_to_refcount.pop(client._identifier, None)
    now = time.monotonic()
    while _retired and now - _retired[0][0] > RETIRE_AFTER_S:
        with contextlib.suppress(Exception):  # freeing memory must never fail a question
            _retired.pop(0)[1].stop()
    if system is not None:
        _retired.append((now, system))


def shared_collection(settings: Settings | None = None, reopen: bool = False):
    """The collection every query goes through; sees other processes' ingests (see the module notes).

    Raises :class:`StoreUnavailable` (:class:`StoreDamaged`) when the store cannot be reached or read."""
    settings = settings or get_settings()
    with store_faults(settings):
        return open_collection(settings, client=shared_client(settings, reopen=reopen))


def forget(settings: Settings | None = None) -> None:
    """Drop this process's client of the store (after a fault): the next call opens it afresh."""
    settings = settings or get_settings()
    with _lock:
        key = _key(settings)
        entry = _clients.pop(key, None)
        if entry is not None:
            _forget_system(entry.client)
            if not settings.chroma_url and not settings.store_dir.exists():
                _deleted.add(key)  # gone, not damaged: a question must not make it again, empty


def iter_records(collection, include: tuple[str, ...] = ("metadatas",), page: int = 5000, where: dict | None = None):
    """Yield ``(id, *fields)`` for every record (matching ``where``), paging so large stores stay cheap."""
    offset = 0
    while True:
        got = collection.get(include=list(include), limit=page, offset=offset, where=where)
        yield from zip(got["ids"], *(got[name] for name in include))
        if len(got["ids"]) < page:
            return
        offset += page


def reset() -> None:
    """Forget every shared client (tests and a changed environment)."""
    with _lock:
        _clients.clear()
        _deleted.clear()
