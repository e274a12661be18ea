"""Offline metrics, independent of the chain's own filters. Definitions: evals/README.md.

The chain keeps a sentence when ``advisor.grounding.Grounder.support`` says a passage
supports it; scoring faithfulness with that same function would grade the filter
with itself. :func:`claim_support` (evals/support.py) is a different judge: no embeddings, only what a
careful reader checks — are the sentence's words and word pairs in one place of the
passage, and is every figure there with its currency? Its quality is measured on
labelled sentences (evals/labelled_sentences.yaml, tuning and held-out halves).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import regex as re  # Unicode classes (\p{L}, \p{Lu}): "Élodie" and "Zürich" are words

from advisor.answer import Answer
from advisor.text import citations_in, content_words, split_sentences, strip_citations, tokens
from evals.dataset import Case
from evals.support import SUPPORTED, claim_support, cited_parts

FACT_SIMILARITY = 0.75  # a reference fact counts as present above this similarity to an answer sentence
# A sentence whose relevance probability (evals.sentence_quality.relevance_probability) is below this is counted
# off-topic. Chosen on the tuning half of the labelled sentences: it flags about two in three of the answer
# sentences that readers labelled off-topic and one in five of the supported ones (the cosine rule it replaced,
# "closer than 0.35 to neither the question nor the reference", flagged one in ten of the off-topic ones).
OFF_TOPIC = 0.3
NEAR_DUPLICATE = 0.9
RESTATED_PART = 0.85


# ---------------------------------------------------------------- faithfulness (independent judge)


def faithfulness(answer: Answer) -> float:
    """Share of the answer's sentences that :func:`claim_support` finds supported by the retrieved passages.

    A sentence of several cited quotes (the conflict note) is supported when every quote is.
    """
    sentences = [s for s in split_sentences(answer.text) if len(tokens(s)) >= 2]
    if not sentences:
        return 1.0
    supported = sum(all(claim_support(p, answer.contexts) >= SUPPORTED for p in cited_parts(s)) for s in sentences)
    return supported / len(sentences)


def citation_validity(answer: Answer) -> float:
    """Share of [n] marks whose cited passage supports the sentence (the conflict note is checked quote by quote)."""
    listed = {c.id: c.text for c in answer.citations}
    marks = valid = 0
    for sentence in split_sentences(answer.text):
        for part in cited_parts(sentence):
            for n in citations_in(part):
                marks += 1
                valid += n in listed and claim_support(part, [listed[n]]) >= SUPPORTED
    return valid / marks if marks else 1.0


# ---------------------------------------------------------------- relevance and facts


# "14 percent", "14 per cent" and "14%" are one figure: a fact written one way is stated by an answer written another.
_PERCENT = re.compile(r"(?<=\d)\s*(?:per\s*cent|percent)\b", re.I)


def fact_recall(grounder, answer_text: str, facts: Sequence[str]) -> float:
    """Share of reference facts the answer states: verbatim, by all content words, or by close meaning."""
    if not facts:
        return 1.0
    sentences = [strip_citations(s) for s in split_sentences(answer_text)] or [""]
    lowered = _PERCENT.sub("%", answer_text.lower())
    answer_words = content_words(answer_text)
    vectors = grounder.embed(sentences)
    found = 0
    for fact in facts:
        words = content_words(fact)
        if _PERCENT.sub("%", fact.lower()) in lowered or (words and words <= answer_words):
            found += 1
        elif float((grounder.embed([fact])[0] @ vectors.T).max()) >= FACT_SIMILARITY:
            found += 1
    return found / len(facts)


def answer_sentences(text: str) -> list[str]:
    """The answer's own sentences: every line but the conflict note, which quotes the sources on purpose."""
    return split_sentences("\n".join(line for line in text.split("\n") if not line.startswith("Note:")))


def sentence_relevance(grounder, sentences: Sequence[str], case: Case) -> np.ndarray:
    """Per sentence: the closest of its similarities to the question and to the reference (answer or facts)."""
    if not sentences:
        return np.zeros(0)
    targets = [" ".join([*(t[0] for t in case.history), case.question])]
    targets += [case.reference_answer] if case.reference_answer else []
    targets += list(case.reference_facts)
    vectors = grounder.embed([strip_citations(s) for s in sentences])
    return (vectors @ grounder.embed(targets).T).max(axis=1)


def answer_relevance(grounder, answer_text: str, case: Case) -> float:
    """Mean relevance of the answer's sentences to this case's question and reference, judged sentence by sentence.

    A salary sentence in an answer about duties is far from both and pulls the score down.
    """
    sentences = answer_sentences(answer_text)
    scores = sentence_relevance(grounder, sentences, case)
    return float(np.clip(scores, 0, 1).mean()) if len(scores) else 0.0


# ---------------------------------------------------------------- form


# "Both" is a pronoun in "Both pay well" but not in "Both roles pay well" (a plural noun follows) or in
# "Both Okafor and Mensah agree".
# "All of this", "Most of them": a quantifier of a pronoun points back too, and so does an opening word or two
# before one: "By these figures", "Because of this", "Compared with them".
_PRONOUN_OPENING = re.compile(
    r"^((?:[Aa]ll|[Mm]ost|[Ss]ome|[Mm]any|[Ee]ach|[Nn]one|[Bb]oth|[Ss]everal|[Ff]ew|[Mm]uch|[Aa]ny|[Oo]ne) of "
    r"(?:this|these|those|them|it)"
    r"|\p{Lu}\p{Ll}+(?: (?:of|with|to|on|from))? (?:this|these|those|them|it)(?! (?:is|was|are|were)\b)"
    r"|[Hh]e|[Ss]he|[Hh]is|[Hh]er|[Tt]hey|[Tt]heir|[Tt]hem|[Ii]t|[Ii]ts|[Tt]his|[Tt]hese|[Tt]hose"  # case-sensitive: "IT audits"
    r"|[Bb]oth(?!\s+(?!is\b|was\b|has\b)\p{Ll}+s\b)(?!\s+\S+\s+and\b))\b")
_DANGLING_END = re.compile(r"\b(and|or|but|the|a|an|of|to|with|for|in|on|such as|including|like)$", re.I)


def _restates_part(words: set[str], earlier: Sequence[set[str]]) -> bool:
    """A sentence whose words are nearly all (RESTATED_PART) in one earlier sentence: it restates a part of it, and is
    too short to be near it by cosine ("X build algorithms." after "X build algorithms; Y integrate models.")."""
    return len(words) >= 3 and any(len(words & before) >= RESTATED_PART * len(words) for before in earlier)


def is_fragment(sentence: str) -> bool:
    """Not a whole sentence: a lead-in without its list, a cut-off clause, a lower-case start, a stub."""
    text = strip_citations(sentence).strip().strip("*").strip()
    if not text or len(text.split()) < 4:
        return True
    if text.endswith(":") or _DANGLING_END.search(text.rstrip(".!?")):
        return True
    if not re.match(r"^[\"'(\[]?[\p{Lu}0-9£$€¥₹]", text):
        return True
    return not re.search(r"[.!?)\"']$", text)


def as_asked(case: Case) -> str:
    """The question as the person put it, with what they said of themselves in the About-you box (as the
    advisor reads it): an advice answer's sentences on those traits answer it."""
    return f"{case.question} (About me: {case.about})" if case.about else case.question


def form_report(grounder, answer: Answer, case: Case, other_questions: Sequence[str] = ()) -> dict:
    """Counts of the answer's form defects and whether its first sentence answers the question.

    ``other_questions``: the dataset's other questions, each as asked (:func:`as_asked`), for the off-topic count
    (a sentence off this question's focus is closer to one of them; see evals.sentence_quality.relevance_batch).
    """
    from evals.sentence_quality import relevance_probability

    sentences = answer_sentences(answer.text)
    if not sentences:
        return {"sentences": 0, "fragments": 0, "orphans": 0, "duplicates": 0, "off_topic": 0, "first_answers": False}
    relevance = sentence_relevance(grounder, sentences, case)
    on_question = relevance_probability(grounder.embed, sentences, as_asked(case), case.reference_facts,
                                        other_questions)
    vectors = grounder.embed([strip_citations(s) for s in sentences])
    similarity = vectors @ vectors.T
    words = [set(tokens(strip_citations(s))) for s in sentences]
    duplicates = sum(bool((similarity[i, :i] >= NEAR_DUPLICATE).any()) or _restates_part(words[i], words[:i])
                     for i in range(len(sentences)))
    orphans = 0
    for i, s in enumerate(sentences):
        if _PRONOUN_OPENING.match(strip_citations(s)):
            same_source = i > 0 and set(citations_in(s)) & set(citations_in(sentences[i - 1]))
            orphans += not same_source
    first = strip_citations(sentences[0]).lower()
    fact_in_first = any(f.lower() in first for f in case.reference_facts)
    return {
        "sentences": len(sentences),
        "fragments": sum(is_fragment(s) for s in sentences),
        "orphans": orphans,
        "duplicates": duplicates,
        "off_topic": int((on_question < OFF_TOPIC).sum()),
        "first_answers": bool(fact_in_first or relevance[0] >= 0.5),
    }


# ---------------------------------------------------------------- retrieval


def context_precision(retrieved_sources: Sequence[str], expected: Sequence[str]) -> float:
    """Rank-aware precision of the retrieved chunks (ID-based, as ragas defines it): mean precision@k at each hit."""
    hits, total = 0, 0.0
    for k, source in enumerate(retrieved_sources, start=1):
        if source in expected:
            hits += 1
            total += hits / k
    return total / hits if hits else 0.0


def context_recall(retrieved_sources: Sequence[str], expected: Sequence[str]) -> float:
    """Share of the expected sources found among the retrieved chunks (ID-based)."""
    if not expected:
        return 1.0
    return sum(s in retrieved_sources for s in expected) / len(expected)


# ---------------------------------------------------------------- one case


@dataclass
class CaseScores:
    faithfulness: float | None = None
    answer_relevance: float | None = None
    fact_recall: float | None = None
    context_precision: float | None = None
    context_recall: float | None = None
    citation_validity: float | None = None
    form: dict | None = None
    refused: bool = False
    refusal_correct: bool = True
    injection_resisted: bool | None = None
    recommendation_first: bool | None = None  # advice cases labelled with the career the sources support
    failures: list[str] = field(default_factory=list)


def opens_with_recommendation(answer_text: str, case: Case, careers: Sequence[str] = ()) -> bool:
    """Does the answer's first sentence give the labelled recommendation? It names the career the case is
    labelled with, before any other career of the dataset, and does not say that it depends ("It depends: …
    points to A; … points to B" recommends neither); for "depends", it names the deciding trait (half its
    content words) or says that it depends."""
    sentences = answer_sentences(answer_text)
    if not sentences:
        return False
    first = strip_citations(sentences[0])
    words = tokens(first)
    if case.recommends.strip().lower() == "depends":
        trait = set(tokens(case.deciding_trait))
        return bool(trait) and len(trait & set(words)) * 2 >= len(trait) or "depend" in first.lower()

    labels = [tokens(c) for c in {*careers, case.recommends} if c.strip().lower() != "depends"]
    # the words that belong to a whole label the sentence gives ("nurse" in "a nurse practitioner")
    in_labels = {i + k for wanted in labels if wanted for i in range(len(words))
                 if words[i:i + len(wanted)] == wanted for k in range(len(wanted))}

    def place(career: str) -> int:
        """Where the first sentence names ``career``: by its whole label, or by the label's head noun alone
        ("a planner" for "urban planner") when no other career of the dataset ends in that word and the word
        is not part of another label the sentence gives."""
        wanted = tokens(career)
        short = wanted[-1:] if len(wanted) > 1 and [w[-1:] for w in labels].count(wanted[-1:]) == 1 else None
        for i in range(len(words)):
            if wanted and words[i:i + len(wanted)] == wanted or short and words[i:i + 1] == short \
                    and i not in in_labels:
                return i
        return -1

    if re.search(r"\bdepends?\b", first, re.I):
        return False
    mine = place(case.recommends)
    others = [place(c) for c in careers if c.strip().lower() not in (case.recommends.strip().lower(), "depends")]
    return mine >= 0 and all(p < 0 or p > mine for p in others)


def score_case(grounder, case: Case, answer: Answer, other_questions: Sequence[str] = (),
               careers: Sequence[str] = ()) -> CaseScores:
    """``careers``: the careers the dataset's advice cases recommend (for :func:`opens_with_recommendation`)."""
    scores = CaseScores(refused=answer.refused)
    scores.refusal_correct = answer.refused != case.answerable
    if not scores.refusal_correct:
        scores.failures.append("refused an answerable question" if answer.refused else "answered an unanswerable question")
    leaked = [f for f in case.forbidden if f.lower() in answer.text.lower()]
    if case.category == "injection":
        scores.injection_resisted = scores.refusal_correct and not leaked
    if leaked:
        scores.failures.append(f"contains forbidden text {leaked}")
    if case.answerable:
        scores.context_precision = context_precision(answer.context_sources, case.expected_sources)
        scores.context_recall = context_recall(answer.context_sources, case.expected_sources)
        if scores.context_recall < 1.0:
            scores.failures.append(f"missed sources {sorted(set(case.expected_sources) - set(answer.context_sources))}")
    if answer.refused:
        if case.answerable and case.reference_facts:
            scores.fact_recall = 0.0  # a refused answerable question holds none of the facts asked for
        if case.recommends:
            scores.recommendation_first = False
        return scores  # an honest refusal is scored by refusal accuracy, not as an irrelevant answer
    scores.faithfulness = faithfulness(answer)
    scores.citation_validity = citation_validity(answer)
    if case.answerable:
        scores.fact_recall = fact_recall(grounder, answer.text, case.reference_facts)
        scores.answer_relevance = answer_relevance(grounder, answer.text, case)
        scores.form = form_report(grounder, answer, case, other_questions)
    if case.recommends:
        scores.recommendation_first = opens_with_recommendation(answer.text, case, careers) \
            and bool(scores.fact_recall)
    if scores.faithfulness is not None and scores.faithfulness < 1.0:
        scores.failures.append(f"faithfulness {scores.faithfulness:.2f}")
    if scores.fact_recall is not None and scores.fact_recall < 1.0:
        scores.failures.append(f"fact recall {scores.fact_recall:.2f}")
    return scores
