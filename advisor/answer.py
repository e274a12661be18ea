"""The answer every caller gets: text, numbered citations, refusal flag, timings."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

REFUSAL = (
    "I can't answer that from my sources. I can help with careers in AI and machine learning: "
    "what AI engineers and ML engineers do, the skills and tools each role needs, salaries and demand, "
    "and how to choose between the roles or switch from one to the other."
)


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
    engine: str = ""
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
            "engine": self.engine,
            "citations": [asdict(c) for c in self.citations],
            "rewritten_question": self.rewritten_question,
            "timings_ms": {k: round(v, 1) for k, v in self.timings_ms.items()},
            "notice": self.notice,
        }
