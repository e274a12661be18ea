"""Does the offline faithfulness metric separate faithful answers from planted faults?

``python -m evals.faithfulness_check`` prints ROC AUC and accuracy at the
configured support threshold over evals/faithfulness_triples.yaml.
"""

from __future__ import annotations

from pathlib import Path

import yaml

TRIPLES = Path(__file__).resolve().parent / "faithfulness_triples.yaml"


def evaluate_metric(path: Path = TRIPLES) -> dict:
    from advisor.chain import _shared_grounder
    from advisor.config import get_settings
    from evals.metrics import roc_auc

    triples = yaml.safe_load(path.read_text())
    grounder = _shared_grounder()
    threshold = get_settings().support_threshold
    labels, scores, faults = [], [], []
    for t in triples:
        # The lowest-supported sentence decides: one unsupported claim makes an answer unfaithful.
        _, per_sentence = grounder.faithfulness(t["answer"], [t["context"]], threshold)
        scores.append(min(per_sentence) if per_sentence else 1.0)
        labels.append(int(t["label"]))
        faults.append(t.get("fault", ""))
    predictions = [s >= threshold for s in scores]
    accuracy = sum(p == bool(y) for p, y in zip(predictions, labels)) / len(labels)
    missed = [f"{f}: {t['answer']}" for t, f, p, y in zip(triples, faults, predictions, labels) if p != bool(y)]
    return {"triples": len(labels), "auc": roc_auc(labels, scores), "accuracy": accuracy,
            "threshold": threshold, "misclassified": missed}


if __name__ == "__main__":
    result = evaluate_metric()
    print(f"{result['triples']} triples: ROC AUC {result['auc']:.3f}, accuracy {result['accuracy']:.3f} "
          f"at threshold {result['threshold']}")
    for line in result["misclassified"]:
        print(f"  misclassified: {line}")
