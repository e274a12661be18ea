"""The local engine with two GGUF models on the same questions: quality against time (issue 23, point 4).

Builds each corpus's store as the eval suite does, takes an even sample of its answerable cases
(every k-th, the same for both models), and asks each through ``advisor.stream`` with the local
engine, once per model. Prints aggregates only (fact recall, refusals, the share of the model's
drafted sentences that verification kept, time to first words and to the whole answer), so it
can run on the blind corpora without showing their cases.

    python bench/local_models.py --model /path/to/other.gguf [--corpus blind-trades,blind-languages] [--sample 12]

Without ``--model`` it compares the packaged model with itself (a check that the script runs).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from advisor.answer import Answer  # noqa: E402
from advisor.chain import Advisor  # noqa: E402
from advisor.config import Settings  # noqa: E402
from advisor.llm import ensure_local_model  # noqa: E402
from evals.corpora import build_store, get_corpus  # noqa: E402
from evals.dataset import load_cases  # noqa: E402
from evals.metrics import fact_recall  # noqa: E402


def sample(cases: list, size: int) -> list:
    """Every k-th answerable case, so the sample spreads over the dataset's categories in their order."""
    answerable = [c for c in cases if c.answerable and c.reference_facts]
    step = max(1, len(answerable) // size) if size else 1
    return answerable[::step][: size or None]


def run(settings: Settings, model: Path, cases: list) -> dict:
    advisor = Advisor(settings=settings.model_copy(update={"local_model": model}), engine="local")
    advisor.ask(cases[0].question)  # warm-up: the model loads once, not inside a timed answer
    first, total, recall, refused, drafted, dropped = [], [], [], 0, 0, 0
    for case in cases:
        started = time.perf_counter()
        first_words = None
        answer = None
        for item in advisor.stream(case.question, case.history, about=case.about):
            if isinstance(item, Answer):
                answer = item
            elif first_words is None:
                first_words = time.perf_counter() - started
        total.append(time.perf_counter() - started)
        first.append(first_words if first_words is not None else total[-1])
        refused += answer.refused
        recall.append(0.0 if answer.refused else fact_recall(advisor.grounder, answer.text, case.reference_facts))
        drafted += answer.drafted_sentences
        dropped += answer.dropped_sentences
    return {
        "model": model.name, "questions": len(cases),
        "fact_recall": statistics.fmean(recall), "refused": refused,
        "drafted_kept": (drafted - dropped) / drafted if drafted else 0.0, "drafted": drafted,
        "first_words_s": statistics.median(first), "total_s": statistics.median(total),
        "total_p95_s": sorted(total)[min(len(total) - 1, round(0.95 * (len(total) - 1)))],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, help="the other GGUF file (default: the packaged model again)")
    parser.add_argument("--corpus", default="blind-trades,blind-languages")
    parser.add_argument("--sample", type=int, default=12, help="answerable cases per corpus (0: all)")
    args = parser.parse_args()
    if args.model and not args.model.is_file():
        parser.error(f"--model: no GGUF file at {args.model}")
    packaged = ensure_local_model(Settings())
    models = [packaged, args.model or packaged]
    rows = []
    print(f"{'corpus':<16} {'model':<44} {'n':>3} {'fact recall':>11} {'refused':>7} {'drafted kept':>12} "
          f"{'first words p50':>15} {'total p50/p95':>14}")
    for name in args.corpus.split(","):
        corpus = get_corpus(name)
        settings = build_store(corpus, Settings())
        cases = sample(load_cases(corpus.dataset), args.sample)
        for model in models:
            row = {"corpus": name, **run(settings, model, cases)}
            rows.append(row)
            print(f"{name:<16} {row['model']:<44} {row['questions']:>3} {row['fact_recall']:>11.3f} {row['refused']:>7} "
                  f"{row['drafted_kept']:>7.2f} of {row['drafted']:<3} {row['first_words_s']:>13.1f} s "
                  f"{row['total_s']:>5.1f} /{row['total_p95_s']:>5.1f} s", flush=True)
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
