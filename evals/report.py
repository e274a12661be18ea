"""report.json, report.md and a PNG chart of scores per category and engine."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

CHART_METRICS = ("faithfulness", "answer_relevance", "fact_recall", "context_recall", "refusal_correct")


def _fmt(value) -> str:
    return "–" if value is None else f"{value:.2f}"


def per_category(rows: list[dict]) -> dict[str, dict[str, float | None]]:
    groups: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        groups[row["category"]].append(row["scores"])
    out = {}
    for category, scores in groups.items():
        out[category] = {}
        for metric in CHART_METRICS:
            values = [float(s[metric]) for s in scores if s[metric] is not None]
            out[category][metric] = sum(values) / len(values) if values else None
        out[category]["cases"] = len(scores)
    return out


def _runs(report: dict) -> dict[str, dict]:
    """Every (corpus, engine) run of a report, labelled "corpus / engine"."""
    return {f"{corpus} / {engine}": data for corpus, entry in report["corpora"].items()
            for engine, data in entry["engines"].items()}


PAIRED_METRICS = ("faithfulness", "fact_recall", "answer_relevance", "citation_validity")


def _sentence_set(answer: str) -> frozenset[str]:
    from advisor.text import split_sentences, strip_citations

    return frozenset(strip_citations(s).strip() for s in split_sentences(answer))


def compare_engines(engines: dict[str, dict]) -> list[dict]:
    """Case by case, how far two engines' answers differ and whether the scores see it.

    Aggregates can agree to three decimals for two reasons: the answers are the same (the local
    engine often keeps the extractive engine's sentences, reordered, or falls back to them), or the
    metrics are blind to what differs. This tells them apart: of the answerable cases, how many
    answers differ in text, how many in their set of sentences, and on those, how many cases each
    metric scores differently.
    """
    names = list(engines)
    out = []
    for i, first in enumerate(names):
        for second in names[i + 1:]:
            a = {r["question"]: r for r in engines[first]["rows"] if r["answerable"]}
            b = {r["question"]: r for r in engines[second]["rows"] if r["answerable"]}
            shared = [q for q in a if q in b]
            texts = [q for q in shared if a[q]["answer"] != b[q]["answer"]]
            sets = [q for q in texts if _sentence_set(a[q]["answer"]) != _sentence_set(b[q]["answer"])]
            scored = {m: sum(1 for q in sets if a[q]["scores"].get(m) != b[q]["scores"].get(m)) for m in PAIRED_METRICS}
            out.append({"engines": [first, second], "cases": len(shared), "answers_differ": len(texts),
                        "sentences_differ": len(sets), "scored_differently": scored, "questions": sets})
    return out


def _threshold(thresholds: dict, metric: str) -> str:
    if "minimum" in thresholds or "maximum" in thresholds:
        if metric in (thresholds.get("minimum") or {}):
            return f"≥ {thresholds['minimum'][metric]}"
        if metric in (thresholds.get("maximum") or {}):
            return f"≤ {thresholds['maximum'][metric]}"
        return "–"
    return str(thresholds.get(metric, "–"))


def write_reports(report: dict, out: Path) -> None:
    for data in _runs(report).values():
        data["per_category"] = per_category(data["rows"])
    for entry in report["corpora"].values():
        entry["engines_compared"] = compare_engines(entry["engines"])
    (out / "report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    (out / "report.md").write_text(render_markdown(report))
    write_chart(report, out / "scores.png")


def render_markdown(report: dict) -> str:
    runs = _runs(report)
    lines = ["# Eval report", ""]
    lines += [f"- {name}: {entry['cases']} cases from `{Path(entry['dataset']).name}`" for name, entry in report["corpora"].items()]
    lines += [f"- {report['seconds']} s", ""]
    engines = list(runs)
    metrics = list(next(iter(runs.values()))["summary"]) if engines else []
    lines += ["## Overall", "", "| metric | threshold | " + " | ".join(engines) + " |",
              "|---|---|" + "---|" * len(engines)]
    for metric in metrics:
        cells = [_fmt(runs[e]["summary"][metric]) for e in engines]
        lines.append(f"| {metric} | {_threshold(report['thresholds'], metric)} | " + " | ".join(cells) + " |")
    compared = [(corpus, c) for corpus, entry in report["corpora"].items() for c in entry.get("engines_compared", [])]
    if compared:
        lines += ["", "## Where the engines' answers differ", "",
                  "Equal aggregates can mean equal answers or blind metrics. Answerable cases whose answers differ "
                  "in text and in their set of sentences, and of the latter, how many each metric scores differently.", "",
                  "| corpus | engines | cases | answers differ | sentences differ | "
                  + " | ".join(f"{m} differs" for m in PAIRED_METRICS) + " |", "|---|---|---|---|---|" + "---|" * len(PAIRED_METRICS)]
        for corpus, c in compared:
            lines.append(f"| {corpus} | {' / '.join(c['engines'])} | {c['cases']} | {c['answers_differ']} | "
                         f"{c['sentences_differ']} | " + " | ".join(str(c["scored_differently"][m]) for m in PAIRED_METRICS)
                         + " |")
    check = report.get("faithfulness_metric_check")
    if check:
        lines += ["", "## Faithfulness metrics on labelled sentences", "",
                  f"{check['held_out']} held-out labelled answer sentences (tuning half: {check['tuning']}); "
                  "ROC AUC of each score for telling supported sentences from the others "
                  "(`python -m evals.faithfulness_check`).", "",
                  "| score | negatives | held-out AUC | tuning AUC | threshold |", "|---|---|---|---|---|",
                  f"| sentence quality | unsupported, fragment, off-topic | **{check['faithfulness_auc_heldout']:.3f}** | "
                  f"{check['quality_tuning_auc']:.3f} | {_threshold(report['thresholds'], 'faithfulness_auc_heldout')} |",
                  f"| sentence quality | unsupported | {check['quality_held_out_auc_unsupported']:.3f} | "
                  f"{check['quality_tuning_auc_unsupported']:.3f} | – |",
                  f"| claim support | unsupported | {check['held_out_auc_unsupported']:.3f} | "
                  f"{check['tuning_auc_unsupported']:.3f} | – |",
                  f"| claim support | unsupported, fragment, off-topic | {check['held_out_auc']:.3f} | "
                  f"{check['tuning_auc']:.3f} | – |", "",
                  f"Claim support on {check['triples']} planted-fault triples: {check['triples_auc']:.3f}."]
        if "second_reader_held_out_auc" in check:
            lines += ["", f"A second, blind reader's verdicts, scored like a metric against the first reader's held-out "
                          f"labels: {check['second_reader_held_out_auc']:.3f} (what a careful person reaches); the "
                          f"sentence-quality score against the second reader's labels: "
                          f"{check['quality_held_out_auc_second_reader']:.3f}."]
        if report.get("faithfulness_metric_misses"):
            lines += ["", "**Thresholds missed:** " + "; ".join(report["faithfulness_metric_misses"])]
    for engine in engines:
        data = runs[engine]
        lines += ["", f"## {engine}", ""]
        if data["misses"]:
            lines += ["**Thresholds missed:** " + "; ".join(data["misses"]), ""]
        if "judge" in data:
            judged = data["judge"]
            scores = ", ".join(f"{k} {_fmt(v)}" for k, v in judged.items() if k not in ("cases", "failed_scores"))
            lines += [f"ragas judge ({judged['cases']} answered cases, {judged['failed_scores']} scores not produced; "
                      f"reported, not gated): {scores}", ""]
        lines += ["| category | cases | " + " | ".join(CHART_METRICS) + " |", "|---|---|" + "---|" * len(CHART_METRICS)]
        for category, values in sorted(data["per_category"].items()):
            lines.append(f"| {category} | {values['cases']} | " + " | ".join(_fmt(values[m]) for m in CHART_METRICS) + " |")
        lines += ["", "| # | category | question | answer | faithful | relevance | facts | failures |",
                  "|---|---|---|---|---|---|---|---|"]
        for i, row in enumerate(data["rows"], 1):
            s = row["scores"]
            answer = row["answer"].replace("\n", " ").replace("|", "\\|")
            answer = (answer[:220] + "…") if len(answer) > 220 else answer
            lines.append(f"| {i} | {row['category']} | {row['question'].replace('|', '/')} | {answer} | "
                         f"{_fmt(s['faithfulness'])} | {_fmt(s['answer_relevance'])} | {_fmt(s['fact_recall'])} | "
                         f"{'; '.join(s['failures']) or '–'} |")
    return "\n".join(lines) + "\n"


def write_chart(report: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    runs = _runs(report)
    engines = list(runs)
    categories = sorted({c for e in engines for c in runs[e]["per_category"]})
    fig, axes = plt.subplots(1, len(engines), figsize=(7 * len(engines), 4.5), squeeze=False, sharey=True)
    width = 0.8 / len(CHART_METRICS)
    for ax, engine in zip(axes[0], engines):
        per_cat = runs[engine]["per_category"]
        x = np.arange(len(categories))
        for i, metric in enumerate(CHART_METRICS):
            values = [per_cat.get(c, {}).get(metric) for c in categories]
            ax.bar(x + i * width, [v if v is not None else 0 for v in values], width, label=metric)
        ax.set_xticks(x + 0.4 - width / 2, categories, rotation=30, ha="right")
        ax.set_ylim(0, 1.05)
        ax.set_title(engine)
        ax.grid(axis="y", alpha=0.3)
    axes[0][0].set_ylabel("score")
    axes[0][-1].legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
