"""Incremental, idempotent ingest of files into the Chroma store.

Chunk ids are derived from (source, position, content), so re-running on an
unchanged corpus embeds nothing. New chunks are written before stale ones are
deleted, and a file counts as complete only when all of its chunks carry its
hash: a run killed half-way leaves a store the next run completes without
duplicates or gaps.
"""

from __future__ import annotations

import hashlib
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from advisor.config import Settings, get_settings
from advisor.store import bump_revision, iter_records, open_client, open_collection
from ingest.chunking import Chunk, chunk_document, chunker_signature
from ingest.loaders import SUPPORTED_SUFFIXES, LoadError, load_file, read_bytes

# (done, total, message) — the CLI draws a progress bar from it, the UI a status line.
ProgressCallback = Callable[[int, int, str], None]


class UsageError(Exception):
    """Bad arguments (a missing path, an unknown source): nothing was changed."""


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    chunks: int = 0  # chunks embedded and written by this run
    total_chunks: int = 0  # chunks in the store afterwards
    embed_seconds: float = 0.0
    seconds: float = 0.0

    @property
    def chunks_per_second(self) -> float:
        return self.chunks / self.embed_seconds if self.embed_seconds > 0 else 0.0

    def as_dict(self) -> dict:
        return {
            "added": len(self.added),
            "updated": len(self.updated),
            "skipped": len(self.skipped),
            "deleted": len(self.deleted),
            "failed": len(self.failed),
            "chunks": self.chunks,
            "total_chunks": self.total_chunks,
            "chunks_per_s": round(self.chunks_per_second, 1),
            "seconds": round(self.seconds, 2),
            "failures": [{"source": s, "error": e} for s, e in self.failed],
        }

    def summary_line(self) -> str:
        return (
            f"added {len(self.added)}, updated {len(self.updated)}, skipped {len(self.skipped)}, "
            f"deleted {len(self.deleted)}, failed {len(self.failed)}; "
            f"{self.chunks} chunks embedded ({self.chunks_per_second:.1f} chunks/s), "
            f"{self.total_chunks} in store; {self.seconds:.1f} s"
        )


@dataclass
class _SourceFile:
    path: Path
    source: str  # path relative to the ingested directory, or the file name
    origin: str  # the directory it was found under, for --prune


@dataclass
class _Plan:
    file: _SourceFile
    file_hash: str
    title: str
    chunks: list[Chunk]
    ids: list[str]
    metadatas: list[dict]
    existing_ids: set[str]


def collect_files(paths: Iterable[Path]) -> tuple[list[_SourceFile], list[str]]:
    """Files to ingest (directories recursively) and the directories they came from."""
    files: list[_SourceFile] = []
    roots: list[str] = []
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise UsageError(f"no such file or directory: {', '.join(missing)}")
    for path in paths:
        path = path.resolve()
        if path.is_dir():
            roots.append(str(path))
            for f in sorted(path.rglob("*")):
                rel = f.relative_to(path)
                if any(part.startswith(".") for part in rel.parts):
                    continue
                if f.is_file() and f.suffix.lower() in SUPPORTED_SUFFIXES:
                    files.append(_SourceFile(f, rel.as_posix(), str(path)))
        else:
            files.append(_SourceFile(path, path.name, str(path.parent)))
    return files, roots


def chunk_id(source: str, chunk: Chunk) -> str:
    key = f"{source}\x00{chunk.chunk_index}\x00{chunk.content_hash}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def _existing_index(collection) -> dict[str, dict]:
    """source -> {ids, hashes, count, origin}, read in pages from the store."""
    index: dict[str, dict] = defaultdict(lambda: {"ids": set(), "hashes": set(), "counts": set(), "origin": ""})
    for cid, meta in iter_records(collection):
        entry = index[meta.get("source", "")]
        entry["ids"].add(cid)
        entry["hashes"].add(meta.get("file_hash"))
        entry["counts"].add(meta.get("chunk_count"))
        entry["origin"] = meta.get("origin", "")
    return dict(index)


def _is_complete(entry: dict | None, file_hash: str) -> bool:
    if not entry or entry["hashes"] != {file_hash} or len(entry["counts"]) != 1:
        return False
    return next(iter(entry["counts"])) == len(entry["ids"])


def ingest_paths(
    paths: Iterable[Path | str] | None = None,
    *,
    settings: Settings | None = None,
    reset: bool = False,
    prune: bool = False,
    progress: ProgressCallback | None = None,
) -> IngestReport:
    """Bring the store up to date with the given files and directories (default: ``corpus/``)."""
    settings = settings or get_settings()
    started = time.perf_counter()
    path_list = [Path(p) for p in (paths or [settings.corpus_dir])]
    files, roots = collect_files(path_list)

    client = open_client(settings)
    if reset:
        try:
            client.delete_collection(settings.collection)
        except Exception:  # nothing to reset
            pass
    collection = open_collection(settings, client=client)
    existing = _existing_index(collection)
    signature = chunker_signature(settings)
    report = IngestReport()

    plans: list[_Plan] = []
    for i, f in enumerate(files):
        if progress:
            progress(i, len(files), f"reading {f.source}")
        try:
            data = read_bytes(f.path)
            file_hash = hashlib.sha256(data + signature.encode()).hexdigest()
            entry = existing.get(f.source)
            if _is_complete(entry, file_hash):
                report.skipped.append(f.source)
                continue
            doc = load_file(f.path, data)
            chunks = chunk_document(doc, settings)
            if not chunks:
                raise LoadError("no text to index")
        except LoadError as exc:
            report.failed.append((f.source, str(exc)))
            continue
        ids = [chunk_id(f.source, c) for c in chunks]
        base = {
            "source": f.source,
            "origin": f.origin,
            "title": doc.title,
            "file_hash": file_hash,
            "chunk_count": len(chunks),
            **{k: v for k, v in doc.metadata.items() if k in ("publication", "url", "author", "date")},
        }
        metadatas = [
            {**base, "section": c.section, "chunk_index": c.chunk_index, "content_hash": c.content_hash}
            for c in chunks
        ]
        plans.append(_Plan(f, file_hash, doc.title, chunks, ids, metadatas, set(entry["ids"]) if entry else set()))

    _write(collection, plans, settings, report, progress)

    changed = bool(report.chunks or report.updated or report.added)
    if prune:
        on_disk = {f.source for f in files}
        for source, entry in existing.items():
            if entry["origin"] in roots and source not in on_disk:
                collection.delete(ids=sorted(entry["ids"]))
                report.deleted.append(source)
                changed = True
    if changed:
        bump_revision(collection)
    report.total_chunks = collection.count()
    report.seconds = time.perf_counter() - started
    return report


def _write(collection, plans: list[_Plan], settings: Settings, report: IngestReport, progress) -> None:
    """Embed the chunks that are not in the store yet, then retire stale ones."""
    from advisor.embeddings import get_embeddings

    pending = [(p, i) for p in plans for i, cid in enumerate(p.ids) if cid not in p.existing_ids]
    total = len(pending)
    if total:
        embeddings = get_embeddings()
        if progress:
            progress(0, total, "embedding")
        t0 = time.perf_counter()
        batch = max(1, settings.embed_batch_size)
        # Similar lengths share a batch, so little of each batch is padding; a crash
        # mid-way still leaves every file either complete or re-embedded next run.
        pending.sort(key=lambda item: len(item[0].chunks[item[1]].embed_text))
        group = batch * 8
        for start in range(0, total, group):
            part = pending[start : start + group]
            vectors = embeddings.encode([p.chunks[i].embed_text for p, i in part], batch_size=batch)
            collection.upsert(
                ids=[p.ids[i] for p, i in part],
                embeddings=vectors,
                documents=[p.chunks[i].text for p, i in part],
                metadatas=[p.metadatas[i] for p, i in part],
            )
            report.chunks += len(part)
            if progress:
                progress(report.chunks, total, "embedding")
        report.embed_seconds = time.perf_counter() - t0

    for plan in plans:
        kept = [i for i, cid in enumerate(plan.ids) if cid in plan.existing_ids]
        if kept:  # unchanged chunks of a changed file: refresh the file hash, no embedding
            collection.update(ids=[plan.ids[i] for i in kept], metadatas=[plan.metadatas[i] for i in kept])
        stale = plan.existing_ids - set(plan.ids)
        if stale:
            collection.delete(ids=sorted(stale))
        (report.updated if plan.existing_ids else report.added).append(plan.file.source)


def list_sources(settings: Settings | None = None) -> list[dict]:
    """One row per ingested source: title, chunk count, publication."""
    collection = open_collection(settings or get_settings())
    rows: dict[str, dict] = {}
    for _, meta in iter_records(collection):
        source = meta.get("source", "")
        row = rows.setdefault(
            source,
            {"source": source, "title": meta.get("title", ""), "chunks": 0, "publication": meta.get("publication", "")},
        )
        row["chunks"] += 1
    return sorted(rows.values(), key=lambda r: r["source"])


def remove_source(source: str, settings: Settings | None = None) -> int:
    """Delete every chunk of one source; returns how many were removed."""
    collection = open_collection(settings or get_settings())
    ids = collection.get(where={"source": source}, include=[])["ids"]
    if not ids:
        raise UsageError(f"no source named '{source}' in the store (see --list)")
    collection.delete(ids=ids)
    bump_revision(collection)
    return len(ids)


def ensure_store(settings: Settings | None = None, progress: ProgressCallback | None = None) -> IngestReport | None:
    """Build the store from ``corpus/`` when it is empty (first start of the app or the evals)."""
    settings = settings or get_settings()
    if open_collection(settings).count() > 0:
        return None
    return ingest_paths([settings.corpus_dir], settings=settings, progress=progress)
