"""Is this a good answer sentence for this question? A score that cannot flatter (issue #12).

:func:`evals.metrics.claim_support` says whether the cited passages state a sentence's
claims; it is blind to a sentence that is true but useless: a cut-off clause, a bare
list item, a lead-in whose list never came, or a supported sentence about something
the question did not ask. :func:`sentence_quality` multiplies three calibrated parts:

- **support**: claim_support against the cited passages (no embeddings; the metric
  that is independent of the chain's filter), through a logistic ramp;
- **completeness**: :func:`completeness`, rules of English sentence form only (cut
  off, lead-in ending in a colon, dangling function word, lower-case or mid-list start,
  verbless stub, bare list of names, citation marks or Markdown debris, an orphan
  pronoun opening);
- **relevance**: cosine similarity of the sentence to the question and, when the eval
  case has them, to its reference answer and facts (the embeddings model only), through
  a logistic ramp; a "how many / how much / how long" question answered without any
  figure counts as not answered.

Nothing here names a field of work: the word classes are English function words. The
ramps were fitted on the ``tuning`` half of evals/labelled_sentences.yaml only
(:func:`fit`, ``python -m evals.faithfulness_check --fit``); the ``held-out`` half is
for reporting.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from advisor.text import strip_citations

# Logistic ramps, fitted on the tuning half (python -m evals.faithfulness_check --fit).
SUPPORT_CENTER, SUPPORT_SCALE = 0.501, 0.194  # supported against unsupported sentences
RELEVANCE_CENTER, RELEVANCE_SCALE = 0.415, 0.110  # supported against off-topic sentences
GOOD = 0.5  # a sentence scoring at or above this counts as a good answer sentence

Embed = Callable[[Sequence[str]], np.ndarray]

# ---------------------------------------------------------------- completeness (sentence form)

_CITATION = re.compile(r"\[\d+(?:\s*,\s*\d+)*\]")
_MARKDOWN = re.compile(r"\*\*|__|^#+\s|\|\s*[-:]{3,}|`")
_LIST_MARK = re.compile(r"^\s*(?:[-*•]\s+|\d+[.)]\s+)")
# English function words a complete sentence does not end on.
_DANGLING = frozenset("""a an the and or but nor of to in on at by for with from as than that which who whose
    whom such including like into onto about between among via per plus versus vs its their his her our your my
    is are was were be been being has have had do does did can could may might must shall should will would
    very more most less least also both either neither each every some any no not this these those""".split())
# Words that make a clause a statement in almost any English sentence.
_AUXILIARIES = frozenset("""is are was were be been being am has have had do does did can could may might must
    shall should will would isn't aren't wasn't weren't hasn't haven't doesn't don't didn't can't won't""".split())
_PRONOUN_OPENING = re.compile(r"^(he|she|it|its|they|their|them|his|her|this|these|those|that)\b", re.I)
_END = re.compile(r"[.!?][\"'”’)\]]*$")


def completeness(sentence: str) -> float:
    """How much the sentence reads as a complete standalone statement, in (0, 1]: 1 for a whole sentence.

    The lowest penalty that applies wins: no words at all (citation marks only) 0; a
    stub of one or two words 0.01; a cut-off ending (a colon, a comma or dash, a
    dangling function word such as "the" or "of", a figure cut at its thousands
    separator) 0.02; a start in lower case or a bare list of names 0.03; citation marks
    spliced into the middle 0.05; a verbless stub of up to six words, unpunctuated or a comma list, 0.04;
    no closing punctuation and no closing citation 0.1; an orphan pronoun opening 0.6; Markdown
    debris 0.6; a closing semicolon or no closing punctuation before a closing citation 0.8.
    """
    raw = sentence.strip()
    inner = raw
    cited_end = bool(re.search(r"\[\d+(?:\s*,\s*\d+)*\]\W*$", raw))
    # Citation marks at either end are normal; in the middle, followed by more text, they are splices.
    inner = re.sub(r"^(?:\s*\[\d+(?:\s*,\s*\d+)*\])+\s*", "", inner)
    inner = re.sub(r"(?:\s*\[\d+(?:\s*,\s*\d+)*\])+\s*([.!?]?)\s*$", r"\1", inner)
    spliced = bool(re.search(r"\[\d+(?:\s*,\s*\d+)*\]\s+[A-Za-z]", inner))  # "[1] Skills On Point, [2] Graduates ..."
    text = _LIST_MARK.sub("", strip_citations(inner)).strip().strip("*_").strip()
    words = re.findall(r"[A-Za-z0-9][\w'’.,%$£€/+-]*", text)
    if not re.search(r"[A-Za-z]", text):
        return 0.0
    penalties = [1.0]
    if len(words) <= 2:
        penalties.append(0.01)
    bare = text.rstrip("\"'”’)").rstrip()
    last = re.sub(r"[^\w'’-]", "", bare.split()[-1]).lower() if bare.split() else ""
    if bare.endswith((":", ",", "-", "–", "—", "(")) or re.search(r"\d,$", bare):
        penalties.append(0.02)
    elif not _END.search(text) and last in _DANGLING:
        penalties.append(0.02)
    first = text.lstrip("\"'“‘(")[:1]
    if first.islower():
        penalties.append(0.03)
    if _bare_names(text):
        penalties.append(0.03)
    if spliced:
        penalties.append(0.05)
    lowered = [w.lower().strip(".,;:()\"'") for w in words]
    if (len(words) <= 6 and not any(w in _AUXILIARIES for w in lowered) and not _has_verb_form(lowered[1:])
            and (not _END.search(text) or "," in text)):  # "ML platform engineer [1]", "Calculus, algebra, statistics."
        penalties.append(0.04)
    if not _END.search(text):
        penalties.append(0.8 if cited_end or text.endswith(";") else 0.1)
    if _PRONOUN_OPENING.match(text):
        penalties.append(0.6)
    if _MARKDOWN.search(text) or ";;" in text:
        penalties.append(0.6)
    return min(penalties)


def _has_verb_form(words: list[str]) -> bool:
    """A past form or a third-person -s after a plural/proper subject is too ambiguous; only -ed counts."""
    return any(len(w) > 4 and w.endswith("ed") for w in words)


def _bare_names(text: str) -> bool:
    """A comma list of capitalised names with nothing else: "California, Florida, Georgia and Texas."."""
    items = [i.strip() for i in re.split(r",|;|\band\b|\bor\b", text.rstrip(".!?")) if i.strip()]
    if len(items) < 3:
        return False
    return all(re.fullmatch(r"(?:[A-Z][\w.&'’-]*\s?){1,4}", i) for i in items)


# ---------------------------------------------------------------- relevance to the question

_FIGURE_QUESTION = re.compile(
    r"\bhow (?:many|much|long|often|old|fast|big|large|high|low)\b|\bwhat (?:percentage|share|proportion|number|"
    r"salary|pay|wage)\b", re.I)


def asks_for_a_figure(question: str) -> bool:
    return bool(_FIGURE_QUESTION.search(question))


def answers_the_kind(question: str, sentence: str) -> bool:
    """A question asking how many / how much / how long is not answered by a sentence without a single figure."""
    return not asks_for_a_figure(question) or bool(re.search(r"\d", strip_citations(sentence)))


def relevance_raw(embed: Embed, sentence: str, question: str, reference_answer: str = "",
                  reference_facts: Sequence[str] = ()) -> float:
    """Mean of the sentence's cosine to the question, to the reference answer and to the closest reference fact
    (the last two when the eval case has them): a sentence must be near all of them, not just one."""
    return float(relevance_batch(embed, [sentence], [question], [reference_answer], [reference_facts])[0])


def relevance_batch(embed: Embed, sentences: Sequence[str], questions: Sequence[str],
                    reference_answers: Sequence[str], reference_facts: Sequence[Sequence[str]]) -> np.ndarray:
    texts = [strip_citations(s) for s in sentences]
    every = list(dict.fromkeys([*texts, *questions, *(a for a in reference_answers if a),
                                *(f for facts in reference_facts for f in facts)]))
    vectors = dict(zip(every, embed(every)))
    out = np.zeros(len(sentences))
    for i, (s, q, answer, facts) in enumerate(zip(texts, questions, reference_answers, reference_facts)):
        v = vectors[s]
        parts = [float(v @ vectors[q])]
        if answer:
            parts.append(float(v @ vectors[answer]))
        if facts:
            parts.append(max(float(v @ vectors[f]) for f in facts))
        out[i] = sum(parts) / len(parts)
    return out


# ---------------------------------------------------------------- the combined score


def _ramp(x: float, center: float, scale: float) -> float:
    return 1.0 / (1.0 + math.exp(-(x - center) / scale))


@dataclass
class SentenceQuality:
    claim_support: float
    support: float
    completeness: float
    relevance_raw: float
    relevance: float
    score: float


def combine(claim_support_value: float, completeness_value: float, relevance_value: float, answers_kind: bool = True,
            params: dict | None = None) -> SentenceQuality:
    p = params or {}
    support = _ramp(claim_support_value, p.get("support_center", SUPPORT_CENTER), p.get("support_scale", SUPPORT_SCALE))
    relevance = _ramp(relevance_value, p.get("relevance_center", RELEVANCE_CENTER),
                      p.get("relevance_scale", RELEVANCE_SCALE)) * (1.0 if answers_kind else 0.1)
    return SentenceQuality(claim_support_value, support, completeness_value, relevance_value, relevance,
                           support * completeness_value * relevance)


def sentence_quality(sentence: str, passages: Sequence[str], question: str, reference_answer: str = "",
                     reference_facts: Sequence[str] = (), embed: Embed | None = None) -> SentenceQuality:
    """The three parts and their product for one sentence (see the module docstring)."""
    return score_batch([sentence], [passages], [question], [reference_answer], [reference_facts], embed)[0]


def score_batch(sentences: Sequence[str], passages: Sequence[Sequence[str]], questions: Sequence[str],
                reference_answers: Sequence[str], reference_facts: Sequence[Sequence[str]],
                embed: Embed | None = None, params: dict | None = None) -> list[SentenceQuality]:
    from evals.metrics import claim_support

    relevance = relevance_batch(embed or default_embed, sentences, questions, reference_answers, reference_facts)
    return [combine(claim_support(s, p), completeness(s), float(r), answers_the_kind(q, s), params)
            for s, p, q, r in zip(sentences, passages, questions, relevance)]


def default_embed(texts: Sequence[str]) -> np.ndarray:
    """The packaged sentence-transformers model (advisor/embeddings), used for vectors only."""
    from advisor.embeddings import get_embeddings

    return get_embeddings().encode(list(texts))


# ---------------------------------------------------------------- fitting and checking on the labels


def _logistic_fit(x: np.ndarray, y: np.ndarray, iterations: int = 100) -> tuple[float, float]:
    """Center and scale of the 1-D logistic regression of y on x (Newton's method, a tiny ridge for stability)."""
    a, b = 0.0, 0.0
    X = np.stack([x, np.ones_like(x)], axis=1)
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(X @ np.array([a, b]))))
        gradient = X.T @ (p - y) + 1e-6 * np.array([a, b])
        hessian = (X * (p * (1 - p))[:, None]).T @ X + 1e-6 * np.eye(2)
        step = np.linalg.solve(hessian, gradient)
        a, b = a - step[0], b - step[1]
        if np.abs(step).max() < 1e-10:
            break
    return -b / a, 1.0 / a


def labelled_rows(path, datasets=None) -> list[dict]:
    """The labelled sentences with their eval case's reference answer and facts (matched by corpus and question)."""
    import yaml

    from evals.corpora import DATASETS
    from evals.dataset import load_cases

    rows = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else []
    cases: dict = {}
    for corpus in sorted({r.get("corpus", "") for r in rows}):
        dataset = (datasets or DATASETS) / f"{corpus}.yaml"
        if corpus and dataset.is_file():
            cases.update({(corpus, c.question): c for c in load_cases(dataset)})
    for row in rows:
        case = cases.get((row.get("corpus", ""), row["question"]))
        row["reference_answer"] = case.reference_answer if case else ""
        row["reference_facts"] = list(case.reference_facts) if case else []
    return rows


def score_rows(rows: Sequence[dict], embed: Embed | None = None, params: dict | None = None) -> list[SentenceQuality]:
    return score_batch([r["sentence"] for r in rows], [r["passages"] for r in rows], [r["question"] for r in rows],
                       [r.get("reference_answer", "") for r in rows], [r.get("reference_facts", []) for r in rows],
                       embed, params)


def fit(rows: Sequence[dict], embed: Embed | None = None) -> dict:
    """The two ramps from the tuning half only: support on supported/unsupported, relevance on supported/off-topic."""
    tuning = [r for r in rows if r.get("split") == "tuning"]
    scored = score_rows(tuning, embed)
    params = {}
    for part, negative, attr in (("support", "unsupported", "claim_support"), ("relevance", "off-topic", "relevance_raw")):
        pairs = [(getattr(q, attr), r["label"] == "supported") for r, q in zip(tuning, scored)
                 if r["label"] in ("supported", negative)]
        center, scale = _logistic_fit(np.array([x for x, _ in pairs]), np.array([float(y) for _, y in pairs]))
        params[f"{part}_center"], params[f"{part}_scale"] = round(float(center), 3), round(float(scale), 3)
    return params
