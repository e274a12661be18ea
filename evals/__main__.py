"""``python -m evals [--engine E[,E]] [--corpus NAME[,NAME]] [--dataset PATH] [--out DIR] [--compare OLD_REPORT]
[--thresholds FILE] [--judge openai] [--jobs N]``.

With ``--corpus``, each named corpus (evals/corpora.py) gets a fresh store of its own,
built and calibrated as ingest does, and is scored with its own dataset; without it,
the store under ADVISOR_HOME is scored with ``--dataset``. Writes report.json,
report.md and scores.png under DIR; exits 1 when any engine on any corpus misses a
threshold of evals/thresholds.yaml (the same thresholds for every corpus).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import yaml

from evals.corpora import is_blind
from evals.dataset import DEFAULT_DATASET, load_cases
from evals.judge import JUDGE_METRICS, JudgeUnavailable, judge_rows, require_judge
from evals.report import write_reports
from evals.instruction_check import describe as describe_instruction_check
from evals.instruction_check import misses as instruction_misses
from evals.worker import Share, run_engine, score_share_with

THRESHOLDS = Path(__file__).resolve().parent / "thresholds.yaml"
METRICS = ("faithfulness", "answer_relevance", "fact_recall", "context_precision", "context_recall", "citation_validity")
FORM = ("fragments", "orphans", "duplicates", "off_topic")
# Thresholds on the metrics' own quality (evals/faithfulness_check.py), not on an engine's answers.
METRIC_CHECK = ("faithfulness_auc_heldout",)
# Thresholds on the held-out stand-in answers of a corpus (evals/standin_models.py), checked per corpus.
STANDIN_CHECK = ("standin_true_kept", "standin_false_dropped")
# Thresholds on the question's instruction detector (evals/instruction_check.py), checked once per run.
INSTRUCTION_CHECK = ("instructions_caught_blind", "genuine_taken_for_instructions_blind")


def _mean(values):
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


def interval(values: list[float], draws: int = 2000) -> tuple[float, float] | None:
    """A 95 % bootstrap interval of the mean (percentile method, fixed seed so a report is reproducible)."""
    import numpy as np

    if not values:
        return None
    data = np.asarray(values, dtype=float)
    means = np.random.default_rng(0).choice(data, size=(draws, len(data)), replace=True).mean(axis=1)
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def blind_figures(rows: list[dict]) -> dict:
    """What issue 22 asks of every corpus: fact recall with its 95 % interval (a refused answerable
    question counts 0), answerable questions refused, out-of-scope refused, accented-name cases
    answered, and advice that opens with the recommendation the sources support; for each half of the
    dataset (split by question) as well as in all."""
    def figures(part: list[dict]) -> dict:
        answerable = [r for r in part if r["answerable"]]
        recall = [r["scores"]["fact_recall"] for r in answerable if r["scores"]["fact_recall"] is not None]
        out_of_scope = [r for r in part if not r["answerable"]]
        accented = [r for r in answerable if "accented" in r.get("tags", [])]
        advice = [r["scores"]["recommendation_first"] for r in part if r["scores"].get("recommendation_first") is not None]
        return {
            "cases": len(part),
            "fact_recall": _mean(recall), "fact_recall_ci95": interval(recall),
            "answerable_refused": sum(r["refused"] for r in answerable), "answerable": len(answerable),
            "answerable_refused_because": dict(Counter(reason for r in answerable if r["refused"]
                                                       for reason in r.get("refused_because") or ["?"])),
            "answerable_refused_ci95": interval([float(r["refused"]) for r in answerable]),
            "out_of_scope_refused": sum(r["refused"] for r in out_of_scope), "out_of_scope": len(out_of_scope),
            "accented_answered": sum(not r["refused"] and bool(r["scores"]["fact_recall"]) for r in accented),
            "accented": len(accented),
            "recommendation_first": _mean([float(v) for v in advice]), "advice_labelled": len(advice),
        }

    return {"all": figures(rows), **{half: figures([r for r in rows if r.get("half") == half])
                                     for half in ("tuning", "test")}}


def _share(n: int, total: int) -> str:
    return f"{n}/{total}" if total else "—"


def blind_line(f: dict) -> str:
    ci = f["fact_recall_ci95"]
    recall = f"{f['fact_recall']:.3f} [{ci[0]:.3f}, {ci[1]:.3f}]" if f["fact_recall"] is not None and ci else "—"
    advice = f", advice opens with the recommendation {f['recommendation_first']:.3f} of {f['advice_labelled']}" \
        if f["advice_labelled"] else ""
    accented = f", accented-name cases answered {_share(f['accented_answered'], f['accented'])}" if f["accented"] else ""
    why = ", ".join(f"{k} {v}" for k, v in sorted(f["answerable_refused_because"].items()))
    return (f"fact recall {recall}, answerable refused {_share(f['answerable_refused'], f['answerable'])}"
            f"{f' ({why})' if why else ''}, "
            f"out of scope refused {_share(f['out_of_scope_refused'], f['out_of_scope'])}{accented}{advice}")


def summarize(rows: list[dict]) -> dict:
    scores = [r["scores"] for r in rows]
    summary = {m: _mean([s[m] for s in scores]) for m in METRICS}
    unanswerable = [s for r, s in zip(rows, scores) if not r["answerable"]]
    answerable = [s for r, s in zip(rows, scores) if r["answerable"]]
    summary["refusal_accuracy_unanswerable"] = _mean([float(s["refusal_correct"]) for s in unanswerable])
    summary["refusal_accuracy_answerable"] = _mean([float(s["refusal_correct"]) for s in answerable])
    summary["injection_resistance"] = _mean([float(s["injection_resisted"]) for s in scores if s["injection_resisted"] is not None])
    forms = [s["form"] for s in scores if s.get("form")]
    sentences = sum(f["sentences"] for f in forms)
    for name in FORM:
        summary[f"{name}_rate"] = sum(f[name] for f in forms) / sentences if sentences else None
    summary["form_defect_rate"] = sum(f[n] for f in forms for n in ("fragments", "orphans", "duplicates")) / sentences \
        if sentences else None
    summary["first_sentence_answers"] = _mean([float(f["first_answers"]) for f in forms if f["sentences"]])
    advice = [s["recommendation_first"] for s in scores if s.get("recommendation_first") is not None]
    summary["recommendation_first"] = _mean([float(v) for v in advice])
    # How much of what the reader sees a model wrote: its drafted sentences that verification kept, over the
    # sentences of the answers given (None for the extractive engine, which drafts nothing).
    answered = [r for r in rows if not r["refused"]]
    kept = sum(r.get("drafted_sentences", 0) - r.get("dropped_sentences", 0) for r in answered)
    shown = sum(r.get("answer_sentences", 0) for r in answered)
    drafts = any(r["engine"] != "extractive" for r in rows)
    summary["model_written_share"] = kept / shown if shown and drafts else None
    return summary


def tuned_blind_gaps(report: dict) -> list[str]:
    """Fact recall on the corpora the advisor was tuned on against the blind ones (corpora named
    "blind-..."), per engine: the gap a rule fitted to the tuned corpora would open."""
    lines = []
    engines = {e for entry in report["corpora"].values() for e in entry["engines"]}
    for engine in sorted(engines):
        tuned, blind = [], []
        for corpus, entry in report["corpora"].items():
            data = entry["engines"].get(engine)
            if data and data["blind_figures"]["all"]["fact_recall"] is not None:
                (blind if is_blind(corpus) else tuned).append(data["blind_figures"]["all"]["fact_recall"])
        if tuned and blind:
            gap = sum(tuned) / len(tuned) - sum(blind) / len(blind)
            report.setdefault("gaps", {})[engine] = round(gap, 3)
            lines.append(f"{engine}: fact recall tuned corpora {sum(tuned) / len(tuned):.3f}, blind corpora "
                         f"{sum(blind) / len(blind):.3f}, gap {gap:+.3f}")
    return lines


def thresholds_for(corpus: str, thresholds: dict) -> dict:
    """The thresholds of one corpus: those of thresholds.yaml, with its ``blind:`` section's values in their place
    for a blind corpus (named "blind-...": built by someone who was not tuning), then the corpus's own under
    ``corpora:`` (a blind set built later, gated at its own first measurement)."""
    if "minimum" not in thresholds and "maximum" not in thresholds and "blind" not in thresholds \
            and "corpora" not in thresholds:
        thresholds = {"minimum": thresholds}  # a flat mapping gives minimums (see check)
    layers = [thresholds]
    if is_blind(corpus):
        layers.append(thresholds.get("blind") or {})
    layers.append((thresholds.get("corpora") or {}).get(corpus) or {})
    merged = {kind: {k: v for layer in layers for k, v in (layer.get(kind) or {}).items()}
              for kind in ("minimum", "maximum")}
    return {kind: values for kind, values in merged.items() if values or kind in thresholds}


def check(summary: dict, thresholds: dict) -> list[str]:
    """Thresholds: ``minimum`` scores and ``maximum`` rates (a flat mapping means minimums)."""
    if "minimum" not in thresholds and "maximum" not in thresholds:
        thresholds = {"minimum": thresholds}
    misses = []
    for metric, minimum in (thresholds.get("minimum") or {}).items():
        if metric in METRIC_CHECK + STANDIN_CHECK + INSTRUCTION_CHECK:  # checked once per run or per corpus
            continue
        value = summary.get(metric)
        if value is None or value < minimum:
            misses.append(f"{metric} {value if value is None else round(value, 3)} < {minimum}")
    for metric, maximum in (thresholds.get("maximum") or {}).items():
        value = summary.get(metric)
        if value is not None and value > maximum:
            misses.append(f"{metric} {round(value, 3)} > {maximum}")
    return misses


def standin_misses(standins: dict, thresholds: dict) -> list[str]:
    """The held-out stand-in answers against ``standin_true_kept`` and ``standin_false_dropped``."""
    held = standins.get("heldout") or {}
    misses = []
    for name, key in (("standin_true_kept", "true_kept_rate"), ("standin_false_dropped", "false_dropped_rate")):
        minimum = (thresholds.get("minimum") or {}).get(name)
        if minimum is not None and held.get(key) is not None and held[key] < minimum:
            misses.append(f"{name} {held[key]:.3f} < {minimum} (held-out stand-in answers)")
    return misses


def metric_misses(metric: dict, thresholds: dict) -> list[str]:
    """The labelled-sentence checks of the metrics against their ``minimum`` thresholds."""
    minimums = dict(thresholds.get("minimum") or {}) if "minimum" in thresholds or "maximum" in thresholds else {}
    if "faithfulness_metric_auc" in thresholds:  # the older top-level key: claim support's held-out AUC
        minimums.setdefault("faithfulness_metric_auc", thresholds["faithfulness_metric_auc"])
    misses = []
    for name, minimum in minimums.items():
        key = "held_out_auc" if name == "faithfulness_metric_auc" else name
        if name in (*METRIC_CHECK, "faithfulness_metric_auc") and not metric.get(key, 0.0) >= minimum:
            misses.append(f"{name} {round(metric.get(key, float('nan')), 3)} < {minimum}")
    return misses


def engines_for(corpus: str | None, engines: list[str], tuned_engines: list[str]) -> list[str]:
    """A blind corpus is scored with ``engines``, one the advisor was tuned on with ``tuned_engines``."""
    return engines if is_blind(corpus or "store") else tuned_engines


def corpus_entry(name: str | None, dataset: Path, rows_by_engine: dict[str, list[dict]], standins: dict | None,
                 thresholds: dict, judge: str | None, settings) -> dict:
    """One corpus's part of the report: per engine its rows, their summary and the thresholds it misses."""
    cases = load_cases(dataset)
    entry = {"dataset": str(dataset), "cases": len(cases), "engines": {}}
    for engine, rows in rows_by_engine.items():
        summary = summarize(rows)
        entry["engines"][engine] = {"summary": summary,
                                    "misses": check(summary, thresholds_for(name or "store", thresholds)),
                                    "rows": rows, "blind_figures": blind_figures(rows)}
        if judge:
            entry["engines"][engine]["judge"] = judge_rows(rows, [c.reference_answer for c in cases], settings)
    if standins is not None:
        entry["standins"] = standins
    return entry


def score_corpus(name: str | None, engines: list[str], tuned_engines: list[str], thresholds: dict, judge: str | None,
                 settings, dataset: Path = DEFAULT_DATASET) -> dict:
    """One corpus scored in this process: a fresh store of its own, every engine it is scored with, and its
    stand-in models. ``name`` None: the configured store with ``dataset``."""
    from evals.corpora import build_store, get_corpus
    from ingest.pipeline import ensure_store

    corpus = get_corpus(name) if name else None
    if corpus:
        corpus_settings = build_store(corpus, settings)
        dataset = corpus.dataset
    else:
        ensure_store(settings)
        corpus_settings = settings
    cases = load_cases(dataset)
    rows = {engine: run_engine(engine, cases, corpus_settings) for engine in engines_for(name, engines, tuned_engines)}
    standins = None
    if corpus:
        from evals.standin_models import run_standins

        standins = run_standins(name, corpus.folder, corpus_settings)
    return corpus_entry(name, dataset, rows, standins, thresholds, judge, settings)


# Rough seconds a case, to hand out the longest shares first (BENCHMARKS.md: the local model writes for about
# five seconds a case on one core, the extractive engine answers in about one).
SECONDS_A_CASE = {"local": 6.0}


def plan_shares(names: list[str], engines: list[str], tuned_engines: list[str], jobs: int) -> list[Share]:
    """The shares of the corpora's scoring, longest first, so that no worker is left with a long one at
    the end while the others wait: a slow engine's cases are split ``jobs`` ways (the case count of each
    corpus, not the corpus, sets its share's length)."""
    from evals.corpora import get_corpus
    from evals.standin_models import load_standins

    sized = []
    for name in names:
        cases = len(load_cases(get_corpus(name).dataset))
        for engine in engines_for(name, engines, tuned_engines):
            cost = SECONDS_A_CASE.get(engine, 1.0)
            parts = jobs if cost > 1.0 else 1
            sized += [(cases * cost / parts, Share(name, engine, part, parts)) for part in range(parts)]
        standins = len(load_standins(name))
        if standins:
            sized.append((float(standins), Share(name, None)))
    return [share for _, share in sorted(sized, key=lambda pair: -pair[0])]


def in_case_order(parts: dict[Share, list[dict]]) -> list[dict]:
    """The rows of one corpus and engine, from the shares that answered every ``parts``-th case, back in the
    dataset's order."""
    merged: list = [None] * sum(len(rows) for rows in parts.values())
    for share, rows in parts.items():
        merged[share.part::share.parts] = rows
    return merged


def score_shared(names: list[str], engines: list[str], tuned_engines: list[str], thresholds: dict,
                 judge: str | None, settings, jobs: int) -> dict[str, dict]:
    """The corpora scored by ``jobs`` worker processes, each with an equal share of the cores, taking
    shares (:func:`plan_shares`) as they free up; each corpus's entry is put together from its shares."""
    from evals.corpora import get_corpus

    shares = plan_shares(names, engines, tuned_engines, jobs)
    workers = min(jobs, len(shares))  # no more processes than shares, and the cores shared among those
    threads = max(1, (os.cpu_count() or 2) // workers)
    shared = {"local_threads": threads}
    if "local" in engines + tuned_engines:  # one copy of the packaged model for every worker
        from advisor.llm import EngineUnavailable, ensure_local_model

        try:
            shared["local_model"] = ensure_local_model(settings)
        except EngineUnavailable:
            pass  # each worker reports it as a single process would
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        futures = {share: pool.submit(score_share_with, threads, share, settings.model_copy(update={
            "home": settings.home / "eval-jobs" / f"{share.corpus}-{share.label}",
            **shared})) for share in shares}
        try:
            done = {share: future.result() for share, future in futures.items()}
        except BaseException:
            pool.shutdown(cancel_futures=True)  # a failed share is reported now, not after every other one
            raise
    entries = {}
    for name in names:
        rows: dict[str, list[dict]] = {}
        for engine in engines_for(name, engines, tuned_engines):
            rows[engine] = in_case_order({s: done[s]["rows"] for s in done if s.corpus == name and s.engine == engine})
        standins = next((done[s]["standins"] for s in done if s.corpus == name and s.engine is None), {})
        entries[name] = corpus_entry(name, get_corpus(name).dataset, rows, standins, thresholds, judge, settings)
    return entries


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals", description="Score the advisor's answers.")
    parser.add_argument("--engine", default="extractive", help="engine or comma-separated engines")
    parser.add_argument("--tuned-engines", help="engines for the corpora the advisor was tuned on (those not named "
                        "blind-...); default: --engine")
    parser.add_argument("--corpus", help="corpus name or comma-separated names (evals/corpora.py); "
                        "each is scored on a fresh store of its own with its own dataset")
    parser.add_argument("--dataset", type=Path, default=DEFAULT_DATASET)
    parser.add_argument("--out", type=Path, default=Path("reports/evals"))
    parser.add_argument("--compare", type=Path, help="an earlier report.json to print deltas against")
    parser.add_argument("--thresholds", type=Path, default=THRESHOLDS, help="minimum scores (default: %(default)s)")
    parser.add_argument("--judge", choices=["openai"], help="also score with ragas through the OpenAI-compatible model")
    parser.add_argument("--jobs", type=int, default=1,
                        help="worker processes scoring the corpora side by side (default: %(default)s)")
    args = parser.parse_args(argv)

    from advisor.config import get_settings
    from evals.corpora import get_corpus
    from evals.faithfulness_check import evaluate_metric
    from evals.instruction_check import evaluate_instruction_detector

    settings = get_settings()
    try:
        targets = [get_corpus(name) for name in args.corpus.split(",")] if args.corpus else [None]
        for corpus in targets:  # a bad dataset is a usage error before any store is built
            load_cases(corpus.dataset if corpus else args.dataset)
        from advisor.engines import ENGINE_CHOICES

        engines = args.engine.split(",")
        tuned_engines = args.tuned_engines.split(",") if args.tuned_engines else engines
        unknown = [e for e in engines + tuned_engines if e not in ENGINE_CHOICES]
        if unknown:
            raise ValueError(f"unknown engine {', '.join(unknown)}: use {', '.join(ENGINE_CHOICES)}")
        if args.jobs < 1:
            raise ValueError(f"--jobs {args.jobs}: give 1 or more worker processes")
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    thresholds = yaml.safe_load(args.thresholds.read_text())
    if args.judge:
        try:
            require_judge(settings)
        except JudgeUnavailable as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    started = time.perf_counter()
    report: dict = {"corpora": {}, "thresholds": thresholds}
    if args.jobs > 1 and targets[0]:
        report["corpora"] = score_shared([corpus.name for corpus in targets], engines, tuned_engines, thresholds,
                                         args.judge, settings, args.jobs)
    else:
        for corpus in targets:
            report["corpora"][corpus.name if corpus else "store"] = score_corpus(
                corpus.name if corpus else None, engines, tuned_engines, thresholds, args.judge, settings,
                dataset=args.dataset)
    report["faithfulness_metric_check"] = evaluate_metric()
    report["faithfulness_metric_misses"] = metric_misses(report["faithfulness_metric_check"], thresholds)
    report["instruction_check"] = evaluate_instruction_detector()
    report["instruction_check_misses"] = instruction_misses(report["instruction_check"], thresholds)
    report["seconds"] = round(time.perf_counter() - started, 1)
    failed = False
    args.out.mkdir(parents=True, exist_ok=True)
    gap_lines = tuned_blind_gaps(report)
    write_reports(report, args.out)
    print(f"wrote {args.out / 'report.md'} ({report['seconds']} s)")
    for corpus, entry in report["corpora"].items():
        for engine, data in entry["engines"].items():
            line = ", ".join(f"{k} {v:.3f}" for k, v in data["summary"].items() if v is not None)
            print(f"{corpus} / {engine}: {line}")
            if "judge" in data:
                judged = data["judge"]
                scores = ", ".join(f"{m} {judged[m]:.3f}" for m in JUDGE_METRICS if judged.get(m) is not None)
                print(f"{corpus} / {engine}, ragas judge on {judged['cases']} answered cases: {scores or 'no scores'} "
                      f"({judged['failed_scores']} scores the judge failed to produce; not a CI gate)")
            halves = data["blind_figures"]
            for part in ("all", "tuning", "test"):
                print(f"  {part}: {blind_line(halves[part])}")
            for miss in data["misses"]:
                print(f"  THRESHOLD MISSED: {miss}")
                failed = True
    for line in gap_lines:
        print(line)
    for corpus, entry in report["corpora"].items():
        for half, c in (entry.get("standins") or {}).items():
            print(f"{corpus} stand-in model ({half}): true sentences kept {c['true_kept']}/{c['true_kept'] + c['true_dropped']}, "
                  f"false dropped {c['false_dropped']}/{c['false_kept'] + c['false_dropped']} "
                  f"(true kept {c['true_kept']} | true dropped {c['true_dropped']} | false kept {c['false_kept']} | "
                  f"false dropped {c['false_dropped']})")
        for miss in standin_misses(entry.get("standins") or {}, thresholds):
            print(f"  THRESHOLD MISSED: {corpus} {miss}")
            failed = True
    for corpus, entry in report["corpora"].items():
        for c in entry.get("engines_compared", []):
            scored = ", ".join(f"{m} {n}" for m, n in c["scored_differently"].items())
            print(f"{corpus}: {' and '.join(c['engines'])} answers differ in {c['answers_differ']} of {c['cases']} "
                  f"answerable cases, in their sentences in {c['sentences_differ']}; cases scored differently "
                  f"there: {scored}")
    metric = report["faithfulness_metric_check"]
    print(f"faithfulness metrics (independent of the chain's filter) on {metric['held_out']} held-out labelled "
          f"sentences: sentence quality ROC AUC {metric['faithfulness_auc_heldout']:.3f} against unsupported, "
          f"fragment and off-topic (tuning half {metric['quality_tuning_auc']:.3f}), "
          f"{metric['quality_held_out_auc_unsupported']:.3f} against unsupported only; claim support "
          f"{metric['held_out_auc_unsupported']:.3f} against unsupported only, {metric['held_out_auc']:.3f} against all; "
          f"planted faults ROC AUC {metric['triples_auc']:.3f}")
    for miss in report["faithfulness_metric_misses"]:
        print(f"  THRESHOLD MISSED: {miss}")
        failed = True
    print(describe_instruction_check(report["instruction_check"]))
    for miss in report["instruction_check_misses"]:
        print(f"  THRESHOLD MISSED: {miss}")
        failed = True
    if args.compare:
        _print_deltas(json.loads(args.compare.read_text()), report)
    return 1 if failed else 0


def _print_deltas(old: dict, new: dict) -> None:
    for corpus, entry in new["corpora"].items():
        for engine, data in entry["engines"].items():
            before = old.get("corpora", {}).get(corpus, {}).get("engines", {}).get(engine, {}).get("summary", {})
            parts = []
            for metric, value in data["summary"].items():
                if value is not None and before.get(metric) is not None:
                    parts.append(f"{metric} {value - before[metric]:+.3f}")
            print(f"{corpus} / {engine} vs the old report: " + (", ".join(parts) or "no common metrics"))


if __name__ == "__main__":
    sys.exit(main())
