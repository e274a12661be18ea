"""How good is the faithfulness metric? ``python -m evals.faithfulness_check``.

The metric (evals.metrics.claim_support) is judged on answer sentences that people
labelled by reading the passages they cite (evals/labelled_sentences.yaml): every
sentence is ``supported`` or not (``unsupported``, ``fragment``, ``off-topic``), and
belongs to the ``tuning`` half (its threshold was chosen there) or the ``held-out``
half (frozen before any tuning; the AUC that counts). The planted-fault triples of
evals/faithfulness_triples.yaml are a second check.
"""

from __future__ import annotations

from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
TRIPLES = HERE / "faithfulness_triples.yaml"
LABELLED = HERE / "labelled_sentences.yaml"


def _labelled(path: Path) -> list[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else []


def evaluate_metric(triples_path: Path = TRIPLES, labelled_path: Path = LABELLED) -> dict:
    from evals.metrics import SUPPORTED, claim_support, roc_auc

    triples = yaml.safe_load(triples_path.read_text())
    t_scores = [min((claim_support(s, [t["context"]]) for s in _sentences(t["answer"])), default=1.0) for t in triples]
    t_labels = [int(t["label"]) for t in triples]
    result = {"triples": len(triples), "triples_auc": roc_auc(t_labels, t_scores), "threshold": SUPPORTED}
    rows = _labelled(labelled_path)
    for split in ("tuning", "held-out"):
        part = [r for r in rows if r.get("split") == split]
        labels = [int(r["label"] == "supported") for r in part]
        scores = [claim_support(r["sentence"], r["passages"]) for r in part]
        key = "held_out" if split == "held-out" else "tuning"
        result[key] = len(part)
        result[f"{key}_auc"] = roc_auc(labels, scores) if part else float("nan")
        result[f"{key}_accuracy"] = (sum((s >= SUPPORTED) == bool(y) for s, y in zip(scores, labels)) / len(part)
                                     if part else float("nan"))
        # Faithfulness proper: supported against unsupported (fragments and off-topic sentences are
        # what the form and relevance metrics are for).
        pairs = [(y, s) for r, y, s in zip(part, labels, scores) if r["label"] in ("supported", "unsupported")]
        result[f"{key}_auc_unsupported"] = roc_auc([y for y, _ in pairs], [s for _, s in pairs]) if pairs else float("nan")
    return result


def _sentences(text: str) -> list[str]:
    from advisor.text import split_sentences

    return split_sentences(text)


if __name__ == "__main__":
    r = evaluate_metric()
    print(f"planted faults: {r['triples']} triples, ROC AUC {r['triples_auc']:.3f}")
    print(f"labelled answer sentences: tuning {r['tuning']} (AUC {r['tuning_auc']:.3f}, accuracy "
          f"{r['tuning_accuracy']:.3f}), held-out {r['held_out']} (AUC {r['held_out_auc']:.3f}, accuracy "
          f"{r['held_out_accuracy']:.3f}) at threshold {r['threshold']}")
    print(f"supported against unsupported only: tuning AUC {r['tuning_auc_unsupported']:.3f}, "
          f"held-out AUC {r['held_out_auc_unsupported']:.3f}")
