"""One worker process of ``python -m evals --jobs N``: a share of the corpora's scoring with its share of the
cores.

It lives outside ``evals/__main__.py`` because a spawned process finds a function by its module's name, and
the running CLI's module is named ``__main__``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Share:
    """A piece of one corpus's scoring that a worker process does on a store of its own: an engine's answers
    to every ``parts``-th case from ``part``, or (``engine`` None) the corpus's stand-in models."""

    corpus: str
    engine: str | None
    part: int = 0
    parts: int = 1

    @property
    def label(self) -> str:
        """What tells it from the corpus's other shares (its store's home and collection carry it)."""
        return f"{self.engine or 'standins'}-{self.part}"


def score_share_with(threads: int, *args, **kwargs) -> dict:
    """:func:`evals.__main__.score_share` with torch (the embedding model) on ``threads`` threads; llama.cpp
    takes its share from the settings passed in."""
    import torch

    from evals.__main__ import score_share

    torch.set_num_threads(threads)
    return score_share(*args, **kwargs)
