"""Incremental, idempotent ingest of files into the Chroma store.

Source ids. Every file is stored under a source id, the name ``--list`` shows and
``--remove`` takes:

- a file found under a directory argument: its path relative to that directory
  (``python -m ingest corpus/`` stores ``corpus/ai-engineer-role.md`` as
  ``ai-engineer-role.md``);
- a file given directly: its path relative to the current directory when it lies
  inside it (``notes/a.md``), else its file name;
- a file already in the store keeps its id, whatever the arguments (each chunk
  records the file's resolved ``path``), so ids are stable across runs;
- an id held by another file that still exists, in the store or earlier in the same
  run, is never taken over: the new file's id grows by parent directories
  (``b/notes.md``, then ``x/b/notes.md``, ...) until it is free. An id whose file is
  gone is taken over (the file moved).

A file named twice (``x.md x.md``, ``dir/ dir/x.md``) is ingested once, under the
id its first mention gives it. A caller may name files itself (``ingest_paths(...,
names=...)``).

Uploads from the page (:func:`ingest_uploads`) are private by default: stored under
``uploads/<session>/<file name>`` with ``private: True`` and the session as ``owner``,
so they answer that session only (advisor/store.py) and never replace another
visitor's file or a corpus file. They leave the shared revision, profile and gate
alone, and are deleted when the session ends or after ``ADVISOR_UPLOAD_TTL_MINUTES``
(:func:`remove_uploads`). With ``ADVISOR_PUBLISH_UPLOADS=true`` (a single-user or
admin deployment) they join the shared store as ``uploads/<file name>``.

Chunk ids are derived from (source, position, content), so re-running on an
unchanged corpus embeds nothing. New chunks are written before stale ones are
deleted, and a file counts as complete only when all of its chunks carry its
hash: a run killed half-way leaves a store the next run completes without
duplicates or gaps (a file whose chunks were all written is only flipped, not
embedded again).

Complete or invisible. New chunks are written with ``ready: False``; once all of a
file's chunks are stored they are flipped to ``ready: True`` (a metadata update, no
embedding), and search filters on it (``advisor.store.searchable_where``). While a
changed file is re-ingested its previous version stays searchable. Chunks written
before the flag existed are marked ready at the start of every run.

Failures. Anything wrong with one file (reading, chunking, limits, embedding,
writing) is reported in ``IngestReport.failed`` and the run goes on; an error of the
store itself (opening, listing, pruning) propagates to the caller.

One ingest at a time per ``ADVISOR_HOME``: see :mod:`ingest.lock`.

A damaged store (its files overwritten or truncated; advisor/store.py raises
``StoreDamaged``) is repaired by ``ingest_paths(..., rebuild=True)`` (``python -m ingest
--rebuild``): under the lock, the store's folder is renamed aside, never deleted
(``chroma.damaged-<time>``, or ``chroma.before-rebuild-<time>`` when it could still be
read), and the given files are ingested into a new store. A running page opens the new
store at its next question.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from advisor.config import Settings, get_settings
from advisor.store import (
    StoreDamaged,
    StoreUnavailable,
    bump_revision,
    forget,
    iter_records,
    mark_changed,
    max_batch_size,
    open_collection,
    shared_client,
    uploads_revision,
    shared_collection,
    store_faults,
    write_batched,
)
from ingest.chunking import Chunk, chunk_document, chunker_signature
from ingest.loaders import SUPPORTED_SUFFIXES, LoadError, load_file, read_bytes
from ingest.lock import IngestBusy, ingest_lock

# (done, total, message) — the CLI draws a progress bar from it, the UI a status line.
ProgressCallback = Callable[[int, int, str], None]

# Collection metadata key: every chunk of this store carries the ``ready`` flag.
READY_FLAGS = "ready_flags"


class UsageError(Exception):
    """Bad arguments (a missing path, an unknown source): nothing was changed."""


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    renamed: list[tuple[str, str]] = field(default_factory=list)  # (name asked for, name stored under)
    ignored: list[str] = field(default_factory=list)  # files in a folder of a type no loader reads
    chunks: int = 0  # chunks embedded and written by this run
    total_chunks: int = 0  # chunks in the store afterwards
    embed_seconds: float = 0.0
    seconds: float = 0.0
    moved_aside: str = ""  # where a rebuild put the previous store (it is kept)

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
            "renamed": [{"asked": a, "stored": b} for a, b in self.renamed],
            "ignored": list(self.ignored),
            **({"moved_aside": self.moved_aside} if self.moved_aside else {}),
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
    path: Path  # resolved
    natural: str  # the id the path rules give it, before collisions are resolved
    origin: str  # the directory argument it was found under, or its parent directory
    source: str = ""  # the id it is stored under (see the module notes)


@dataclass
class _Stored:
    """What the store holds for one source."""

    ids: set[str] = field(default_factory=set)
    hashes: set = field(default_factory=set)
    counts: set = field(default_factory=set)
    ready: bool = True  # every chunk flipped
    origin: str = ""
    path: str = ""

    def is_current(self, file_hash: str, path: Path) -> bool:
        """Complete, searchable and recorded at this path: nothing to do."""
        complete = self.hashes == {file_hash} and self.counts == {len(self.ids)}
        return complete and self.ready and self.path == str(path)


@dataclass(eq=False)  # hashed by identity: the writer counts pending chunks per plan
class _Plan:
    file: _SourceFile
    ids: list[str]
    chunks: list[Chunk]
    metadatas: list[dict]
    existing_ids: set[str]


class _Writer:
    """The collection's writes, split to the store's batch limit and announced to other processes."""

    def __init__(self, settings: Settings, client, collection) -> None:
        self.settings = settings
        self.collection = collection
        self.batch = max_batch_size(client)

    def upsert(self, ids: list[str], **columns) -> None:
        self._run(self.collection.upsert, ids, columns)

    def update(self, ids: list[str], **columns) -> None:
        self._run(self.collection.update, ids, columns)

    def delete(self, ids: list[str]) -> None:
        self._run(self.collection.delete, ids, {})

    def _run(self, method, ids: list[str], columns: dict) -> None:
        write_batched(method, self.batch, ids, **columns)
        mark_changed(self.settings)


# ------------------------------------------------------------------ files and source ids

def collect_files(paths: Iterable[Path], ignored: list[str] | None = None) -> tuple[list[_SourceFile], list[str]]:
    """Files to ingest (directories recursively, each file once) and the directories given.

    Files inside a directory that no loader reads are appended to ``ignored`` (a file named
    directly is planned, so its failure names it)."""
    from advisor.profile import PROFILE_FILE  # a corpus's presentation, not an article

    paths = list(paths)
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise UsageError(f"no such file or directory: {', '.join(missing)}")
    cwd = Path.cwd().resolve()
    files: dict[Path, _SourceFile] = {}  # by resolved path: the first mention wins
    roots: list[str] = []
    for path in paths:
        path = path.resolve()
        if path.is_dir():
            roots.append(str(path))
            for f in sorted(path.rglob("*")):
                rel = f.relative_to(path)
                if any(part.startswith(".") for part in rel.parts):
                    continue
                if f.is_file() and f.suffix.lower() in SUPPORTED_SUFFIXES:
                    files.setdefault(f.resolve(), _SourceFile(f.resolve(), rel.as_posix(), str(path)))
                elif f.is_file() and ignored is not None and f.name != PROFILE_FILE:
                    ignored.append(str(f))
        else:
            natural = path.relative_to(cwd).as_posix() if path.is_relative_to(cwd) else path.name
            files.setdefault(path, _SourceFile(path, natural, str(path.parent)))
    return list(files.values()), roots


def _assign_sources(files: list[_SourceFile], stored: dict[str, _Stored], names: dict[Path, str],
                    report: IngestReport | None = None, signature: str = "", max_bytes: int | None = None) -> None:
    """Give every file its source id: stable across runs, never shared by two files in a run.

    A file the caller names (a page upload) keeps its folder: when the name is taken in
    this run, or the store holds other content under it, it is stored as "name-2.ext"
    (then -3, ...) beside it, and ``report.renamed`` says so. Nothing stored is replaced
    by a different file of the same name.
    """
    known = {entry.path: source for source, entry in stored.items() if entry.path}
    taken: dict[str, Path] = {}
    for f in files:
        named = names.get(f.path)
        if named:
            f.source = _free_name(named, f.path, stored, taken, signature, max_bytes)
            if f.source != named and report is not None:
                report.renamed.append((named, f.source))
        else:
            f.source = next(c for c in _candidate_ids(f, known) if _is_free(c, f.path, stored, taken))
        taken[f.source] = f.path


def file_hash(data: bytes, signature: str) -> str:
    """What the store records of a file's content: its bytes and the chunker settings they were split with."""
    return hashlib.sha256(data + signature.encode()).hexdigest()


def _free_name(named: str, path: Path, stored: dict[str, _Stored], taken: dict[str, Path], signature: str,
               max_bytes: int | None) -> str:
    """``named``, or the first "stem-N.ext" beside it that neither this run nor other stored content holds."""
    try:
        content = file_hash(read_bytes(path, max_bytes), signature)
    except LoadError:
        content = ""  # unreadable or over the limit (checked before reading): the plan reports it by this name
    folder, _, base = named.rpartition("/")
    stem, dot, ext = base.rpartition(".") if "." in base.strip(".") else (base, "", "")
    n = 1
    while True:
        candidate = named if n == 1 else f"{folder + '/' if folder else ''}{stem}-{n}{dot}{ext}"
        entry = stored.get(candidate)
        same_content = entry is not None and content in entry.hashes
        if candidate not in taken and (entry is None or not entry.ids or same_content):
            return candidate
        n += 1


def _candidate_ids(f: _SourceFile, known: dict[str, str]):
    if str(f.path) in known:
        yield known[str(f.path)]
    yield f.natural
    parts = f.path.parts[1:]  # without the filesystem root
    for length in range(len(Path(f.natural).parts) + 1, len(parts) + 1):
        yield "/".join(parts[-length:])
    yield f"{'/'.join(parts)}#{hashlib.sha256(str(f.path).encode()).hexdigest()[:8]}"


def _is_free(source: str, path: Path, stored: dict[str, _Stored], taken: dict[str, Path]) -> bool:
    if source in taken:
        return taken[source] == path
    holder = stored[source].path if source in stored else ""
    return not holder or holder == str(path) or not Path(holder).exists()


def chunk_id(source: str, chunk: Chunk) -> str:
    key = f"{source}\x00{chunk.chunk_index}\x00{chunk.content_hash}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


# ------------------------------------------------------------------ the store's side

def _open_store(settings: Settings, reset: bool = False) -> tuple[_Writer, dict[str, _Stored]]:
    """The store's writer and what it holds per source; chunks from before the ``ready`` flag are marked ready."""
    client = shared_client(settings, create=True)  # an ingest makes a store that was deleted again
    if reset and settings.collection in {getattr(c, "name", c) for c in client.list_collections()}:
        client.delete_collection(settings.collection)
        mark_changed(settings)
    collection = open_collection(settings, client=client)
    writer = _Writer(settings, client, collection)
    stored: dict[str, _Stored] = defaultdict(_Stored)
    legacy: list[str] = []
    for cid, meta in iter_records(collection):
        source = meta.get("source", "")
        entry = stored[source]
        entry.ids.add(cid)
        entry.hashes.add(meta.get("file_hash"))
        entry.counts.add(meta.get("chunk_count"))
        entry.origin = meta.get("origin", "")
        # Chunks from before ``path`` was recorded name their file relative to their origin.
        entry.path = meta.get("path") or (str(Path(entry.origin) / source) if entry.origin else "")
        if "ready" not in meta:
            legacy.append(cid)
        elif not meta["ready"]:
            entry.ready = False
    if legacy:  # an update merges into the chunk's metadata
        writer.update(legacy, metadatas=[{"ready": True}] * len(legacy))
    if legacy or not (collection.metadata or {}).get(READY_FLAGS):
        collection.modify(metadata={**(collection.metadata or {}), READY_FLAGS: 1})
        bump_revision(collection)  # what search sees may have changed: caches rebuild
        mark_changed(settings)
    return writer, dict(stored)


# ------------------------------------------------------------------ ingest

def ingest_paths(
    paths: Iterable[Path | str] | None = None,
    *,
    settings: Settings | None = None,
    reset: bool = False,
    prune: bool = False,
    progress: ProgressCallback | None = None,
    names: dict[Path | str, str] | None = None,
    owner: str | None = None,
    rebuild: bool = False,
) -> IngestReport:
    """Bring the store up to date with the given files and directories (default: ``corpus/``).

    ``names`` maps files to the source ids they must have; ``owner`` stores them as that
    page session's private files (see the module notes). ``rebuild`` first moves the local
    store aside (kept, renamed; ``report.moved_aside`` says where) and builds a new one.
    """
    settings = settings or get_settings()
    started = time.perf_counter()
    report = IngestReport()
    files, roots = collect_files([Path(p) for p in (paths or [settings.corpus_dir])], report.ignored)
    with ingest_lock(settings, on_wait=(lambda message: progress(0, 0, message)) if progress else None):
        if rebuild:
            report.moved_aside = _set_aside(settings)
        writer, stored = _open_store(settings, reset=reset)
        signature = chunker_signature(settings)
        _assign_sources(files, stored, {Path(p).resolve(): name for p, name in (names or {}).items()}, report, signature,
                        settings.max_file_bytes)
        plans: list[_Plan] = []
        for i, f in enumerate(files):
            if progress:
                progress(i, len(files), f"reading {f.source}")
            try:
                plan = _plan(f, stored.get(f.source), settings, signature, owner)
            except Exception as exc:
                report.failed.append((f.source, _describe(exc)))
                continue
            if plan is None:
                report.skipped.append(f.source)
            else:
                plans.append(plan)

        _write(writer, plans, settings, report, progress)

        if prune:
            in_use = {f.source for f in files}
            for source, entry in stored.items():
                gone = entry.path and not Path(entry.path).exists()
                if source not in in_use and gone and any(Path(entry.path).is_relative_to(r) for r in roots):
                    writer.delete(sorted(entry.ids))
                    report.deleted.append(source)
        if (report.added or report.updated or report.deleted) and owner:
            bump_revision(writer.collection, "uploads_revision")  # the shared store is unchanged
        elif report.added or report.updated or report.deleted:
            bump_revision(writer.collection)
            mark_changed(settings)
        report.total_chunks = writer.collection.count()
        if not owner:  # a private upload leaves the shared profile and gate as they are
            _refresh_profile(settings, writer.collection, roots,
                             changed=bool(report.added or report.updated or report.deleted), progress=progress)
    report.seconds = time.perf_counter() - started
    return report


def _set_aside(settings: Settings) -> str:
    """Rename the local store's folder aside, never deleting it (called under the ingest lock); returns its new
    path, or "" when there was no store."""
    if settings.chroma_url:
        raise UsageError("--rebuild moves the local store's folder aside; a Chroma server's store is emptied "
                         "with --reset instead")
    store = settings.store_dir
    if not store.exists():
        return ""
    try:
        with store_faults(settings):
            shared_collection(settings).count()
        kind = "before-rebuild"
    except StoreDamaged:
        kind = "damaged"
    forget(settings)  # this process's client reads the old folder; the next one opens the new store
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target, n = store.with_name(f"{store.name}.{kind}-{stamp}"), 2
    while target.exists():
        target, n = store.with_name(f"{store.name}.{kind}-{stamp}-{n}"), n + 1
    os.rename(store, target)
    return str(target)


def _refresh_profile(settings: Settings, collection, roots: list, *, changed: bool, progress=None) -> None:
    """The store's subjects and gate follow every change (advisor/profile.py). A stale or missing profile is
    made again even when no file changed; an edited ``profile.yaml`` alone is taken without calibrating."""
    from advisor.profile import StoreProfile, is_current, refresh_after_ingest, update_corpus_profile

    if not collection.count():
        return
    saved = StoreProfile.from_metadata(collection.metadata or {})
    if changed or not is_current(saved, collection):
        if progress:
            progress(0, 0, "calibrating the relevance gate for this store")
        refresh_after_ingest(settings, roots)
    else:
        update_corpus_profile(collection, saved, roots)


def _describe(exc: Exception) -> str:
    return str(exc) if isinstance(exc, LoadError) else f"{type(exc).__name__}: {exc}"


def _plan(f: _SourceFile, entry: _Stored | None, settings: Settings, signature: str,
          owner: str | None = None) -> _Plan | None:
    """What to write for one file, or None when the store already has it; raises on a bad file."""
    data = read_bytes(f.path, settings.max_file_bytes)
    content = file_hash(data, signature)
    if entry and entry.is_current(content, f.path):
        return None
    doc = load_file(f.path, data)
    chunks = chunk_document(doc, settings)
    if not chunks:
        raise LoadError("no text to index")
    if len(chunks) > settings.max_passages_per_file:
        raise LoadError(
            f"too many passages ({len(chunks):,}; the limit is {settings.max_passages_per_file:,} per file, "
            "set by ADVISOR_MAX_PASSAGES_PER_FILE)"
        )
    base = {
        "source": f.source,
        "origin": f.origin,
        "path": str(f.path),
        "title": doc.title,
        "file_hash": content,
        "chunk_count": len(chunks),
        "ready": False,
        **{k: v for k, v in doc.metadata.items() if k in ("publication", "url", "author", "date")},
    }
    if owner:
        base.update(private=True, owner=owner, uploaded_at=time.time())
    metadatas = [
        {**base, "section": c.section, "section_index": c.section_index, "chunk_index": c.chunk_index,
         "content_hash": c.content_hash} for c in chunks
    ]
    ids = [chunk_id(f.source, c) for c in chunks]
    return _Plan(f, ids, chunks, metadatas, set(entry.ids) if entry else set())


def _write(writer: _Writer, plans: list[_Plan], settings: Settings, report: IngestReport, progress) -> None:
    """Embed the chunks that are not in the store yet; finish each file as soon as its last chunk is in."""
    pending = [(p, i) for p in plans for i, cid in enumerate(p.ids) if cid not in p.existing_ids]
    left = Counter(p for p, _ in pending)
    failed: set[_Plan] = set()

    def fail(plan: _Plan, exc: Exception) -> None:
        failed.add(plan)
        report.failed.append((plan.file.source, _describe(exc)))

    def finish(plan: _Plan) -> None:
        try:
            _finish(writer, plan)
        except Exception as exc:
            fail(plan, exc)
            return
        (report.updated if plan.existing_ids else report.added).append(plan.file.source)

    for plan in plans:
        if not left[plan]:  # every chunk is stored already: flip or refresh metadata only
            finish(plan)
    total = len(pending)
    if not total:
        return

    from advisor.embeddings import get_embeddings

    embeddings = get_embeddings()
    if progress:
        progress(0, total, "embedding")
    t0 = time.perf_counter()
    batch = max(1, settings.embed_batch_size)
    # Similar lengths share a batch, so little of each batch is padding; each file is
    # flipped to ready as soon as its last chunk is stored.
    pending.sort(key=lambda item: len(item[0].chunks[item[1]].embed_text))

    def store(items: list[tuple[_Plan, int]]) -> None:
        vectors = embeddings.encode([p.chunks[i].embed_text for p, i in items], batch_size=batch, background=True)
        writer.upsert(
            [p.ids[i] for p, i in items],
            embeddings=vectors,
            documents=[p.chunks[i].text for p, i in items],
            metadatas=[p.metadatas[i] for p, i in items],
        )

    group = min(batch * 8, writer.batch)
    for start in range(0, total, group):
        part = [item for item in pending[start : start + group] if item[0] not in failed]
        by_plan: dict[_Plan, list[tuple[_Plan, int]]] = defaultdict(list)
        for item in part:
            by_plan[item[0]].append(item)
        try:
            store(part)
        except Exception:  # find the file at fault: store this group one file at a time
            for plan, items in by_plan.items():
                try:
                    store(items)
                except Exception as exc:
                    fail(plan, exc)
        for plan, items in by_plan.items():
            if plan in failed:
                continue
            report.chunks += len(items)
            left[plan] -= len(items)
            if not left[plan]:
                finish(plan)
        if progress:
            progress(min(start + group, total), total, "embedding")
    report.embed_seconds = time.perf_counter() - t0


def _finish(writer: _Writer, plan: _Plan) -> None:
    """All chunks of the file are stored: make them searchable, then retire the previous version's."""
    writer.update(plan.ids, metadatas=[{**meta, "ready": True} for meta in plan.metadatas])
    stale = plan.existing_ids - set(plan.ids)
    if stale:
        writer.delete(sorted(stale))


# ------------------------------------------------------------------ list, remove, first start

def list_sources(settings: Settings | None = None) -> list[dict]:
    """One row per ingested source: title, chunk count, publication, and whether it is searchable."""
    collection = shared_collection(settings or get_settings())
    rows: dict[str, dict] = {}
    for _, meta in iter_records(collection):
        source = meta.get("source", "")
        row = rows.setdefault(
            source,
            {
                "source": source,
                "title": meta.get("title", ""),
                "chunks": 0,
                "publication": meta.get("publication", ""),
                "ready": True,
            },
        )
        row["chunks"] += 1
        row["private"] = bool(meta.get("private"))
        row["ready"] = row["ready"] and meta.get("ready", True)
    return sorted(rows.values(), key=lambda r: r["source"])


def remove_source(source: str, settings: Settings | None = None) -> int:
    """Delete every chunk of one source; returns how many were removed."""
    settings = settings or get_settings()
    with ingest_lock(settings):
        client = shared_client(settings)
        collection = open_collection(settings, client=client)
        ids = [cid for cid, in iter_records(collection, include=(), where={"source": source})]
        if not ids:
            raise UsageError(f"no source named '{source}' in the store (see --list)")
        _Writer(settings, client, collection).delete(ids)
        bump_revision(collection)
        mark_changed(settings)
        _refresh_profile(settings, collection, [], changed=True)
    return len(ids)


def ingest_uploads(
    files: Iterable[tuple[Path | str, str]],
    session: str | None,
    *,
    settings: Settings | None = None,
    progress: ProgressCallback | None = None,
) -> IngestReport:
    """Ingest the page's uploads, given as (saved path, file name as uploaded).

    Private to ``session`` unless ``ADVISOR_PUBLISH_UPLOADS`` is set (see the module notes).
    Uploads are embedded in small batches, so the encoder is free for other visitors'
    questions between them.
    """
    settings = settings or get_settings()
    owner = None if settings.publish_uploads else session
    if not settings.publish_uploads and not session:
        raise UsageError("a private upload needs the session it belongs to")
    folder = f"uploads/{_safe_part(owner)}" if owner else "uploads"
    names = {Path(path): f"{folder}/{_safe_part(Path(name).name)}" for path, name in files}
    small = settings.model_copy(update={"embed_batch_size": min(settings.embed_batch_size, UPLOAD_EMBED_BATCH)})
    return ingest_paths(list(names), settings=small, progress=progress, names=names, owner=owner)


# Chunks embedded per encoder call for uploads: a question waits for at most one such call.
UPLOAD_EMBED_BATCH = 8


def _safe_part(name: str) -> str:
    """A path part that cannot climb out of its folder or hide ("../x" -> "x")."""
    cleaned = "".join(c if c.isalnum() or c in "._- " else "_" for c in name).strip(" .")
    return cleaned or "upload"


def remove_uploads(settings: Settings | None = None, *, owner: str | None = None,
                   older_than_s: float | None = None, wait_s: float = 5.0) -> int:
    """Delete private uploads: one session's (``owner``), those older than ``older_than_s``, or all.

    Returns how many passages were removed; 0 when another ingest holds the store, or the
    store cannot be read or reached (the next sweep tries again).
    """
    settings = settings or get_settings()
    conditions: list[dict] = [{"private": True}]
    if owner:
        conditions.append({"owner": owner})
    if older_than_s is not None:
        conditions.append({"uploaded_at": {"$lt": time.time() - older_than_s}})
    where = {"$and": conditions} if len(conditions) > 1 else conditions[0]
    try:
        with ingest_lock(settings, wait_s=wait_s):
            client = shared_client(settings)
            collection = open_collection(settings, client=client)
            if not uploads_revision(collection):
                return 0  # nothing was ever uploaded privately
            ids = [cid for cid, in iter_records(collection, include=(), where=where)]
            if ids:
                _Writer(settings, client, collection).delete(ids)
                bump_revision(collection, "uploads_revision")
            return len(ids)
    except (IngestBusy, StoreUnavailable):
        return 0


def ensure_store(settings: Settings | None = None, progress: ProgressCallback | None = None) -> IngestReport | None:
    """Build the store from ``corpus/`` when it is empty (first start of the app or the evals).

    A store built before chunks carried the ``ready`` flag is migrated once, so search
    (which filters on the flag) keeps finding its chunks.
    """
    settings = settings or get_settings()
    collection = shared_collection(settings)
    if collection.count() == 0:
        return ingest_paths([settings.corpus_dir], settings=settings, progress=progress)
    if not (collection.metadata or {}).get(READY_FLAGS):
        try:
            with ingest_lock(settings, wait_s=0):
                _open_store(settings)
        except IngestBusy:
            pass  # the ingest that holds the lock migrates the store itself
    return None
