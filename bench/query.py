"""Per-engine latency of the advisor: retrieval, time to first token and total time (p50/p95).

Runs the eval questions (answerable and not) through ``advisor.stream`` on the
store under ADVISOR_HOME (build it first with ``python -m ingest``). The first
question per engine warms the models and is not counted. The store's passages are
prepared first, as the page does after start-up (``Advisor.prepare_passages``);
``--unprepared`` leaves them out, so every question embeds the passages it is the
first to retrieve.

    python bench/query.py [--engines extractive,local] [--limit N] [--unprepared]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from advisor.answer import Answer  # noqa: E402
from advisor.chain import Advisor  # noqa: E402
from evals.dataset import load_cases  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run(engine: str, questions: list[tuple[str, list]], prepared: bool = True) -> dict:
    advisor = Advisor(engine=engine)
    if not prepared:
        advisor.grounder.disk = None  # neither read nor written: every passage is embedded when first retrieved
    advisor.ask("What does an AI engineer do?")  # warm-up: model loads, caches
    retrieval, first, total = [], [], []
    for question, history in questions:
        t0 = time.perf_counter()
        first_delta = None
        answer = None
        for item in advisor.stream(question, history):
            if isinstance(item, Answer):
                answer = item
            elif first_delta is None:
                first_delta = time.perf_counter() - t0
        total.append((time.perf_counter() - t0) * 1000)
        first.append((first_delta or 0) * 1000)
        retrieval.append(answer.timings_ms["retrieval_ms"])
    return {
        "engine": engine, "questions": len(questions),
        "retrieval_ms": (percentile(retrieval, .5), percentile(retrieval, .95)),
        "first_token_ms": (percentile(first, .5), percentile(first, .95)),
        "total_ms": (percentile(total, .5), percentile(total, .95)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engines", default="extractive,local")
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--unprepared", action="store_true", help="do not prepare the passages' vectors first")
    args = parser.parse_args()
    if not args.unprepared:
        started = time.perf_counter()
        passages, encoded = Advisor(engine="extractive").prepare_passages()
        print(f"prepared {encoded} new texts for {passages} passages in {time.perf_counter() - started:.1f} s")
    cases = load_cases()
    questions = [(c.question, c.history) for c in cases][: args.limit or None]
    print(f"{'engine':<11} {'n':>3}  {'retrieval p50/p95':>18}  {'first token p50/p95':>20}  {'total p50/p95':>18}")
    rows = []
    for engine in args.engines.split(","):
        r = run(engine, questions, prepared=not args.unprepared)
        rows.append(r)
        fmt = lambda pair: f"{pair[0]:7.0f} /{pair[1]:7.0f}"  # noqa: E731
        print(f"{engine:<11} {r['questions']:>3}  {fmt(r['retrieval_ms']):>18}  {fmt(r['first_token_ms']):>20}  {fmt(r['total_ms']):>18}  (ms)")
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
