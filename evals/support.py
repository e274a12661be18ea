"""The independent judge of a claim, shared by the metrics (evals/metrics.py) and the sentence-quality model
(evals/sentence_quality.py): :func:`claim_support` reads no embeddings, only what a careful reader checks —
are the sentence's words and word pairs in one place of the passage, and is every figure there with its
currency? And :func:`roc_auc`, how both are measured on labelled sentences.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import regex as re  # Unicode classes (\p{L}, \p{Lu}): "Élodie" and "Zürich" are words

from advisor.figures import figures_in, same_value
from advisor.text import citations_in, split_sentences, strip_citations, tokens

SUPPORTED = 0.6  # claim_support at or above this counts a sentence as supported (fitted on the tuning half)


def _bigrams(words: list[str]) -> set[tuple[str, str]]:
    return set(zip(words, words[1:]))


_ITEM = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")


def _windows(context: str) -> list[str]:
    """What a reader checks a claim against: every three consecutive sentences of the passage, and every
    list whole with its lead-in (a list item is a sentence together with the line that introduces it)."""
    sentences: list[str] = []
    lists: list[list[str]] = []
    lead = ""
    for line in context.split("\n"):
        if not line.strip():
            continue
        if _ITEM.match(line) and lead:
            sentences += [f"{lead} {s}" for s in split_sentences(line)]
            lists[-1] += split_sentences(line)
            continue
        lead = line.strip() if line.rstrip().rstrip("*_").endswith(":") else ""
        if lead:
            lists.append([lead])
        sentences += split_sentences(line)
    sentences = sentences or [context]
    windows = [" ".join(sentences[max(0, i - 1) : i + 2]) for i in range(len(sentences))]
    return windows + [" ".join(block) for block in lists if len(block) > 1]


def claim_support(sentence: str, contexts: Sequence[str]) -> float:
    """How well the best window of the passages (:func:`_windows`) supports the sentence, in [0, 1].

    0.6 x share of the sentence's content words in the window + 0.4 x share of its word
    pairs; 0 when a figure of the sentence is missing from the window.
    """
    words = tokens(sentence)
    if not words:
        return 1.0
    figures = figures_in(strip_citations(sentence))
    pairs = _bigrams(words)
    best = 0.0
    for context in contexts:
        for window in _windows(context):
            window_tokens = tokens(window)
            window_figures = figures_in(window)
            if any(not any(same_value(f, g) for g in window_figures) for f in figures):
                continue
            unigram = len(set(words) & set(window_tokens)) / len(set(words))
            bigram = len(pairs & _bigrams(window_tokens)) / len(pairs) if pairs else unigram
            best = max(best, 0.6 * unigram + 0.4 * bigram)
    return best


def cited_parts(sentence: str) -> list[str]:
    """A sentence strung together from quotes, each cited ("a [1]; b [2]."), as its quotes; else the sentence."""
    parts = [p for p in sentence.split(";") if citations_in(p)]
    return parts if len(parts) > 1 else [sentence]



def roc_auc(labels: Sequence[int], scores: Sequence[float]) -> float:
    """Area under the ROC curve (probability a positive outscores a negative; ties count half)."""
    pos = np.array([s for s, y in zip(scores, labels) if y], dtype=float)
    neg = np.array([s for s, y in zip(scores, labels) if not y], dtype=float)
    if not len(pos) or not len(neg):
        return float("nan")
    wins = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(wins / (len(pos) * len(neg)))
