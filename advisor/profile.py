"""What a store knows about itself: how to present it, whom it is about, and its gate.

- The corpus profile (title, a one-line scope used in refusals, starter questions)
  is data kept with a corpus (``profile.yaml`` beside its articles). Without one,
  sensible defaults come from the store: its subjects and titles.
- The subjects (advisor/subjects.py) are found in the stored passages.
- The gate calibration (advisor/gate.py) is fitted on the store's own passages.

All three are saved in the collection's metadata together with the store
revision they were made for, so the page, the CLI and the evals read the same
values, and a profile older than the store is rebuilt on first use.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from advisor.gate import DEFAULT, FEATURES_VERSION, Calibration
from advisor.subjects import Subjects
from advisor.text import content_words

PROFILE_FILE = "profile.yaml"


@dataclass
class CorpusProfile:
    title: str = ""
    scope: str = ""
    starters: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, folder: Path) -> CorpusProfile | None:
        """The ``profile.yaml`` of a corpus folder, or None if it has none."""
        path = Path(folder) / PROFILE_FILE
        if not path.is_file():
            return None
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return cls(str(data.get("title", "")).strip(), str(data.get("scope", "")).strip(),
                   [str(s).strip() for s in data.get("starters", []) if str(s).strip()])


@dataclass
class StoreProfile:
    revision: int
    corpus: CorpusProfile
    subjects: Subjects
    gate: Calibration
    titles: list[str] = field(default_factory=list)
    language: str = ""  # ISO 639-1 code of the language the passages are written in (advisor/language.py)

    @classmethod
    def empty(cls) -> StoreProfile:
        """A stand-in while the store cannot be read (the page starts anyway; its questions say why)."""
        return cls(-1, CorpusProfile(), Subjects(), DEFAULT)

    # ---------------------------------------------------------------- presentation
    @property
    def title(self) -> str:
        return self.corpus.title or "Career Advisor"

    @property
    def scope(self) -> str:
        """What the store covers, for refusals and the page: the profile's own line while it names most of
        the store's subjects; once articles about other careers are added (more than half of the subjects
        unnamed), the subjects themselves, or the articles' titles when there are many. The subjects are the
        careers the articles are about (advisor.subjects.Subjects.careers), not every kind of worker they mention
        ("graduates", "banks"); when fewer than two are known to be named in a heading (or the store was saved
        before subjects knew their headings), the ones its titles name."""
        titled = set(self.subjects.headed_careers) or self.subjects.find("\n".join(self.titles))
        names = [self.subjects.label(s) for s in self.subjects.variants if s in titled or not titled]
        named = [n for n in names if content_words(n) <= content_words(self.corpus.scope)]
        if self.corpus.scope and len(named) * 2 >= len(names):
            return self.corpus.scope
        if 0 < len(names) <= 8:
            return "what " + _join(names) + " do, the skills they need, their pay and how to choose between them"
        if self.titles:
            shown = self.titles[:8]
            more = f" and {len(self.titles) - len(shown)} more articles" if len(self.titles) > len(shown) else ""
            return "the topics of these articles: " + _join(shown) + more
        return "nothing yet: add articles with 'python -m ingest' or the page's upload"

    @property
    def starters(self) -> list[str]:
        if self.corpus.starters:
            return self.corpus.starters
        names = [self.subjects.with_article(s) for s in self.subjects.variants]
        out = [f"What does {names[0]} do?"] if names else []
        if len(names) >= 2:
            out += [f"What is the difference between {names[0]} and {names[1]}?", "Which role pays more?"]
        out += [f"What do the sources say about {t.lower()}?" for t in self.titles[: max(0, 4 - len(out))]]
        return out[:4]

    def refusal(self, uncovered: list[str] | None = None) -> str:
        """The friendly refusal: what is missing, if known, and what these sources do cover."""
        head = REFUSED
        if uncovered:
            head = f"My sources don't cover {_join(uncovered)}, {REFUSED_TAIL}"
        return f"{head} {SCOPE_LEAD} {self.scope.rstrip('.')}."

    # ---------------------------------------------------------------- storage
    def to_metadata(self) -> dict:
        return {"profile_revision": self.revision,
                "profile": json.dumps({"title": self.corpus.title, "scope": self.corpus.scope,
                                       "starters": self.corpus.starters, "titles": self.titles}),
                "subjects": self.subjects.to_json(),
                "gate": json.dumps(self.gate.as_dict()),
                "language": self.language}

    @classmethod
    def from_metadata(cls, metadata: dict) -> StoreProfile | None:
        if "profile_revision" not in metadata:
            return None
        data = json.loads(metadata.get("profile") or "{}")
        return cls(int(metadata["profile_revision"]),
                   CorpusProfile(data.get("title", ""), data.get("scope", ""), list(data.get("starters", []))),
                   Subjects.from_json(metadata.get("subjects")),
                   Calibration(**json.loads(metadata["gate"])) if metadata.get("gate") else DEFAULT,
                   list(data.get("titles", [])), str(metadata.get("language") or ""))


REFUSED = "I can't answer that from my sources."
REFUSED_TAIL = "so I can't answer that."
SCOPE_LEAD = "They can help with"


def is_refusal(text: str) -> bool:
    """Was this reply one of the store's refusals (whatever it said was missing)?"""
    head = text.strip().split(SCOPE_LEAD)[0].strip()
    return head.startswith(REFUSED) or head.endswith(REFUSED_TAIL)


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


# ---------------------------------------------------------------- building and reading

_lock = threading.Lock()


def build_profile(retriever, corpus: CorpusProfile | None = None) -> StoreProfile:
    """Find the subjects and calibrate the gate for the store as it is now (a few seconds)."""
    from advisor import gate
    from advisor.language import corpus_language
    from advisor.store import iter_records, revision, searchable_where
    from advisor.subjects import find_subjects, headings_and_text

    collection = retriever.collection()
    current = revision(collection)
    old = StoreProfile.from_metadata(collection.metadata or {})
    corpus = corpus or (old.corpus if old else CorpusProfile())
    records = [(text, meta) for _, text, meta in iter_records(collection, include=("documents", "metadatas"),
                                                              where=searchable_where())]
    subjects = find_subjects(headings_and_text(records))
    titles = sorted({m.get("title", "") for _, m in records if m.get("title")})
    index = retriever.keyword_index()
    names = [subjects.with_article(s) for s in subjects.variants]
    calibration = gate.calibrate(lambda questions: retriever.gate_features_many(questions, subjects), records, names,
                                 index.idf, current) \
        if records else DEFAULT
    step = max(1, len(records) // 40)
    language = corpus_language(text for text, _ in records[::step])
    return StoreProfile(current, corpus, subjects, calibration, titles, language)


def save_profile(collection, profile: StoreProfile) -> None:
    metadata = dict(collection.metadata or {})
    metadata.update(profile.to_metadata())
    collection.modify(metadata=metadata)


def refresh_profile(retriever, corpus: CorpusProfile | None = None) -> StoreProfile:
    """Rebuild and save the profile now (ingest calls this after every change)."""
    with _lock:
        profile = build_profile(retriever, corpus)
        save_profile(retriever.collection(), profile)
        return profile


def current_profile(retriever) -> StoreProfile:
    """The store's saved profile, rebuilt first if the store changed since it was made.

    Raises ``StoreUnavailable`` when the store cannot be read or reached (advisor/store.py)."""
    from advisor.store import store_faults

    with store_faults(getattr(retriever, "settings", None)):
        collection = retriever.collection()
        saved = StoreProfile.from_metadata(collection.metadata or {})
        return saved if is_current(saved, collection) else refresh_profile(retriever)


def is_current(saved: StoreProfile | None, collection) -> bool:
    """Was the saved profile made for the store as it is, by this version's gate and subjects? (A profile saved
    before subjects kept their fields is made again: its subjects would lack them.)"""
    from advisor.store import revision

    return (saved is not None and saved.revision == revision(collection)
            and saved.gate.features_version == FEATURES_VERSION
            and '"fields"' in ((collection.metadata or {}).get("subjects") or '"fields"'))


def folders_profile(folders) -> CorpusProfile | None:
    """The ``profile.yaml`` of the first of these folders that has one."""
    return next((p for p in (CorpusProfile.load(Path(f)) for f in folders if Path(f).is_dir()) if p), None)


def refresh_after_ingest(settings, folders) -> StoreProfile:
    """Ingest's last step: the profile of the first folder that has one, subjects and gate for the new store."""
    from advisor.retrieval import get_retriever

    return refresh_profile(get_retriever(settings), folders_profile(folders))


def update_corpus_profile(collection, saved: StoreProfile, folders) -> bool:
    """An ingest that changed no passage takes a folder's edited ``profile.yaml`` without calibrating again: the
    subjects and the gate are read from the passages alone. Returns whether the saved profile changed."""
    corpus = folders_profile(folders)
    if corpus is None or corpus == saved.corpus:
        return False
    with _lock:
        save_profile(collection, StoreProfile(saved.revision, corpus, saved.subjects, saved.gate, saved.titles,
                                              saved.language))
    return True
