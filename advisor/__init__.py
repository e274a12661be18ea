"""Career advisor: grounded answers to career questions, only from the articles it was given.

``advisor.ask(question, history=())`` returns an :class:`~advisor.answer.Answer`;
``advisor.stream(...)`` yields text deltas and then the ``Answer``. The UI, the
CLI, the evals and the benchmarks all answer through these two functions.
"""

from __future__ import annotations

__all__ = ["Advisor", "Answer", "Citation", "ask", "stream", "get_advisor"]


def __getattr__(name: str):
    # Lazy, so that `python -m ingest --list` does not import the whole chain.
    if name in ("Advisor", "ask", "stream", "get_advisor"):
        from advisor import chain

        return getattr(chain, name)
    if name in ("Answer", "Citation"):
        from advisor import answer

        return getattr(answer, name)
    raise AttributeError(name)
