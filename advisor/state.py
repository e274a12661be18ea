"""What the pipeline's steps pass along for one question (advisor/chain.py wires them).

:class:`QuestionState` is made by the condense step and filled in by each step after it; the streaming
steps exchange it as the first of a list of (kind, value) events.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from langchain_core.documents import Document

if TYPE_CHECKING:  # types only: the steps' modules import this one
    from advisor.advice import Advice
    from advisor.profile import StoreProfile
    from advisor.selection import ScoredSentence


@dataclass
class Verification:
    """A model's drafted sentences that the ground step checked, and those it kept."""

    drafted: int = 0
    kept: int = 0


@dataclass
class QuestionState:
    """One question on its way through condense, retrieve, gate, advise, draft, ground and compose."""

    question: str  # as typed (markup removed, cut to the length limit)
    query: str  # what is searched and answered: without instructions, rewritten when it was a follow-up
    asked_now: str  # the question without instructions, never rewritten: the names it asks about
    profile: StoreProfile  # the store's subjects, gate and language, read once for the question
    about: str = ""  # what the person said of themselves (the About-you box)
    turns: list[tuple[str, str]] = field(default_factory=list)
    session: str | None = None  # a page session, whose private uploads are searched too
    started: float = field(default_factory=time.perf_counter)
    timings: dict[str, float] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)
    rewritten: str | None = None  # the standalone question a follow-up became
    blocked: bool = False  # the message was instructions only
    docs: list[Document] = field(default_factory=list)  # the retrieved passages
    gate: dict[str, float] = field(default_factory=dict)  # the gate's features, for the record
    gate_admits: bool = True
    refusal: str | None = None
    refused_because: list[str] = field(default_factory=list)
    advice: Advice | None = None  # what the person's traits point to (advisor/advice.py)
    ranked: list[ScoredSentence] | None = None  # the passages' units ranked for the question, once
    draft_engine: str = ""  # who wrote the answer ("local+extractive")
    verification: Verification = field(default_factory=Verification)


def label_of(doc: Document) -> str:
    """What a passage's article is called (its title, its publication): names a sentence may attribute it to."""
    return " ".join(str(doc.metadata.get(k) or "") for k in ("title", "publication", "source"))


def premise(state: QuestionState) -> str:
    """What the person said of themselves and asked: a model's sentence may restate it without a source."""
    return "\n".join([state.question, state.about, *(text for role, text in state.turns if role == "user")])


def with_about(state: QuestionState) -> str:
    """The question as search, the gate, selection and drafting read it: with what the person said of
    themselves. The names the passages must mention and the language are judged on the question alone
    (a country in "About you" must not refuse every question)."""
    return f"{state.query} (About me: {state.about})" if state.about else state.query


def events(inputs: Iterator) -> Iterator[tuple]:
    """Events of the previous step, whether they stream in one by one or arrive as one list (batch)."""
    for chunk in inputs:
        if isinstance(chunk, QuestionState):
            yield ("state", chunk)
        else:
            yield from chunk
