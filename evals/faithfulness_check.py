"""How good are the faithfulness metrics? ``python -m evals.faithfulness_check [--fit] [--json]``.

Two scores are judged on answer sentences that people labelled by reading the passages
they cite (evals/labelled_sentences.yaml): every sentence is ``supported`` or not
(``unsupported``, ``fragment``, ``off-topic``), and belongs to the ``tuning`` half (the
scores' thresholds and ramps were chosen there) or the ``held-out`` half (frozen
before any tuning; the AUC that counts).

- ``claim_support`` (evals.metrics): are the sentence's claims in the cited passages?
  Judged on supported against unsupported, and also against all three negatives.
- ``sentence_quality`` (evals.sentence_quality): support x completeness x relevance
  to the question, "is this a good, supported answer sentence for this question?".
  Judged against all three negatives (the 4-label AUC, ``faithfulness_auc_heldout``,
  gated in evals/thresholds.yaml) and on supported against unsupported.

The planted-fault triples of evals/faithfulness_triples.yaml are a second check of
claim_support. ``--fit`` refits the sentence-quality ramps on the tuning half and
prints them (copy them into evals/sentence_quality.py).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
TRIPLES = HERE / "faithfulness_triples.yaml"
LABELLED = HERE / "labelled_sentences.yaml"
SECOND = HERE / "labelled_sentences_second.yaml"  # a second reader's blind labels of the same sentences
SPLITS = (("tuning", "tuning"), ("held-out", "held_out"))


def _auc_pairs(part: list[dict], scores: list[float], negatives: tuple[str, ...]) -> float:
    from evals.support import roc_auc

    pairs = [(int(r["label"] == "supported"), s) for r, s in zip(part, scores) if r["label"] in ("supported", *negatives)]
    return roc_auc([y for y, _ in pairs], [s for _, s in pairs]) if pairs else float("nan")


def evaluate_metric(triples_path: Path = TRIPLES, labelled_path: Path = LABELLED, embed=None,
                    second_path: Path = SECOND) -> dict:
    from evals.support import SUPPORTED, claim_support, roc_auc
    from evals.sentence_quality import GOOD, labelled_rows, quote_support, score_rows

    triples = yaml.safe_load(triples_path.read_text())
    t_scores = [min((claim_support(s, [t["context"]]) for s in _sentences(t["answer"])), default=1.0) for t in triples]
    t_labels = [int(t["label"]) for t in triples]
    result = {"triples": len(triples), "triples_auc": roc_auc(t_labels, t_scores), "threshold": SUPPORTED,
              "quality_threshold": GOOD}
    rows = labelled_rows(labelled_path)
    quality = dict(zip(map(id, rows), score_rows(rows, embed))) if rows else {}
    for split, key in SPLITS:
        part = [r for r in rows if r.get("split") == split]
        labels = [int(r["label"] == "supported") for r in part]
        result[key] = len(part)
        # claim_support alone: faithfulness proper is supported against unsupported; against all three
        # negatives it cannot see fragments or off-topic sentences.
        scores = [quote_support(r["sentence"], r["passages"]) for r in part]
        result[f"{key}_auc"] = roc_auc(labels, scores) if part else float("nan")
        result[f"{key}_accuracy"] = (sum((s >= SUPPORTED) == bool(y) for s, y in zip(scores, labels)) / len(part)
                                     if part else float("nan"))
        result[f"{key}_auc_unsupported"] = _auc_pairs(part, scores, ("unsupported",))
        # The sentence-quality score: supported against unsupported, fragment and off-topic (the 4-label AUC).
        q = [quality[id(r)].score for r in part]
        result[f"quality_{key}_auc"] = roc_auc(labels, q) if part else float("nan")
        result[f"quality_{key}_accuracy"] = (sum((s >= GOOD) == bool(y) for s, y in zip(q, labels)) / len(part)
                                             if part else float("nan"))
        result[f"quality_{key}_auc_unsupported"] = _auc_pairs(part, q, ("unsupported",))
        for negative in ("fragment", "off-topic"):
            result[f"quality_{key}_auc_{negative.replace('-', '_')}"] = _auc_pairs(part, q, (negative,))
    result["faithfulness_auc_heldout"] = result["quality_held_out_auc"]
    result.update(second_reader(rows, quality, second_path))
    return result


def second_reader(rows: list[dict], quality: dict, path: Path = SECOND) -> dict:
    """How far the labels themselves can be trusted: the second reader's agreement with the first (share of
    equal labels, and of equal supported/not-supported verdicts, with Cohen's kappa on the four labels), and the
    metric's held-out AUC against the second reader's labels. Empty without the file."""
    from evals.support import roc_auc

    if not path.is_file() or not rows:
        return {}
    second = {(r["corpus"], r["question"], r["sentence"]): r["label"] for r in yaml.safe_load(path.read_text())}
    pairs = [(r, second[(r.get("corpus"), r["question"], r["sentence"])]) for r in rows
             if (r.get("corpus"), r["question"], r["sentence"]) in second]
    if not pairs:
        return {}
    n = len(pairs)
    agree = sum(r["label"] == label for r, label in pairs) / n
    labels = sorted({r["label"] for r, _ in pairs} | {label for _, label in pairs})
    chance = sum((sum(r["label"] == k for r, _ in pairs) / n) * (sum(lab == k for _, lab in pairs) / n) for k in labels)
    held = [(r, label) for r, label in pairs if r.get("split") == "held-out"]
    return {
        "second_reader_sentences": n,
        "second_reader_agreement": agree,
        "second_reader_kappa": (agree - chance) / (1 - chance) if chance < 1 else float("nan"),
        "second_reader_supported_agreement": sum((r["label"] == "supported") == (label == "supported")
                                                 for r, label in pairs) / n,
        "quality_held_out_auc_second_reader": roc_auc([int(label == "supported") for _, label in held],
                                                      [quality[id(r)].score for r, _ in held]) if held else float("nan"),
        # The second reader's verdicts scored like a metric against the first reader's labels: how far a
        # careful human gets, and so what a held-out AUC near it means.
        "second_reader_held_out_auc": roc_auc([int(r["label"] == "supported") for r, _ in held],
                                              [int(label == "supported") for _, label in held]) if held else float("nan"),
    }


def _sentences(text: str) -> list[str]:
    from advisor.text import split_sentences

    return split_sentences(text)


def summary_lines(r: dict) -> list[str]:
    return [
        f"sentence quality (support x completeness x relevance), supported against unsupported, fragment and "
        f"off-topic: tuning AUC {r['quality_tuning_auc']:.3f} on {r['tuning']}, held-out AUC "
        f"{r['quality_held_out_auc']:.3f} on {r['held_out']} (accuracy at {r['quality_threshold']}: tuning "
        f"{r['quality_tuning_accuracy']:.3f}, held-out {r['quality_held_out_accuracy']:.3f})",
        f"  by negative, held-out: unsupported {r['quality_held_out_auc_unsupported']:.3f}, fragment "
        f"{r['quality_held_out_auc_fragment']:.3f}, off-topic {r['quality_held_out_auc_off_topic']:.3f} "
        f"(tuning: {r['quality_tuning_auc_unsupported']:.3f}, {r['quality_tuning_auc_fragment']:.3f}, "
        f"{r['quality_tuning_auc_off_topic']:.3f})",
        f"claim support alone, supported against unsupported only: tuning AUC {r['tuning_auc_unsupported']:.3f}, "
        f"held-out AUC {r['held_out_auc_unsupported']:.3f}; against all three negatives: tuning AUC "
        f"{r['tuning_auc']:.3f}, held-out AUC {r['held_out_auc']:.3f} (accuracy at {r['threshold']}: "
        f"{r['tuning_accuracy']:.3f}, {r['held_out_accuracy']:.3f})",
        f"planted faults: {r['triples']} triples, claim support ROC AUC {r['triples_auc']:.3f}",
        *([f"a second, blind reader of the {r['second_reader_sentences']} sentences: same label "
           f"{r['second_reader_agreement']:.3f} (Cohen's kappa {r['second_reader_kappa']:.3f}), same supported/not "
           f"verdict {r['second_reader_supported_agreement']:.3f}; sentence-quality held-out AUC against the second "
           f"reader's labels {r['quality_held_out_auc_second_reader']:.3f}; the second reader's own verdicts, scored "
           f"against the first reader's held-out labels, {r['second_reader_held_out_auc']:.3f}"]
          if "second_reader_agreement" in r else []),
    ]


def main(argv: list[str]) -> int:
    if "--fit" in argv:
        from evals.sentence_quality import fit, labelled_rows

        print(json.dumps(fit(labelled_rows(LABELLED)), indent=2))
        return 0
    r = evaluate_metric()
    if "--json" in argv:
        print(json.dumps(r, indent=2))
    else:
        print("\n".join(summary_lines(r)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
