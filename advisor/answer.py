"""The answer every caller gets: text, numbered citations, refusal flag, timings.

A refusal's text comes from the store's profile (advisor/profile.py): it says
what this store's sources can help with, never a fixed topic.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class Citation:
    id: int  # the number used in the answer's [n] marks
    source: str
    title: str
    text: str
    score: float
    section: str = ""
    publication: str = ""
    url: str = ""


@dataclass
class Answer:
    text: str
    citations: list[Citation] = field(default_factory=list)
    refused: bool = False
    # Why it was refused: "instruction", "language" (asked in another language than the sources'), "no passages", "not mentioned" (a name no passage mentions),
    # "gate" (the store's calibrated relevance gate), "nothing supported" (no drafted sentence held up).
    refused_because: list[str] = field(default_factory=list)
    engine: str = ""
    # A model's drafted sentences that verification checked, and how many of them it removed.
    drafted_sentences: int = 0
    dropped_sentences: int = 0
    question: str = ""
    rewritten_question: str | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)
    # Something the user should know about how this answer was made (a fallback, a cut message).
    notice: str | None = None
    # The retrieved passages the answer was grounded on (numbered citations are a subset)
    # and their sources, in retrieval order: the eval harness scores them.
    contexts: list[str] = field(default_factory=list)
    context_sources: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "answer": self.text,
            "refused": self.refused,
            "refused_because": self.refused_because,
            "engine": self.engine,
            "drafted_sentences": self.drafted_sentences,
            "dropped_sentences": self.dropped_sentences,
            "citations": [asdict(c) for c in self.citations],
            "rewritten_question": self.rewritten_question,
            "timings_ms": {k: round(v, 1) for k, v in self.timings_ms.items()},
            "notice": self.notice,
        }


@dataclass
class AnswerChunk:
    """One piece of a streamed answer: a text delta, and on the last chunk the whole :class:`Answer`.

    Chunks add up (``a + b``) the way LangChain's message chunks do, so the pipeline's
    ``invoke`` and ``batch`` return the sum of what ``stream`` yields.
    """

    text: str = ""
    answer: Answer | None = None

    def __add__(self, other: AnswerChunk) -> AnswerChunk:
        return AnswerChunk(self.text + other.text, other.answer or self.answer)
