"""Hybrid retrieval: dense (Chroma) and keyword (BM25) results, fused and diversified.

Dense search finds paraphrases; BM25 finds exact terms (a tool's or a website's
name) that a small embedding model scores weakly. Reciprocal rank fusion
merges the two lists without calibrating their scores against each other, and
maximal marginal relevance with a per-source cap keeps one article from filling
every slot. Chosen chunks that follow each other in a section are joined back into
one passage, and a passage that ends inside a list gets the list's remaining items
from the next chunk, so a list the chunker cut in two is read whole.

A page session's private uploads (advisor/store.py) are searched only for that
session: ``retriever.invoke(question, session=...)``. Its keyword index is the shared
store plus its own files, built when it first asks after an upload.
"""

from __future__ import annotations

import functools
import re
import threading
from dataclasses import dataclass

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, PrivateAttr

from advisor import gate
from advisor.config import Settings, get_settings
from advisor.store import (iter_records, revision, searchable_where, shared_collection, store_fault, store_faults,
                           uploads_revision)
from advisor.subjects import Subjects
from advisor.text import ends_inside_table, table_head, tokens

RRF_K = 60
_LIST_LINE = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+\S")
# Keyword indexes kept for sessions with uploads (the shared one is always kept).
MAX_SESSION_INDEXES = 8


@dataclass
class _KeywordIndex:
    revision: tuple[int, int]  # (shared revision, uploads revision; 0 for the shared index)
    ids: list[str]
    texts: list[str]
    metadatas: list[dict]
    bm25: object | None
    idf: dict[str, float]  # inverse document frequency of every corpus word


def _usable_vector(vector, dim: int) -> np.ndarray | None:
    """A stored embedding as a vector of the query's dimension, or None when it is missing or damaged."""
    if vector is None:
        return None
    try:
        array = np.asarray(vector, dtype=np.float32)
    except (TypeError, ValueError):
        return None
    if array.shape != (dim,) or not np.isfinite(array).all():
        return None
    return array


@functools.lru_cache(maxsize=8)
def _saved_subjects(data: str | None) -> Subjects:
    """The subjects saved with a store, parsed and their pattern compiled once per saved version, not per search."""
    return Subjects.from_json(data)


def _without_overlap(first: str, second: str) -> str:
    """``second`` minus the words it repeats from the end of ``first`` (the chunker's overlap), ready to append.
    A table's header row and rule, repeated at the top of a chunk that goes on with the table, go too."""
    lines = second.split("\n")
    if len(lines) > 2 and table_head(lines[:2]) and lines[0] in first.split("\n"):
        second = "\n".join(lines[2:])
    for start in range(max(0, len(first) - 2000), len(first)):
        if start == 0 or first[start - 1] in " \n":
            tail = first[start:].strip()
            if len(tail.split()) >= 2 and second.startswith(tail) and not second[len(tail):len(tail) + 1].isalnum():
                return second[len(tail):]
    # No overlap: a new line after a finished sentence or a list item, else the sentence goes on.
    ends = first.rstrip()
    line_ends = not ends or ends[-1] in ".!?:;" or _LIST_LINE.match(ends.split("\n")[-1]) \
        or ends_inside_table(ends.split("\n"))
    return ("\n" if line_ends else " ") + second


def _place(doc: Document) -> tuple[str, int, int] | None:
    """(source, section, chunk) of a chunk of ours, or None for a document without them (old store, other retriever)."""
    meta = doc.metadata
    source, section, index = meta.get("source"), meta.get("section_index"), meta.get("chunk_index")
    if isinstance(source, str) and isinstance(section, int) and isinstance(index, int):
        return source, section, index
    return None


def join_neighbours(docs: list[Document]) -> list[Document]:
    """Chosen chunks that follow each other in one section become one passage, in reading order.

    A section the chunker cut in two (a list's lead-in in one chunk, its last items in
    the next) is quoted whole when both halves were found, instead of as two passages
    each missing what the other holds. The passage keeps the better half's place and scores.
    """
    out: list[Document] = []
    ends: dict[tuple, int] = {}  # (source, section, index) of each passage's last chunk -> its place in out
    for n, doc in sorted(enumerate(docs), key=lambda nd: (_place(nd[1]) is None, _place(nd[1]) or (), nd[0])):
        place = _place(doc)
        previous = (place[0], place[1], place[2] - 1) if place else None
        if previous in ends:
            i = ends.pop(previous)
            before = out[i]
            text = before.page_content + _without_overlap(before.page_content, doc.page_content)
            ranks = [*before.metadata["joined_ranks"], n]
            best = before.metadata if before.metadata["joined_ranks"][0] < n else doc.metadata
            out[i] = Document(id=before.id, page_content=text,
                              metadata={**best, "chunk_index": before.metadata["chunk_index"], "last_chunk_index": place[2],
                                        "joined_ranks": sorted(ranks)})
        else:
            out.append(Document(id=doc.id, page_content=doc.page_content, metadata={**doc.metadata, "joined_ranks": [n]}))
            i = len(out) - 1
        if place:
            ends[place] = i
    out.sort(key=lambda d: d.metadata["joined_ranks"][0])
    for d in out:
        d.metadata.pop("joined_ranks")
    return out


class HybridRetriever(BaseRetriever):
    """A LangChain retriever over the project's store: ``retriever.invoke(question)`` -> documents.

    Each returned ``Document`` carries ``id`` and, in its metadata, ``dense_score``
    (cosine similarity, -1 if the chunk came from BM25 alone), ``keyword_rank``, the
    fused ``score`` and ``best_dense`` (the highest cosine of all dense candidates,
    one of the relevance gate's features).
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)
    settings: Settings

    _indexes: dict[str | None, _KeywordIndex] = PrivateAttr(default_factory=dict)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)
    # Whether a session had uploads, as of an uploads revision: one store query per change, not per search.
    _owners: dict[str, tuple[int, bool]] = PrivateAttr(default_factory=dict)

    def collection(self):
        return shared_collection(self.settings)

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun,
                                session: str | None = None, subjects: Subjects | None = None) -> list[Document]:
        # A store that cannot be read or reached is raised as StoreUnavailable (advisor/store.py), whose
        # message says what to do; the client is dropped with it, so the next question opens the store afresh.
        with store_faults(self.settings):
            try:
                return self.search(query, session=session, subjects=subjects)
            except Exception as exc:
                # Another process may have written between its write and its change marker: reopen once.
                if type(exc).__name__ != "InternalError" or store_fault(exc, self.settings) is not None:
                    raise
                shared_collection(self.settings, reopen=True)
                return self.search(query, session=session, subjects=subjects)

    # ------------------------------------------------------------------ search
    def search(self, query: str, k: int | None = None, session: str | None = None,
               subjects: Subjects | None = None) -> list[Document]:
        """The ``k`` best passages for ``query`` from the shared store and ``session``'s uploads.

        Dense search reads the question with each subject spelled out ("CPA" -> "certified public accountant"),
        which the small embedding model matches far better than an abbreviation; ``subjects`` defaults to
        the ones saved with the store (advisor/subjects.py). The gate's feature, the best cosine, is the
        best of the question's own, the spelled-out one's and that of the question with the store's other
        abbreviations followed by their words (its glossary): "What does a PT do?" is as answerable as
        "What does a physical therapist do?", and "Where is the ATPL exam?" as "… the airline transport pilot
        licence exam?".
        """
        from advisor.embeddings import get_embeddings

        settings = self.settings
        k = k or settings.top_k
        collection = self.collection()
        count = collection.count()
        if count == 0:
            return []
        n = min(settings.candidates, count)
        where = searchable_where(owner=session)  # also: a file still being ingested stays invisible
        if subjects is None:
            subjects = _saved_subjects((collection.metadata or {}).get("subjects"))
        spelled = subjects.spell_out(query, initials=True)
        glossed = subjects.spell_out(query, initials=True, glossary=True)
        texts = list(dict.fromkeys([spelled, query, glossed]))
        vectors = get_embeddings().encode(texts)
        query_vector, others = vectors[0], vectors[1:]
        dense = collection.query(
            query_embeddings=[query_vector],
            n_results=n,
            where=where,
            include=["documents", "metadatas", "distances", "embeddings"],
        )
        candidates: dict[str, dict] = {}
        for rank, (cid, text, meta, distance, vector) in enumerate(
            zip(dense["ids"][0], dense["documents"][0], dense["metadatas"][0], dense["distances"][0], dense["embeddings"][0])
        ):
            vector = _usable_vector(vector, len(query_vector))
            if vector is None or text is None:  # a damaged record costs its own passage, not the answer
                continue
            candidates[cid] = {
                "text": text, "meta": meta or {}, "vector": vector,
                "dense": 1.0 - float(distance), "fused": 1.0 / (RRF_K + rank + 1), "keyword_rank": -1,
            }
        best_dense = max((c["dense"] for c in candidates.values()), default=-1.0)
        if len(others):  # as written, and with the store's abbreviations spelled out
            nearest = collection.query(query_embeddings=list(others), n_results=1, where=where, include=["distances"])
            best_dense = max([best_dense, *(1.0 - float(d[0]) for d in nearest["distances"] if d)])

        index = self._keyword_index(collection, session)
        keyword_only: list[str] = []
        for rank, (cid, text, meta) in enumerate(self._keyword_hits(index, query, n)):
            entry = candidates.get(cid)
            if entry is None:
                entry = candidates[cid] = {"text": text, "meta": meta, "vector": None, "dense": -1.0, "fused": 0.0}
                keyword_only.append(cid)
            entry["fused"] += 1.0 / (RRF_K + rank + 1)
            entry["keyword_rank"] = rank
        if keyword_only:
            got = collection.get(ids=keyword_only, include=["embeddings"])
            for cid, vector in zip(got["ids"], got["embeddings"]):
                vector = _usable_vector(vector, len(query_vector))
                if vector is not None:
                    candidates[cid]["vector"] = vector
                    candidates[cid]["dense"] = float(vector @ query_vector)
            for cid in keyword_only:  # gone from the store since the keyword index was built, or damaged
                if candidates[cid]["vector"] is None:
                    del candidates[cid]

        # The best keyword hit always gets a slot: an exact rare term ("MCP") is strong
        # evidence even when the small embedding model scores its passage weakly.
        top_keyword = next((cid for cid, c in candidates.items() if c.get("keyword_rank") == 0), None)
        # Joined neighbours take one slot: choose more chunks until there are k passages (or no more).
        wanted = k
        while True:
            chosen = self._diversify(candidates, wanted)
            if top_keyword and top_keyword not in chosen and chosen:
                chosen[-1] = top_keyword
            docs = []
            for cid in chosen:
                c = candidates[cid]
                meta = dict(c["meta"])
                meta.update(dense_score=round(c["dense"], 4), score=round(c["fused"], 5),
                            keyword_rank=c.get("keyword_rank", -1), best_dense=round(best_dense, 4))
                docs.append(Document(id=cid, page_content=c["text"], metadata=meta))
            passages = join_neighbours(docs)
            if len(passages) >= k or len(chosen) < wanted or wanted >= 2 * k:
                break
            wanted += k - len(passages)
        return [self._finish_list(collection, d, session) for d in passages]

    def _finish_list(self, collection, doc: Document, session: str | None) -> Document:
        """A passage that ends inside a list gets the list's remaining items from the section's next chunk.

        Otherwise "sorts firms into three kinds of audit:" would be quoted with two of its three items.
        """
        meta = doc.metadata
        place = _place(doc)
        if place is None or not _LIST_LINE.match(doc.page_content.rstrip().split("\n")[-1]):
            return doc
        source, section, _ = place
        last = meta.get("last_chunk_index", meta["chunk_index"])
        found = collection.get(where=searchable_where({"$and": [{"source": source}, {"chunk_index": last + 1}]},
                                                      owner=session), include=["documents", "metadatas"])
        if not found["ids"] or found["metadatas"][0].get("section_index") != section:
            return doc
        rest = _without_overlap(doc.page_content, found["documents"][0]).lstrip("\n").split("\n")
        items: list[str] = []
        for line in rest:
            if _LIST_LINE.match(line) or (items and line[:1].isspace() and line.strip()):
                items.append(line)  # an item, or an item's wrapped line
            elif line.strip():
                break  # the list has ended
        if not items:
            return doc
        return Document(id=doc.id, page_content="\n".join([doc.page_content.rstrip(), *items]), metadata=meta)

    def keyword_index(self, session: str | None = None) -> _KeywordIndex:
        with store_faults(self.settings):
            return self._keyword_index(self.collection(), session)

    def gate_features(self, query: str, subjects: Subjects | None = None) -> gate.GateFeatures:
        """The relevance gate's features for ``query`` as this retriever sees the store."""
        return self.gate_features_many([query], subjects)[0]

    def gate_features_many(self, queries: list[str], subjects: Subjects | None = None) -> list[gate.GateFeatures]:
        """Gate features of many questions in one encode and one query (calibration scores hundreds).

        The best dense cosine among a search's candidates is the nearest passage's, so one
        nearest neighbour per question gives the same feature as a full search. With ``subjects``, a question
        is read as the answer pipeline's gate reads it: the best cosine of it, of it with its subjects' short
        forms spelled out and of it with the store's glossary too, and the glossed one's keyword coverage.
        """
        from advisor.embeddings import get_embeddings

        known = subjects is not None  # (a store may have a glossary and no subjects)
        spelled = [subjects.spell_out(q, initials=True) for q in queries] if known else list(queries)
        glossed = [subjects.spell_out(q, initials=True, glossary=True) for q in queries] if known else list(queries)
        texts = list(dict.fromkeys([*queries, *spelled, *glossed]))
        with store_faults(self.settings):
            collection = self.collection()
            idf = self.keyword_index().idf
            if collection.count() == 0 or not queries:
                return [gate.GateFeatures(-1.0, 0.0) for _ in queries]
            vectors = get_embeddings().encode(texts)
            nearest = collection.query(query_embeddings=vectors, n_results=1, where=searchable_where(),
                                       include=["distances"])
        best = {t: 1.0 - float(d[0]) for t, d in zip(texts, nearest["distances"]) if d}
        return [gate.features(g, [best[t] for t in (q, s, g) if t in best], idf)
                for q, s, g in zip(queries, spelled, glossed)]

    def _diversify(self, candidates: dict[str, dict], k: int) -> list[str]:
        """MMR over the fused scores, with at most ``max_chunks_per_source`` chunks per source."""
        ids = sorted(candidates, key=lambda c: candidates[c]["fused"], reverse=True)
        top = candidates[ids[0]]["fused"] if ids else 1.0
        lam = self.settings.mmr_lambda
        per_source: dict[str, int] = {}
        chosen: list[str] = []
        while ids and len(chosen) < k:
            best_id, best_value = None, -np.inf
            for cid in ids:
                c = candidates[cid]
                if per_source.get(c["meta"].get("source", ""), 0) >= self.settings.max_chunks_per_source:
                    continue
                redundancy = max((float(c["vector"] @ candidates[s]["vector"]) for s in chosen), default=0.0)
                value = lam * c["fused"] / top - (1 - lam) * redundancy
                if value > best_value:
                    best_id, best_value = cid, value
            if best_id is None:  # every remaining candidate is from a capped source
                break
            chosen.append(best_id)
            ids.remove(best_id)
            source = candidates[best_id]["meta"].get("source", "")
            per_source[source] = per_source.get(source, 0) + 1
        return chosen

    # ------------------------------------------------------------------ keyword index
    def _keyword_index(self, collection, session: str | None = None) -> _KeywordIndex:
        """The BM25 index of what ``session`` may see, rebuilt only when that has changed."""
        if session and not self._has_uploads(collection, session):
            session = None  # the shared index serves it
        current = (revision(collection), uploads_revision(collection) if session else 0)
        with self._lock:
            index = self._indexes.get(session)
            if index is not None and index.revision == current:
                return index
            import bm25s

            ids, texts, metas = [], [], []
            for cid, text, meta in iter_records(collection, include=("documents", "metadatas"),
                                                where=searchable_where(owner=session)):
                ids.append(cid)
                texts.append(text)
                metas.append(meta)
            bm25, idf = None, {}
            if texts:
                bm25 = bm25s.BM25()
                corpus_tokens = [tokens(f"{m.get('title', '')} {m.get('section', '')} {t}") or ["\x00"]
                                 for t, m in zip(texts, metas)]
                bm25.index(corpus_tokens, show_progress=False)
                df: dict[str, int] = {}
                for doc_tokens in corpus_tokens:
                    for w in set(doc_tokens):
                        df[w] = df.get(w, 0) + 1
                idf = {w: float(np.log((1 + len(texts)) / (1 + n))) + 1.0 for w, n in df.items() if w != "\x00"}
            self._indexes.pop(session, None)  # re-inserted last: the most recently built
            index = self._indexes[session] = _KeywordIndex(current, ids, texts, metas, bm25, idf)
            sessions = [s for s in self._indexes if s is not None]
            for stale in sessions[:-MAX_SESSION_INDEXES]:
                del self._indexes[stale]
            return index

    def _has_uploads(self, collection, session: str) -> bool:
        current = uploads_revision(collection)
        if not current:
            return False  # nobody ever uploaded privately: no query needed
        known = self._owners.get(session)
        if known is None or known[0] != current:
            if len(self._owners) > 1000:  # sessions come and go; forget the old answers
                self._owners.clear()
            has = bool(collection.get(where={"owner": session}, limit=1, include=[])["ids"])
            known = self._owners[session] = (current, has)
        return known[1]

    @staticmethod
    def _keyword_hits(index: _KeywordIndex, query: str, n: int):
        if index.bm25 is None:
            return []
        query_tokens = [w for w in tokens(query) if w in index.idf]
        if not query_tokens:
            return []
        n = min(n, len(index.ids))
        results, scores = index.bm25.retrieve([query_tokens], k=n, show_progress=False)
        return [
            (index.ids[i], index.texts[i], index.metadatas[i])
            for i, s in zip(results[0], scores[0])
            if s > 0
        ]


def get_retriever(settings: Settings | None = None) -> HybridRetriever:
    """The project's retriever for these settings (the default component of the pipeline)."""
    return HybridRetriever(settings=settings or get_settings())
