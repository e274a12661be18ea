"""One worker process of ``python -m evals --jobs N``: a corpus scored with its share of the cores.

It lives outside ``evals/__main__.py`` because a spawned process finds a function by its module's name, and
the running CLI's module is named ``__main__``.
"""

from __future__ import annotations


def score_corpus_with(threads: int, *args, **kwargs) -> dict:
    """:func:`evals.__main__.score_corpus` with torch (the embedding model) on ``threads`` threads; llama.cpp
    takes its share from the settings passed in."""
    import torch

    from evals.__main__ import score_corpus

    torch.set_num_threads(threads)
    return score_corpus(*args, **kwargs)
