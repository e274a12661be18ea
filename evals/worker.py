"""One worker process of ``python -m evals --jobs N``: a share of the corpora's scoring with its share of the
cores.

It lives outside ``evals/__main__.py`` because a spawned process finds a function by its module's name, and
the running CLI's module is named ``__main__``; the CLI imports from here, never the other way.
"""

from __future__ import annotations

import sys
import time
from dataclasses import asdict, dataclass

from evals.dataset import load_cases


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
    """:func:`score_share` with torch (the embedding model) on ``threads`` threads; llama.cpp
    takes its share from the settings passed in."""
    import torch

    torch.set_num_threads(threads)
    return score_share(*args, **kwargs)


def run_engine(engine: str, cases, settings, part: int = 0, parts: int = 1) -> list[dict]:
    """The engine's answers to ``cases[part::parts]``, scored (the other cases' questions still count for
    the off-topic check)."""
    from tqdm import tqdm

    from advisor.chain import Advisor
    from evals.metrics import answer_sentences, as_asked, score_case

    advisor = Advisor(settings=settings, engine=engine)
    careers = sorted({c.recommends for c in cases if c.recommends and c.recommends.lower() != "depends"})
    rows = []
    share = f" {part + 1}/{parts}" if parts > 1 else ""
    for case in tqdm(cases[part::parts], desc=f"eval {engine}{share}", unit="case", file=sys.stderr):
        started = time.perf_counter()
        answer = advisor.ask(case.question, case.history, about=case.about)
        others = [as_asked(c) for c in cases if c.question != case.question]  # for the off-topic count
        scores = score_case(advisor.grounder, case, answer, others, careers)
        rows.append({
            "engine": engine, "category": case.category, "question": case.question, "answerable": case.answerable,
            "half": case.half, "tags": case.tags,
            "answer": answer.text, "refused": answer.refused, "refused_because": answer.refused_because,
            "answered_by": answer.engine,
            "drafted_sentences": answer.drafted_sentences, "dropped_sentences": answer.dropped_sentences,
            "answer_sentences": len(answer_sentences(answer.text)),
            "rewritten_question": answer.rewritten_question, "citations": [c.source for c in answer.citations],
            "retrieved": answer.context_sources, "contexts": answer.contexts,
            "seconds": round(time.perf_counter() - started, 2),
            "scores": asdict(scores),
        })
    return rows


def score_share(share: Share, settings) -> dict:
    """One share scored on a fresh store of its own (an embedded Chroma client belongs to one process):
    ``{"rows": …}`` or ``{"standins": …}``."""
    from evals.corpora import build_store, get_corpus

    corpus = get_corpus(share.corpus)
    corpus_settings = build_store(corpus, settings, share=share.label)
    if share.engine is None:
        from evals.standin_models import run_standins

        return {"standins": run_standins(share.corpus, corpus.folder, corpus_settings)}
    cases = load_cases(corpus.dataset)
    return {"rows": run_engine(share.engine, cases, corpus_settings, share.part, share.parts)}
