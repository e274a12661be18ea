"""The corpora the eval suite scores, each with its own dataset: ``python -m evals --corpus NAME``.

``starter`` is ``corpus/`` (the articles the page starts with); every folder under
``corpora/`` is another corpus named after the folder. A corpus's eval cases live in
``evals/datasets/NAME.yaml`` and, optionally, labelled gate questions in
``evals/datasets/NAME-gate.yaml`` (for ``python -m evals.calibrate_gate``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from advisor.config import PROJECT_ROOT, Settings

DATASETS = Path(__file__).resolve().parent / "datasets"


@dataclass(frozen=True)
class Corpus:
    name: str
    folder: Path

    @property
    def dataset(self) -> Path:
        return DATASETS / f"{self.name}.yaml"

    @property
    def gate_questions(self) -> Path:
        return DATASETS / f"{self.name}-gate.yaml"

    def settings(self, settings: Settings, share: str = "") -> Settings:
        """The settings with a collection of this corpus's own, so an eval never touches the user's store (and,
        with ``share``, of one eval worker's share of it: two shares never rebuild one collection of a server)."""
        return settings.model_copy(update={"collection": f"eval-{self.name}{f'-{share}' if share else ''}"})


def is_blind(corpus: str) -> bool:
    """A corpus built by someone who was not tuning the advisor (named "blind-...", evals/datasets/blind-*.md)."""
    return corpus.startswith("blind-")


def corpora() -> dict[str, Corpus]:
    found = {"starter": Corpus("starter", PROJECT_ROOT / "corpus")}
    root = PROJECT_ROOT / "corpora"
    if root.is_dir():
        for folder in sorted(p for p in root.iterdir() if p.is_dir()):
            found[folder.name] = Corpus(folder.name, folder)
    return found


def get_corpus(name: str) -> Corpus:
    known = corpora()
    if name not in known:
        raise ValueError(f"unknown corpus '{name}': known corpora are {', '.join(known)}")
    return known[name]


def build_store(corpus: Corpus, settings: Settings, share: str = "") -> Settings:
    """A fresh store built from the corpus (its own collection, see Corpus.settings), profiled and calibrated;
    returns its settings."""
    from advisor.profile import CorpusProfile, refresh_profile
    from advisor.retrieval import get_retriever
    from ingest.pipeline import ingest_paths

    settings = corpus.settings(settings, share)
    ingest_paths([corpus.folder], settings=settings, reset=True)
    refresh_profile(get_retriever(settings), CorpusProfile.load(corpus.folder))
    return settings
