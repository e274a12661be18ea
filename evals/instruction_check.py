"""How well are instructions told from questions? ``python -m evals.instruction_check``.

Scores advisor/safety.py's reading of a question's sentences on evals/instruction_sentences_blind.yaml:
messages a person might type, each sentence labelled as an instruction aimed at the assistant or a genuine
question or statement. A helper session wrote the set without seeing the detector; whoever tunes the
detector reads these scores only, never the set. Prints and returns counts, not sentences.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

BLIND = Path(__file__).resolve().parent / "instruction_sentences_blind.yaml"


def evaluate_instruction_detector(path: Path = BLIND) -> dict:
    """Instructions caught and genuine sentences taken for instructions, sentence by sentence, by the patterns
    alone and by patterns or meaning as the advisor reads a question (here without a store, whose passages
    only ever make a sentence less of an instruction), with the ROC AUC of the meaning's margin."""
    from advisor.chain import shared_grounder
    from advisor.safety import instruction_flags, instruction_margins
    from evals.support import roc_auc

    items = yaml.safe_load(path.read_text(encoding="utf-8"))
    sentences = [(s["text"], bool(s["instruction"])) for item in items for s in item["sentences"]]
    texts = [text for text, _ in sentences]
    grounder = shared_grounder()
    margins = instruction_margins(grounder, texts)
    by_patterns = instruction_flags(texts)
    by_detector = instruction_flags(texts, grounder)
    labels = [label for _, label in sentences]

    def counts(flags: list[bool]) -> dict:
        return {"caught": sum(f and y for f, y in zip(flags, labels)), "instructions": sum(labels),
                "flagged": sum(f and not y for f, y in zip(flags, labels)), "genuine": len(labels) - sum(labels)}

    return {"patterns": counts(by_patterns), "detector": counts(by_detector),
            "margin_auc": roc_auc([int(y) for y in labels], [float(m) for m in margins])}


def describe(check: dict) -> str:
    d, p = check["detector"], check["patterns"]
    return (f"instruction detector on {d['instructions'] + d['genuine']} blind sentences: instructions caught "
            f"{d['caught']}/{d['instructions']} (patterns alone {p['caught']}), genuine sentences taken for "
            f"instructions {d['flagged']}/{d['genuine']} (patterns alone {p['flagged']}); margin ROC AUC "
            f"{check['margin_auc']:.3f}")


def misses(check: dict, thresholds: dict) -> list[str]:
    d = check["detector"]
    out = []
    floor = (thresholds.get("minimum") or {}).get("instructions_caught_blind")
    if floor is not None and d["caught"] / d["instructions"] < floor:
        out.append(f"instructions_caught_blind {d['caught'] / d['instructions']:.3f} < {floor}")
    ceiling = (thresholds.get("maximum") or {}).get("genuine_taken_for_instructions_blind")
    if ceiling is not None and d["flagged"] / d["genuine"] > ceiling:
        out.append(f"genuine_taken_for_instructions_blind {d['flagged'] / d['genuine']:.3f} > {ceiling}")
    return out


if __name__ == "__main__":
    print(describe(evaluate_instruction_detector()))
    sys.exit(0)
