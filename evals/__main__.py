"""``python -m evals [--engine E[,E]] [--dataset PATH] [--out DIR] [--compare OLD_REPORT] [--thresholds FILE]
[--judge openai]``.

Writes report.json, report.md and scores.png under DIR; exits 1 when an engine
misses a threshold of evals/thresholds.yaml.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path

import yaml

from evals.dataset import DEFAULT_DATASET, load_cases
from evals.judge import JUDGE_METRICS, JudgeUnavailable, judge_rows, require_judge
from evals.report import write_reports

THRESHOLDS = Path(__file__).resolve().parent / "thresholds.yaml"
METRICS = ("faithfulness", "answer_relevance", "fact_recall", "context_precision", "context_recall", "citation_validity")


def _mean(values):
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


def summarize(rows: list[dict]) -> dict:
    scores = [r["scores"] for r in rows]
    summary = {m: _mean([s[m] for s in scores]) for m in METRICS}
    unanswerable = [s for r, s in zip(rows, scores) if not r["answerable"]]
    answerable = [s for r, s in zip(rows, scores) if r["answerable"]]
    summary["refusal_accuracy_unanswerable"] = _mean([float(s["refusal_correct"]) for s in unanswerable])
    summary["refusal_accuracy_answerable"] = _mean([float(s["refusal_correct"]) for s in answerable])
    summary["injection_resistance"] = _mean([float(s["injection_resisted"]) for s in scores if s["injection_resisted"] is not None])
    return summary


def run_engine(engine: str, cases, threshold_support: float) -> list[dict]:
    from tqdm import tqdm

    from advisor.chain import Advisor
    from evals.metrics import score_case

    advisor = Advisor(engine=engine)
    grounder = advisor.grounder
    answerable = [c for c in cases if c.answerable]
    questions = [" ".join([*(t[0] for t in c.history), c.question]) for c in answerable]
    references = [c.reference_answer or c.question for c in answerable]
    rows = []
    for case in tqdm(cases, desc=f"eval {engine}", unit="case", file=sys.stderr):
        started = time.perf_counter()
        answer = advisor.ask(case.question, case.history)
        index = answerable.index(case) if case.answerable else -1
        scores = score_case(grounder, case, answer, index, questions, references, threshold_support)
        rows.append({
            "engine": engine, "category": case.category, "question": case.question, "answerable": case.answerable,
            "answer": answer.text, "refused": answer.refused, "answered_by": answer.engine,
            "rewritten_question": answer.rewritten_question, "citations": [c.source for c in answer.citations],
            "retrieved": answer.context_sources, "contexts": answer.contexts,
            "seconds": round(time.perf_counter() - started, 2),
            "scores": asdict(scores),
        })
    return rows


def check(summary: dict, thresholds: dict) -> list[str]:
    misses = []
    for metric, minimum in thresholds.items():
        value = summary.get(metric)
        if value is None or value < minimum:
            misses.append(f"{metric} {value if value is None else round(value, 3)} < {minimum}")
    return misses


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals", description="Score the advisor's answers.")
    parser.add_argument("--engine", default="extractive", help="engine or comma-separated engines")
    parser.add_argument("--dataset", type=Path, default=DEFAULT_DATASET)
    parser.add_argument("--out", type=Path, default=Path("reports/evals"))
    parser.add_argument("--compare", type=Path, help="an earlier report.json to print deltas against")
    parser.add_argument("--thresholds", type=Path, default=THRESHOLDS, help="minimum scores (default: %(default)s)")
    parser.add_argument("--judge", choices=["openai"], help="also score with ragas through the OpenAI-compatible model")
    args = parser.parse_args(argv)

    from advisor.config import get_settings
    from evals.faithfulness_check import evaluate_metric

    try:
        cases = load_cases(args.dataset)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    thresholds = yaml.safe_load(args.thresholds.read_text())
    settings = get_settings()
    if args.judge:
        try:
            require_judge(settings)
        except JudgeUnavailable as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    from ingest.pipeline import ensure_store

    ensure_store(settings)
    started = time.perf_counter()
    report: dict = {"dataset": str(args.dataset), "cases": len(cases), "engines": {}, "thresholds": thresholds}
    for engine in args.engine.split(","):
        rows = run_engine(engine, cases, settings.support_threshold)
        summary = summarize(rows)
        report["engines"][engine] = {"summary": summary, "misses": check(summary, thresholds), "rows": rows}
        if args.judge:
            report["engines"][engine]["judge"] = judge_rows(rows, [c.reference_answer for c in cases], settings)
    report["faithfulness_metric_check"] = evaluate_metric()
    report["seconds"] = round(time.perf_counter() - started, 1)

    args.out.mkdir(parents=True, exist_ok=True)
    write_reports(report, args.out)
    print(f"wrote {args.out / 'report.md'} ({report['seconds']} s)")
    for engine, data in report["engines"].items():
        line = ", ".join(f"{k} {v:.3f}" for k, v in data["summary"].items() if v is not None)
        print(f"{engine}: {line}")
        if "judge" in data:
            judged = data["judge"]
            scores = ", ".join(f"{m} {judged[m]:.3f}" for m in JUDGE_METRICS if judged.get(m) is not None)
            print(f"{engine}, ragas judge on {judged['cases']} answered cases: {scores or 'no scores'} "
                  f"({judged['failed_scores']} scores the judge failed to produce; not a CI gate)")
        for miss in data["misses"]:
            print(f"  THRESHOLD MISSED: {miss}")
    check_result = report["faithfulness_metric_check"]
    print(f"faithfulness metric: ROC AUC {check_result['auc']:.3f}, accuracy {check_result['accuracy']:.3f} "
          f"at threshold {check_result['threshold']}")
    if args.compare:
        _print_deltas(json.loads(args.compare.read_text()), report)
    return 1 if any(d["misses"] for d in report["engines"].values()) else 0


def _print_deltas(old: dict, new: dict) -> None:
    for engine, data in new["engines"].items():
        before = old.get("engines", {}).get(engine, {}).get("summary", {})
        parts = []
        for metric, value in data["summary"].items():
            if value is not None and before.get(metric) is not None:
                parts.append(f"{metric} {value - before[metric]:+.3f}")
        print(f"{engine} vs {old.get('dataset', 'old report')}: " + (", ".join(parts) or "no common metrics"))


if __name__ == "__main__":
    sys.exit(main())
