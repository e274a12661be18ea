"""Fit the relevance gate on labelled questions: ``python -m evals.calibrate_gate [--check]``.

The gate answers when ``best dense cosine + w x keyword coverage >= t``. This
script scores every question of evals/gate_questions.yaml (questions the corpus
answers, and questions it should refuse) with the advisor's own retrieval, then
searches w and t for the best balanced accuracy, breaking ties by the widest
margin between the two classes (relative to the spread of the scores). Five-fold cross-validation of the same search
says how well the fitted gate should hold on new questions; the eval suite's
refusal scores (dataset.yaml, never seen here) are the held-out check.

``--check`` exits 1 when the settings in use fall short of the best fit by more
than the tolerance, so a drifting corpus or retriever cannot leave a stale gate.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

QUESTIONS = Path(__file__).resolve().parent / "gate_questions.yaml"
WEIGHTS = tuple(round(w, 2) for w in np.arange(0.0, 1.01, 0.05))


@dataclass
class Fit:
    weight: float
    threshold: float
    balanced_accuracy: float
    margin: float  # distance from the threshold to the nearest question, in standard deviations of the scores


def load_questions(path: Path = QUESTIONS) -> tuple[list[str], np.ndarray]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    questions = list(data["answer"]) + list(data["refuse"])
    labels = np.array([1] * len(data["answer"]) + [0] * len(data["refuse"]))
    return questions, labels


def gate_features(questions: list[str]) -> np.ndarray:
    """(best dense cosine, keyword coverage) per question, from the advisor's own retrieval."""
    from advisor.chain import Advisor

    advisor = Advisor(engine="extractive")
    rows = []
    for question in questions:
        result = advisor.retrieve(question)
        rows.append((result.best_dense if result.docs else -1.0, result.keyword_coverage))
    return np.array(rows, dtype=float)


def balanced_accuracy(scores: np.ndarray, labels: np.ndarray, threshold: float) -> float:
    predicted = scores >= threshold
    return 0.5 * (predicted[labels == 1].mean() + (~predicted[labels == 0]).mean())


def roc_auc(scores: np.ndarray, labels: np.ndarray) -> float:
    positives, negatives = scores[labels == 1], scores[labels == 0]
    wins = (positives[:, None] > negatives[None, :]).sum() + 0.5 * (positives[:, None] == negatives[None, :]).sum()
    return float(wins / (len(positives) * len(negatives)))


def best_threshold(scores: np.ndarray, labels: np.ndarray) -> tuple[float, float, float]:
    """(threshold, balanced accuracy, margin): thresholds are midpoints between neighbouring scores."""
    ordered = np.unique(scores)
    cuts = np.concatenate([[ordered[0] - 0.01], (ordered[:-1] + ordered[1:]) / 2, [ordered[-1] + 0.01]])
    best = (0.0, -1.0, -1.0)
    for cut in cuts:
        accuracy = balanced_accuracy(scores, labels, cut)
        margin = float(np.min(np.abs(scores - cut)))
        if (accuracy, margin) > best[1:]:
            best = (float(cut), float(accuracy), margin)
    return best


def fit(features: np.ndarray, labels: np.ndarray, weights=WEIGHTS) -> Fit:
    fits = []
    for weight in weights:
        scores = features[:, 0] + weight * features[:, 1]
        threshold, accuracy, margin = best_threshold(scores, labels)
        # Margins are compared in units of the scores' spread: a larger weight
        # stretches every score and would otherwise always look safer.
        fits.append(Fit(weight, round(threshold, 3), accuracy, margin / float(scores.std())))
    return max(fits, key=lambda f: (round(f.balanced_accuracy, 6), f.margin))


def cross_validated_accuracy(features: np.ndarray, labels: np.ndarray, folds: int = 5) -> float:
    """Balanced accuracy on held-out folds when w and t are fitted on the rest."""
    order = np.arange(len(labels))
    correct = np.zeros(len(labels), dtype=bool)
    for fold in range(folds):
        test = order % folds == fold
        f = fit(features[~test], labels[~test])
        scores = features[test, 0] + f.weight * features[test, 1]
        correct[test] = (scores >= f.threshold) == (labels[test] == 1)
    return float(0.5 * (correct[labels == 1].mean() + correct[labels == 0].mean()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.calibrate_gate", description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    parser.add_argument("--check", action="store_true", help="exit 1 if the configured gate is worse than the best fit")
    parser.add_argument("--tolerance", type=float, default=0.03, help="balanced accuracy the configured gate may lose")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    from advisor.config import configure_offline, get_settings
    from ingest.pipeline import ensure_store

    configure_offline()
    settings = get_settings()
    ensure_store(settings)
    questions, labels = load_questions(args.questions)
    features = gate_features(questions)
    best = fit(features, labels)
    configured_scores = features[:, 0] + settings.relevance_keyword_weight * features[:, 1]
    configured = balanced_accuracy(configured_scores, labels, settings.relevance_threshold)
    best_scores = features[:, 0] + best.weight * features[:, 1]
    report = {
        "questions": {"answer": int(labels.sum()), "refuse": int((labels == 0).sum())},
        "auc_dense_only": roc_auc(features[:, 0], labels),
        "auc_best_weight": roc_auc(best_scores, labels),
        "best": {"weight": best.weight, "threshold": best.threshold,
                 "balanced_accuracy": best.balanced_accuracy, "margin": round(best.margin, 4)},
        "cross_validated_balanced_accuracy": cross_validated_accuracy(features, labels),
        "configured": {"weight": settings.relevance_keyword_weight, "threshold": settings.relevance_threshold,
                       "balanced_accuracy": configured},
        "misjudged_by_configured_gate": [
            {"question": q, "should": "answer" if y else "refuse", "score": round(float(s), 3)}
            for q, y, s in zip(questions, labels, configured_scores)
            if (s >= settings.relevance_threshold) != bool(y)
        ],
    }
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        q = report["questions"]
        print(f"{q['answer']} questions to answer, {q['refuse']} to refuse")
        print(f"ROC AUC: dense only {report['auc_dense_only']:.3f}, dense + keywords {report['auc_best_weight']:.3f}")
        print(f"best fit: weight {best.weight}, threshold {best.threshold}, balanced accuracy "
              f"{best.balanced_accuracy:.3f}, margin {best.margin:.3f}")
        print(f"5-fold cross-validated balanced accuracy: {report['cross_validated_balanced_accuracy']:.3f}")
        print(f"configured: weight {settings.relevance_keyword_weight}, threshold {settings.relevance_threshold}, "
              f"balanced accuracy {configured:.3f}")
        for miss in report["misjudged_by_configured_gate"]:
            print(f"  should {miss['should']:<6} score {miss['score']:.3f}  {miss['question']}")
    if args.check and configured < best.balanced_accuracy - args.tolerance:
        print(f"the configured gate is {best.balanced_accuracy - configured:.3f} below the best fit", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
