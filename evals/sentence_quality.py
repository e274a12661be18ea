"""Is this a good answer sentence for this question? A score that cannot flatter (issue #12).

:func:`evals.support.claim_support` says whether the cited passages state a sentence's
claims; it is blind to a sentence that is true but useless: a cut-off clause, a bare
list item, a lead-in whose list never came, or a supported sentence about something
the question did not ask. :func:`sentence_quality` multiplies three calibrated parts:

- **support**: claim_support against the cited passages, quote by quote for a sentence
  strung together from cited quotes (:func:`quote_support`; no embeddings; the metric
  that is independent of the chain's filter), through a logistic ramp;
- **completeness**: :func:`completeness`, rules of English sentence form only (cut
  off, lead-in ending in a colon, dangling function word, lower-case or mid-list start,
  verbless stub, bare list of names, citation marks or Markdown debris, an orphan
  pronoun opening);
- **relevance**: does the sentence answer *this* question, not merely talk about its
  subject? Two signals, one logistic ramp (:func:`relevance_batch`): the question
  margin, the sentence's cosine to its question minus its cosine to the nearest of the
  eval dataset's other questions (embeddings model only; all the questions of a dataset
  share their subjects, so what is left is the question's focus), and the share of a
  reference fact's words and figures the sentence carries (:func:`fact_cover`), each word
  weighted by its rarity among the dataset's questions (:func:`focus_weights`, an inverse
  document frequency: a fact's subject words, which every question shares, count for
  almost nothing; a figure weighs as much as the rarest word). A "how many / how much /
  how long" question answered without any figure counts as not answered.

Nothing here names a field of work: the word classes are English function words. The
ramps were fitted on the ``tuning`` half of evals/labelled_sentences.yaml only
(:func:`fit`, ``python -m evals.faithfulness_check --fit``), and versions of the metric
were chosen by leave-one-question-out cross-validation within that half
(:func:`cross_validate`); the ``held-out`` half is for reporting.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import regex as re  # Unicode classes (\p{L}, \p{Lu}): "Élodie" and "Zürich" are words

from advisor.figures import figures_in, same_value
from advisor.text import strip_citations, tokens

# Logistic ramps, fitted on the tuning half (python -m evals.faithfulness_check --fit).
SUPPORT_CENTER, SUPPORT_SCALE = 0.689, 0.114  # supported against unsupported sentences
RELEVANCE_CENTER, RELEVANCE_SCALE = 0.21, 0.327  # supported against off-topic sentences
FACT_WEIGHT = 1.063  # a reference fact carried in full (by rarity weight), in cosine units of question margin
NEAREST_OTHER = 0.548  # mean cosine of a sentence to the nearest other question of its dataset
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
    very more most less least also both either neither each every some any no not this these those""".split())  # noqa: SIM905
# Words that make a clause a statement in almost any English sentence.
_AUXILIARIES = frozenset("""is are was were be been being am has have had do does did can could may might must
    shall should will would isn't aren't wasn't weren't hasn't haven't doesn't don't didn't can't won't""".split())  # noqa: SIM905
_PRONOUN_OPENING = re.compile(r"^(he|she|it|its|they|their|them|his|her|this|these|those|that)\b", re.IGNORECASE)
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
    spliced = bool(re.search(r"\[\d+(?:\s*,\s*\d+)*\]\s+\p{L}", inner))  # "[1] Skills On Point, [2] Graduates ..."
    text = _LIST_MARK.sub("", strip_citations(inner)).strip().strip("*_").strip()
    words = re.findall(r"[\p{L}0-9][\w'’.,%$£€/+-]*", text)
    if not re.search(r"\p{L}", text):
        return 0.0
    penalties = [1.0]
    if len(words) <= 2:
        penalties.append(0.01)
    bare = text.rstrip("\"'”’)").rstrip()
    last = re.sub(r"[^\w'’-]", "", bare.split()[-1]).lower() if bare.split() else ""
    cut_off = bare.endswith((":", ",", "-", "–", "—", "(")) or re.search(r"\d,$", bare)
    if cut_off or (not _END.search(text) and last in _DANGLING):
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
    return all(re.fullmatch(r"(?:\p{Lu}[\w.&'’-]*\s?){1,4}", i) for i in items)


# ---------------------------------------------------------------- relevance to the question

_FIGURE_QUESTION = re.compile(
    r"\bhow (?:many|much|long|often|old|fast|big|large|high|low)\b|\bwhat (?:percentage|share|proportion|number|"
    r"salary|pay|wage)\b", re.IGNORECASE)


_CLAUSE = re.compile(r"[.?!;]\s*|,\s*(?:and\s+|or\s+|but\s+)?|\s+(?:and|or|but)\s+(?=how\b|what\b)", re.IGNORECASE)


def asks_for_a_figure(question: str) -> bool:
    """Whether a clause of the question opens with "how many / how much / how long…" ("And how much do they
    earn?"). An embedded one does not ask for a figure: "Do all sources agree on how much X earns?" is
    answered yes or no."""
    clauses = (c.strip() for c in _CLAUSE.split(question))
    return any(_FIGURE_QUESTION.match(re.sub(r"^(?:and|so|but|then)\s+", "", c, flags=re.IGNORECASE))
               for c in clauses if c)


# A figure written in words ("about two years", "a dozen states") is still a figure
# ("one", "half" and "third" are left out: "one of the paths", "third-party" are not figures).
_NUMBER_WORD = re.compile(r"\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|"
                          r"fifty|sixty|seventy|eighty|ninety|hundred|thousand|million|billion|dozen)\b", re.IGNORECASE)


def answers_the_kind(question: str, sentence: str) -> bool:
    """A question asking how many / how much / how long is not answered by a sentence without a single figure
    (in digits or in words)."""
    text = strip_citations(sentence)
    return not asks_for_a_figure(question) or bool(re.search(r"\d", text) or _NUMBER_WORD.search(text))


def focus_weights(questions: Sequence[str]) -> tuple[dict[str, float], float]:
    """Inverse document frequency of each content word over a dataset's questions, and the weight of a word
    none of them uses: log((n + 1) / (df + 0.5)). A word every question shares (the subjects of the dataset)
    weighs almost nothing; the fewer questions use a word, the more it weighs (most: a word none uses)."""
    df: dict[str, int] = {}
    for q in dict.fromkeys(questions):
        for t in set(tokens(q)):
            df[t] = df.get(t, 0) + 1
    n = len(dict.fromkeys(questions))
    return {t: math.log((n + 1) / (c + 0.5)) for t, c in df.items()}, math.log((n + 1) / 0.5)


def fact_cover(fact: str, sentence: str, weights: tuple[dict[str, float], float] | None = None) -> float:
    """Weighted share of a reference fact's content words and figures that the sentence contains, in [0, 1].

    A sentence that answers the question usually carries one of the case's reference facts; an off-topic
    one, however close its words, carries none. Figures count by value and currency (advisor.figures),
    since content words drop bare numbers. ``weights`` (:func:`focus_weights` of the dataset's questions)
    weigh each word by its rarity among the questions, so that a fact's words that every question shares
    (its subject) count for almost nothing; a figure weighs as much as the rarest word. Without weights
    every word and figure counts the same.
    """
    words, figures = set(tokens(fact)), figures_in(fact)
    if not words and not figures:
        return 0.0
    idf, rare = weights or ({}, 1.0)
    weight = {w: idf.get(w, rare) for w in words}
    total = sum(weight.values()) + rare * len(figures)
    if total <= 0:
        return 0.0
    text = strip_citations(sentence)
    found, present = figures_in(text), set(tokens(text))
    hits = sum(v for w, v in weight.items() if w in present) + rare * sum(
        any(same_value(f, g) for g in found) for f in figures)
    return hits / total


def relevance_parts(embed: Embed, sentences: Sequence[str], questions: Sequence[str],
                    reference_facts: Sequence[Sequence[str]], other_questions: Sequence[Sequence[str]] = ()
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per sentence: its cosine to its question, its cosine to the nearest of the dataset's other questions
    (NaN without any) and its best reference-fact cover (:func:`fact_cover`, weighted by :func:`focus_weights`
    of the dataset's questions; unweighted without other questions)."""
    others = list(other_questions) or [()] * len(sentences)
    texts = [strip_citations(s) for s in sentences]
    every = list(dict.fromkeys([*texts, *questions, *(o for group in others for o in group)]))
    vectors = dict(zip(every, embed(every)))
    own, nearest, cover = (np.full(len(texts), np.nan) for _ in range(3))
    for i, (s, q, facts, group) in enumerate(zip(texts, questions, reference_facts, others)):
        v = vectors[s]
        own[i] = float(v @ vectors[q])
        nearest[i] = max((float(v @ vectors[o]) for o in group if o != q), default=np.nan)
        rivals = [o for o in group if o != q]
        weights = focus_weights([q, *rivals]) if rivals else None  # a lone question: every word counts the same
        cover[i] = max((fact_cover(f, s, weights) for f in facts), default=0.0)
    return own, nearest, cover


def relevance_batch(embed: Embed, sentences: Sequence[str], questions: Sequence[str],
                    reference_answers: Sequence[str], reference_facts: Sequence[Sequence[str]],
                    other_questions: Sequence[Sequence[str]] = (), params: dict | None = None) -> np.ndarray:
    """Raw relevance, in cosine units: the question margin + FACT_WEIGHT x the fact cover.

    The margin is the sentence's cosine to its own question minus its cosine to the nearest of the
    dataset's other questions. Every question of a dataset shares its subjects, so the margin measures the
    question's focus, not its subject: a pay sentence is close to "What does an ML engineer do?", but closer
    still to the dataset's pay question. Without other questions (a lone call) a constant, NEAREST_OTHER
    (the nearest cosine's mean on the tuning half), stands in; that leaves only the question's cosine, which
    cannot tell focus from subject, so pass the other questions. The fact cover weighs a fact's words by
    their rarity among the dataset's questions (:func:`focus_weights`), so a fact's subject words, which
    every question shares, count for almost nothing. ``reference_answers`` is accepted for the callers'
    sake and unused: under cross-validation on the tuning half neither the reference answer's cosine nor
    its margin over the other cases' reference answers helped once the margin and the fact cover were in.
    """
    p = params or {}
    own, nearest, cover = relevance_parts(embed, sentences, questions, reference_facts, other_questions)
    nearest = np.where(np.isnan(nearest), p.get("nearest_other", NEAREST_OTHER), nearest)
    return own - nearest + p.get("fact_weight", FACT_WEIGHT) * cover


def relevance_probability(embed: Embed, sentences: Sequence[str], question: str, reference_facts: Sequence[str],
                          other_questions: Sequence[str]) -> np.ndarray:
    """Per sentence of one answer, the relevance part of :func:`combine` (the ramp on :func:`relevance_batch`, and
    a figure question answered without a figure counted as not answered): how likely the sentence answers this
    question rather than another of the dataset's. The eval's off-topic rate reads it (evals.metrics.form_report)."""
    n = len(sentences)
    raw = relevance_batch(embed, sentences, [question] * n, [""] * n, [reference_facts] * n, [other_questions] * n)
    return np.array([combine(1.0, 1.0, float(r), answers_the_kind(question, s)).relevance
                     for s, r in zip(sentences, raw)])


def relevance_raw(embed: Embed, sentence: str, question: str, reference_answer: str = "",
                  reference_facts: Sequence[str] = (), other_questions: Sequence[str] = ()) -> float:
    """:func:`relevance_batch` for one sentence."""
    return float(relevance_batch(embed, [sentence], [question], [reference_answer], [reference_facts],
                                 [other_questions])[0])


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
                     reference_facts: Sequence[str] = (), embed: Embed | None = None,
                     other_questions: Sequence[str] = ()) -> SentenceQuality:
    """The three parts and their product for one sentence (see the module docstring).

    ``other_questions``: the eval dataset's other questions, for the question margin (a constant stands in
    without them).
    """
    return score_batch([sentence], [passages], [question], [reference_answer], [reference_facts], embed,
                       other_questions=[other_questions])[0]


def score_batch(sentences: Sequence[str], passages: Sequence[Sequence[str]], questions: Sequence[str],
                reference_answers: Sequence[str], reference_facts: Sequence[Sequence[str]],
                embed: Embed | None = None, params: dict | None = None,
                other_questions: Sequence[Sequence[str]] = ()) -> list[SentenceQuality]:
    relevance = relevance_batch(embed or default_embed, sentences, questions, reference_answers, reference_facts,
                                other_questions, params)
    return [combine(quote_support(s, p), completeness(s), float(r), answers_the_kind(q, s), params)
            for s, p, q, r in zip(sentences, passages, questions, relevance)]


def quote_support(sentence: str, passages: Sequence[str]) -> float:
    """claim_support read the way :func:`evals.metrics.faithfulness` reads it: a sentence strung together from cited
    quotes ("a [3]; b [4].") is as supported as its weakest quote, each judged on its own."""
    from evals.support import cited_parts, claim_support

    return min(claim_support(part, passages) for part in cited_parts(sentence))


def default_embed(texts: Sequence[str]) -> np.ndarray:
    """The packaged sentence-transformers model (advisor/embeddings), used for vectors only."""
    from advisor.embeddings import get_embeddings

    return get_embeddings().encode(list(texts))


# ---------------------------------------------------------------- fitting and checking on the labels


def _logistic_fit(X: np.ndarray, y: np.ndarray, iterations: int = 100) -> np.ndarray:
    """Weights (one per column of X, then the intercept) of the logistic regression of y on X (Newton's
    method, a tiny ridge for stability)."""
    X = np.column_stack([X, np.ones(len(X))])
    w = np.zeros(X.shape[1])
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(X @ w)))
        gradient = X.T @ (p - y) + 1e-6 * w
        hessian = (X * (p * (1 - p))[:, None]).T @ X + 1e-6 * np.eye(len(w))
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-10:
            break
    return w


def labelled_rows(path, datasets=None) -> list[dict]:
    """The labelled sentences with their eval case's reference answer and facts (matched by corpus and question)
    and the dataset's other questions (for the question margin)."""
    import yaml

    from evals.corpora import DATASETS
    from evals.dataset import load_cases

    rows = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else []
    cases: dict = {}
    questions: dict = {}
    for corpus in sorted({r.get("corpus", "") for r in rows}):
        dataset = (datasets or DATASETS) / f"{corpus}.yaml"
        if corpus and dataset.is_file():
            loaded = load_cases(dataset)
            cases.update({(corpus, c.question): c for c in loaded})
            questions[corpus] = [c.question for c in loaded]
    for row in rows:
        case = cases.get((row.get("corpus", ""), row["question"]))
        row["reference_answer"] = case.reference_answer if case else ""
        row["reference_facts"] = list(case.reference_facts) if case else []
        row["other_questions"] = [q for q in questions.get(row.get("corpus", ""), []) if q != row["question"]]
    return rows


def score_rows(rows: Sequence[dict], embed: Embed | None = None, params: dict | None = None) -> list[SentenceQuality]:
    return score_batch([r["sentence"] for r in rows], [r["passages"] for r in rows], [r["question"] for r in rows],
                       [r.get("reference_answer", "") for r in rows], [r.get("reference_facts", []) for r in rows],
                       embed, params, [r.get("other_questions", []) for r in rows])


def fit(rows: Sequence[dict], embed: Embed | None = None, split: str | None = "tuning") -> dict:
    """The calibration, from the tuning half only (``split=None``: every row given, for cross-validation folds).

    Support: a logistic ramp on claim_support, supported against unsupported. Relevance: one logistic
    regression of supported against off-topic on the question margin and the fact cover, read back as the
    fact cover's weight (in cosine units) and the ramp's center and scale. NEAREST_OTHER: the mean cosine
    of a sentence to the nearest other question.
    """
    rows = [r for r in rows if split is None or r.get("split") == split]
    pairs = [(quote_support(r["sentence"], r["passages"]), r["label"] == "supported") for r in rows
             if r["label"] in ("supported", "unsupported")]
    a, b = _logistic_fit(np.array([[x] for x, _ in pairs]), np.array([float(y) for _, y in pairs]))
    params = {"support_center": -b / a, "support_scale": 1 / a}
    own, nearest, cover = relevance_parts(
        embed or default_embed, [r["sentence"] for r in rows], [r["question"] for r in rows],
        [r.get("reference_facts", []) for r in rows], [r.get("other_questions", []) for r in rows])
    topical = np.array([r["label"] in ("supported", "off-topic") for r in rows]) & ~np.isnan(nearest)
    labels = np.array([float(r["label"] == "supported") for r in rows])
    a, c, b = _logistic_fit(np.column_stack([own - nearest, cover])[topical], labels[topical])
    params.update(relevance_center=-b / a, relevance_scale=1 / a, fact_weight=c / a,
                  nearest_other=float(np.nanmean(nearest)))
    return {k: round(float(v), 3) for k, v in params.items()}


def cross_validate(rows: Sequence[dict], embed: Embed | None = None, split: str = "tuning") -> dict:
    """Leave-one-question-out ROC AUC within one half: each question's sentences are scored with the calibration
    fitted on the half's other questions. Overall (supported against the three negatives) and per negative.
    The way to choose between versions of this metric without looking at the held-out half."""
    from evals.support import roc_auc

    rows = [r for r in rows if r.get("split") == split]
    embed = _cached(embed or default_embed)
    scores = np.zeros(len(rows))
    for question in {(r.get("corpus"), r["question"]) for r in rows}:
        test = [i for i, r in enumerate(rows) if (r.get("corpus"), r["question"]) == question]
        train = [r for i, r in enumerate(rows) if i not in test]
        scores[test] = [q.score for q in score_rows([rows[i] for i in test], embed, fit(train, embed, None))]
    result = {}
    for name, negatives in (("all", ("unsupported", "fragment", "off-topic")), ("unsupported", ("unsupported",)),
                            ("fragment", ("fragment",)), ("off-topic", ("off-topic",))):
        keep = [i for i, r in enumerate(rows) if r["label"] in ("supported", *negatives)]
        result[name] = roc_auc([int(rows[i]["label"] == "supported") for i in keep], [scores[i] for i in keep])
    return result


def _cached(embed: Embed) -> Embed:
    """The embedder with a memo, so that refitting per fold does not embed the same texts again."""
    memo: dict[str, np.ndarray] = {}

    def cached(texts: Sequence[str]) -> np.ndarray:
        new = [t for t in dict.fromkeys(texts) if t not in memo]
        if new:
            memo.update(zip(new, embed(new)))
        return np.array([memo[t] for t in texts])

    return cached
