"""Refit the relevance gate on labelled questions: ``python -m evals.calibrate_gate [--corpus NAME] [--check]``.

The gate (advisor/gate.py) calibrates itself whenever the store changes, from
probes made from the store's own passages and a bank of everyday questions; no
hand labels. This script is the check on that: it scores the corpus's labelled
questions (evals/datasets/NAME-gate.yaml: ``answer`` and ``refuse`` lists) with the
advisor's own retrieval, fits weight and threshold on them (five-fold
cross-validated; any weight from 0 to 1, though the gate itself keeps one, so the check shows when that one is
wrong for a corpus), and reports how far the automatic calibration's balanced
accuracy is from the labelled best fit. ``--check`` exits 1 when the automatic
calibration falls more than ``--tolerance`` below it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import yaml

from advisor.gate import balanced_accuracy, best_threshold, fit  # noqa: F401  (re-exported for tests)
from evals.support import roc_auc

LABELLED_WEIGHTS = tuple(round(w, 2) for w in np.arange(0.0, 1.01, 0.05))


def load_questions(path: Path) -> tuple[list[str], np.ndarray]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    questions = list(data["answer"]) + list(data["refuse"])
    labels = np.array([1] * len(data["answer"]) + [0] * len(data["refuse"]))
    return questions, labels


def cross_validated_accuracy(features: np.ndarray, labels: np.ndarray, folds: int = 5) -> float:
    """Balanced accuracy on held-out folds when weight and threshold are fitted on the rest."""
    order = np.arange(len(labels))
    correct = np.zeros(len(labels), dtype=bool)
    for fold in range(folds):
        test = order % folds == fold
        f = fit(features[~test], labels[~test], LABELLED_WEIGHTS)
        scores = features[test, 0] + f.weight * features[test, 1]
        correct[test] = (scores >= f.threshold) == (labels[test] == 1)
    return float(0.5 * (correct[labels == 1].mean() + correct[labels == 0].mean()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.calibrate_gate", description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default="starter", help="corpus whose labelled gate questions to use")
    parser.add_argument("--questions", type=Path, help="labelled questions (default: the corpus's NAME-gate.yaml)")
    parser.add_argument("--check", action="store_true", help="exit 1 if the automatic gate is worse than the best fit")
    parser.add_argument("--tolerance", type=float, default=0.05, help="balanced accuracy the automatic gate may lose")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    from advisor.chain import Advisor
    from advisor.config import configure_offline, get_settings
    from evals.corpora import build_store, get_corpus

    configure_offline()
    try:
        corpus = get_corpus(args.corpus)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    path = args.questions or corpus.gate_questions
    if not path.is_file():
        print(f"error: no labelled gate questions at {path}", file=sys.stderr)
        return 2
    settings = build_store(corpus, get_settings())
    advisor = Advisor(settings=settings, engine="extractive")
    auto = advisor.profile().gate
    questions, labels = load_questions(path)
    rows = advisor.store_retriever.gate_features_many(questions)
    features = np.array([(r.best_dense, r.keyword_coverage) for r in rows], dtype=float)
    best = fit(features, labels, LABELLED_WEIGHTS)
    auto_scores = features[:, 0] + auto.weight * features[:, 1]
    auto_accuracy = balanced_accuracy(auto_scores, labels, auto.threshold)
    best_scores = features[:, 0] + best.weight * features[:, 1]
    report = {
        "corpus": corpus.name,
        "questions": {"answer": int(labels.sum()), "refuse": int((labels == 0).sum())},
        "auc_dense_only": roc_auc(labels, features[:, 0]),
        "auc_best_weight": roc_auc(labels, best_scores),
        "labelled_best": {"weight": best.weight, "threshold": best.threshold,
                          "balanced_accuracy": best.balanced_accuracy, "margin": round(best.margin, 4)},
        "cross_validated_balanced_accuracy": cross_validated_accuracy(features, labels),
        "automatic": {"weight": float(auto.weight), "threshold": auto.threshold, "method": auto.method,
                      "balanced_accuracy": auto_accuracy},
        "gap": round(best.balanced_accuracy - auto_accuracy, 4),
        "misjudged_by_automatic_gate": [
            {"question": q, "should": "answer" if y else "refuse", "score": round(float(s), 3)}
            for q, y, s in zip(questions, labels, auto_scores) if (s >= auto.threshold) != bool(y)
        ],
    }
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        q = report["questions"]
        print(f"{corpus.name}: {q['answer']} questions to answer, {q['refuse']} to refuse")
        print(f"ROC AUC: dense only {report['auc_dense_only']:.3f}, dense + keywords {report['auc_best_weight']:.3f}")
        print(f"labelled best fit: weight {best.weight}, threshold {best.threshold}, balanced accuracy "
              f"{best.balanced_accuracy:.3f} (5-fold cross-validated {report['cross_validated_balanced_accuracy']:.3f})")
        print(f"automatic calibration: weight {auto.weight}, threshold {auto.threshold}, balanced accuracy "
              f"{auto_accuracy:.3f} on the labelled questions ({report['gap']:+.3f} from the best fit)")
        for miss in report["misjudged_by_automatic_gate"]:
            print(f"  should {miss['should']:<6} score {miss['score']:.3f}  {miss['question']}")
    if args.check and report["gap"] > args.tolerance:
        print(f"the automatic gate is {report['gap']:.3f} below the labelled best fit", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
