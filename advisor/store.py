"""The Chroma vector store: embedded on disk by default, a Chroma server when configured.

Ingest talks to the raw collection (ids, hashes, upserts); retrieval goes through
LangChain's ``Chroma`` vector store. Both come from here, so both see one store.
"""

from __future__ import annotations

import threading
from urllib.parse import urlparse

from advisor.config import Settings, configure_offline, get_settings


class StoreUnavailable(RuntimeError):
    """The store cannot be opened or reached; the message says what to do."""


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
            raise StoreUnavailable(
                f"Cannot reach the Chroma server at {settings.chroma_url} ({type(exc).__name__}). "
                "Start it with 'chroma run' or unset ADVISOR_CHROMA_URL to use the local store."
            ) from exc
        return client
    settings.store_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.store_dir), settings=_chroma_settings())


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


def bump_revision(collection) -> None:
    metadata = dict(collection.metadata or {})
    metadata["revision"] = revision(collection) + 1
    collection.modify(metadata=metadata)


_lock = threading.Lock()
_clients: dict[tuple, object] = {}


def shared_client(settings: Settings | None = None):
    """One client per store for the whole process (the app and the chain reuse it)."""
    settings = settings or get_settings()
    key = (settings.chroma_url, str(settings.store_dir.resolve()))
    with _lock:
        if key not in _clients:
            _clients[key] = open_client(settings)
        return _clients[key]


def shared_collection(settings: Settings | None = None):
    settings = settings or get_settings()
    return open_collection(settings, client=shared_client(settings))


def vector_store(settings: Settings | None = None):
    """LangChain's ``Chroma`` over the project's collection with our embeddings."""
    from langchain_chroma import Chroma

    from advisor.embeddings import get_embeddings

    settings = settings or get_settings()
    shared_collection(settings)  # created with our configuration before LangChain sees it
    return Chroma(
        client=shared_client(settings),
        collection_name=settings.collection,
        embedding_function=get_embeddings(),
    )


def iter_records(collection, include: tuple[str, ...] = ("metadatas",), page: int = 5000):
    """Yield ``(id, *fields)`` for every record, paging so large stores stay cheap."""
    offset = 0
    while True:
        got = collection.get(include=list(include), limit=page, offset=offset)
        yield from zip(got["ids"], *(got[name] for name in include))
        if len(got["ids"]) < page:
            return
        offset += page
