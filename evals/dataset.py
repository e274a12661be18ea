"""Eval cases: a readable YAML file, loaded into typed records."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import yaml

DEFAULT_DATASET = Path(__file__).resolve().parent / "datasets" / "starter.yaml"
CATEGORIES = ("factual", "comparison", "advice", "disagreement", "follow-up", "unanswerable", "injection")


@dataclass
class Case:
    question: str
    category: str
    reference_answer: str = ""
    reference_facts: list[str] = field(default_factory=list)
    expected_sources: list[str] = field(default_factory=list)
    history: list[tuple[str, str]] = field(default_factory=list)
    forbidden: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    about: str = ""  # what the person says of themselves ("About you" on the page)
    recommends: str = ""  # an advice case's career the sources support for this person, or "depends"
    deciding_trait: str = ""  # what a "depends" recommendation turns on

    @property
    def half(self) -> str:
        """"tuning" or "test": fixed by a hash of the question, so a question (and every sentence of its
        answer) sits in one half only, and adding cases never moves old ones."""
        return "tuning" if hashlib.sha256(self.question.strip().lower().encode("utf-8")).digest()[0] % 2 == 0 \
            else "test"

    @property
    def answerable(self) -> bool:
        """A case with no expected source is one the advisor should refuse."""
        return bool(self.expected_sources)


def load_cases(path: Path | str | None = None) -> list[Case]:
    path = Path(path or DEFAULT_DATASET)
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) if path.suffix in (".yaml", ".yml") else None
    if raw is None:  # JSONL (the feedback export writes it)
        import json

        raw = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    cases = []
    for i, item in enumerate(raw):
        if item.get("review"):  # a disliked answer exported for a person to correct: not a case yet
            continue
        if not item.get("question") or item.get("category") not in CATEGORIES:
            raise ValueError(f"{path}: case {i + 1} needs a question and a category in {CATEGORIES}")
        cases.append(Case(
            question=item["question"], category=item["category"],
            reference_answer=item.get("reference_answer") or "",
            reference_facts=list(item.get("reference_facts") or []),
            expected_sources=list(item.get("expected_sources") or []),
            history=[tuple(turn) for turn in item.get("history") or []],
            forbidden=list(item.get("forbidden") or []),
            tags=list(item.get("tags") or []),
            about=str(item.get("about") or ""),
            recommends=str(item.get("recommends") or ""),
            deciding_trait=str(item.get("deciding_trait") or ""),
        ))
    return cases
