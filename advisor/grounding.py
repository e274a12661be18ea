"""Sentence-level grounding: is a sentence supported by the retrieved text, and by which passage?

The chain uses it to drop unsupported sentences and fix citations. (The eval
harness judges faithfulness with its own metric, in evals/, so that the score
is not the filter grading itself.)

A sentence's support by a passage mixes three pieces of evidence:
- semantic: cosine similarity to the closest sentence of the passage;
- lexical: the share of the sentence's content words found in the passage;
- figures and subjects: every figure must appear in the passage with the same
  currency and tied to the same subject (a job title the corpus compares, see
  advisor/subjects.py); a sentence about one subject matched only by text about
  another is penalised, and so is a name the passage never mentions.
"""

from __future__ import annotations

import functools
import logging
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import regex as re  # Unicode classes (\p{L}, \p{Lu}): "Élodie" and "Zürich" are words
import numpy as np

from advisor.figures import Figure, counts_held, country_of, figures_in, same_value, with_digits
from advisor.lexicon import base_forms, claims, opposed, opposites_of, words_of
from advisor.reading import join_lists
from advisor.subjects import Subjects
from advisor.text import citations_in, content_words, split_sentences, strip_citations
from advisor.vector_cache import VectorCache

_NAMED = re.compile(r"(?<![.!?]\s)(?<!^)\b(\p{Lu}[\p{L}0-9+#.-]*[\p{L}0-9+#]|\p{Lu}{2,})\b")
_GENERIC_CAPITALS = frozenset({"The", "I", "It", "They", "You", "We", "This", "That", "These", "Those", "In", "On",
                               "For", "Both", "Each", "Note", "See", "If", "When", "A", "An"})


def names_in(text: str) -> set[str]:
    """Capitalised words used as names: never a sentence's or a line's first word (a list item, a heading)."""
    names: set[str] = set()
    for line in text.split("\n"):
        line = re.sub(r"^\s*(?:#+|[-*•]|\d+[.)])?\s*(?:\*\*)?", "", line)
        for sentence in split_sentences(line):
            names |= {m.group(1) for m in _NAMED.finditer(strip_citations(sentence).lstrip("\"'“‘(*"))}
    return names - _GENERIC_CAPITALS


def known_names(contexts: Sequence[str], subjects: Subjects) -> set[str]:
    """The passages' names of people, firms and sources: used as names, never written in lower case, and not a
    subject ("CPAs" is a subject, not a person): a sentence's first word is a name when it is one of these."""
    return {n for n in _names_used(tuple(contexts)) if not subjects.find(n)}


@functools.lru_cache(maxsize=64)
def _names_used(contexts: tuple[str, ...]) -> frozenset[str]:
    """Every sentence of an answer is grounded against the same passages: read their names once."""
    lowered = set(re.findall(r"\b\p{Ll}[\w'’-]*", " ".join(contexts)))
    return frozenset(n for n in set().union(*map(names_in, contexts)) if n.lower() not in lowered)


# A name as articles write it: a capitalised word or an acronym, possibly several ("Nottingham University Hospitals").
_NAME_WORD = r"\p{Lu}[\p{L}0-9+#&'’-]*"
_NAME = rf"{_NAME_WORD}(?:\s+{_NAME_WORD})*"
_COORDINATED = re.compile(rf"\b({_NAME})((?:\s*,\s*{_NAME})*),?\s+(?:and|or|&)\s+({_NAME})\b")
_SMALL_WORDS = frozenset("of in and for the a an to on at".split())  # noqa: SIM905


def _mentions(name: str, text: str) -> bool:
    """The text names it: as written, or spelled out when it is an acronym ("ML": "machine learning")."""
    if re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text):
        return True
    if not re.fullmatch(r"\p{Lu}{2,6}s?", name):
        return False
    letters = name.rstrip("s").lower()
    words = [w for w in re.findall(r"\p{L}+", text) if w.lower() not in _SMALL_WORDS]
    return any("".join(w[0].lower() for w in words[i:i + len(letters)]) == letters
               for i in range(len(words) - len(letters) + 1))


def merged_names(sentence: str, context_sentences: Sequence[str]) -> set[str]:
    """Names the sentence joins into one claim ("X and Y take two years") where the passage makes that claim of
    some of them only: a claim about one thing widened to another.

    A small model does this when the question names both ("How long do X and Y take?"). The claim
    is the sentence without its joined names; each name's best passage sentence that names it must
    carry at least half as many of the claim's words as the best one does (a name the passage never
    names carries none). The passage may name the other one elsewhere, so novel_names does not see it.
    """
    text = strip_citations(sentence)
    widened: set[str] = set()
    for m in _COORDINATED.finditer(text):
        names = [m.group(1), *re.findall(_NAME, m.group(2)), m.group(3)]
        names = [n for n in (" ".join(w for w in n.split() if w not in _GENERIC_CAPITALS) for n in names) if n]
        claim = content_words(text[:m.start()] + " " + text[m.end():])
        if len(names) < 2 or not claim:
            continue
        cover = {n: max((len(claim & content_words(c)) / len(claim) for c in context_sentences if _mentions(n, c)),
                        default=0.0) for n in names}
        best = max(cover.values())
        if best > 0:
            widened |= {n for n, v in cover.items() if v < best / 2}
    return widened


def novel_names(sentence: str, context: str, known: frozenset[str] | set[str] = frozenset()) -> set[str]:
    """Capitalised names (people, tools, companies, degrees) in the sentence that the context never mentions.

    A sentence's first word counts only when it is one of the ``known`` names (:func:`known_names` of the
    passages): "Okafor audits…" cited to a passage about someone else names a person it does not.
    """
    lowered = _joined(context)
    text = strip_citations(sentence).strip()
    first = re.match(r"[\"'“‘(]?(\p{Lu}[\p{L}0-9+#.-]*[\p{L}0-9+#])\b", text)
    names = names_in(text) | ({first.group(1)} if first and first.group(1) in known else set())
    return {n for n in names | _name_phrases(text) if _joined(n) not in lowered}


@functools.lru_cache(maxsize=256)  # the same passages are read for every sentence of an answer
def _joined(text: str) -> str:
    """Lower case, with a hyphen or dash between words read as a space: "BSN-to-MSN" is "BSN to MSN"."""
    return re.sub(r"(?<=\w)\s*[-‐‑–—]\s*(?=\w)|\s+", " ", text.lower())


_NAME_PHRASE = re.compile(rf"(?<![.!?]\s)(?<!^)\b{_NAME_WORD}(?:\s+{_NAME_WORD})+")


def _name_phrases(text: str) -> set[str]:
    """Names of several capitalised words ("Pediatric Nursing Certification Board"), checked whole: each of its
    words may be in a passage without the name being there."""
    out = set()
    for sentence in split_sentences(text):
        for m in _NAME_PHRASE.finditer(sentence.lstrip("\"'“‘(*")):
            words = m.group(0).split()
            while words and words[0] in _GENERIC_CAPITALS:
                words = words[1:]
            if len(words) >= 2:
                out.add(re.sub(r"['’]s$", "", " ".join(words)))  # "Hugging Face's": the name is "Hugging Face"
    return out


def figures_supported(sentence: str, context: str, subjects: Subjects) -> bool:
    """Every figure of the sentence appears in the context with its currency, tied to the same subject there,
    and every count it writes in words ("three boards") is a count of the same thing there."""
    if not counts_held(sentence, context):
        return False
    context_figures = figures_in(context)
    return all(_figure_held(sentence, fig, context, context_figures, subjects) for fig in figures_in(sentence))


def _figure_held(sentence: str, fig: Figure, context: str, context_figures: list[Figure], subjects: Subjects) -> bool:
    """The figure appears in the context with its currency, tied there to the subject it is tied to in the sentence."""
    matches = [c for c in context_figures if same_value(c, fig)]
    if not matches:
        return False
    subject, against = _owner(sentence, fig, subjects)
    if subject is None:
        return True
    owners = [_owner(context, c, subjects) for c in matches]
    context_subjects = {None if set_against else owner for owner, set_against in owners}  # the other side: anyone's
    if against:  # set against the first career's figure, with no career named after it: any other career's
        return bool(context_subjects - {subject}) or context_subjects == {None}
    # Tied there to no subject, it may be anyone's; tied to another one as well, the sentence moved it.
    return subject in context_subjects or context_subjects == {None}


def _owner(text: str, fig: Figure, subjects: Subjects) -> tuple[str | None, bool]:
    """The subject a figure is tied to (Subjects.near), and whether it is set against that subject's figure.
    "…puts auditors ahead at $90,000 against $70,000 for bookkeepers": the figure set against another is the
    career's named after it; with none named ("…against $70,000"), the other side's: (the first career, True)."""
    set_against = _SET_AGAINST.search(re.split(r"[,;:]\s", text[:fig.start])[-1])
    if not set_against:
        return subjects.near(text, fig.start), False
    after = re.sub(r"^\S+", "", text[fig.start:])  # what follows the figure, up to its clause's end
    named_after = subjects.find(re.split(r"[,;:]\s|\s(?:and|while|whereas|but)\s", after)[0])
    if len(named_after) == 1:
        return next(iter(named_after)), False
    return subjects.near(text, fig.start), True


# A figure, then "against", "versus" or "compared with" and the figure asked about.
_SET_AGAINST = re.compile(r"(?<![\d,.])\d[\d,.]*+\s*(?:[kKmM]\b|%|\p{Sc}|\p{L}{0,3}\b)?[^\d]{0,12}?\b"
                          r"(?:against|versus|vs\.?|compared with)\s+(?:about\s+|around\s+|roughly\s+)?\p{Sc}?\s*"
                          r"(?:\d[\d,.]*+\s*[kKmM]?\s*[-–—]\s*\p{Sc}?\s*)?$",
                          re.I)  # (or a range's second figure: "against $150,000–$200,000")


_COMPARATIVE = re.compile(r"\b(more|less|fewer|higher|lower|better|worse|easier|harder|faster|slower|greater|larger|"
                         r"smaller|bigger|most|least|highest|lowest|best|worst|easiest|hardest|fastest)\b", re.I)


# Any comparative made with "-er" ("a weaker emphasis on statistics than…"): in a claim only where "than" follows
# in its clause; in a source, any "-er" word counts, since a source may compare without "than" ("with a stronger
# emphasis on statistics") and a word that is no comparative there only widens what it is taken to say.
_ER_WORD = re.compile(r"\b(\p{L}{2,}er)\b", re.I)
_BEFORE_THAN = re.compile(r"^[^,;:.]*?\bthan\b", re.I)
_NOT_COMPARED = frozenset({"other", "rather"})  # "other than", "rather than"
# A share ("most of the work"; not "most of all"), and an amount: a share, "at least/most", or a bound on a
# figure ("more than 500 hours", "fewer than 3,000 jobs").
_SHARE = r"most\s+of\b(?!\s+all)"
_AMOUNT = re.compile(rf"\b(?:(?:more|less|fewer)\s+than\s+(?:about\s+|around\s+)?[$£€¥₹]?\d[\d,.]*+(?!\s*times)"
                     rf"|{_SHARE}|at\s+(?:least|most)\b)", re.I)


def comparisons(text: str, subjects: Subjects, claimed: bool = False) -> set[tuple[str, str]]:
    """(comparative word, subject it is said of) in a text: "the auditor earns more" -> ("more", auditor).

    The subject is the last one named before the word in its sentence (English puts the
    thing compared first), else the first one after it; in a sentence that names none but states a figure,
    the one its paragraph was last about ("Auditors earned a median of… The lowest 10 % earned less than $41,000").
    ``claimed``: the text is a drafted sentence, whose "-er" words count only before a "than", and whose shares
    ("most of the work", "at least half") compare no one.
    """
    found = set()
    for paragraph in strip_citations(text).split("\n"):
        about = None
        for sentence in split_sentences(paragraph):
            mentions = subjects.mentions(sentence, fields=not claimed)
            named = [(start, end) for start, end, _ in mentions]
            formed = [m for m in _ER_WORD.finditer(sentence)
                      if m.group(1).lower() not in _NOT_COMPARED and not _COMPARATIVE.fullmatch(m.group(1))
                      and not any(start <= m.start() < end for start, end in named)
                      and (not claimed or _BEFORE_THAN.match(sentence[m.end():]))]
            for m in [*_COMPARATIVE.finditer(sentence), *formed]:
                if claimed and _a_share(sentence, m.start()):
                    continue
                before = [s for start, _, s in mentions if start < m.start()]
                # A claim's word speaks of a subject after it only within its own clause: in "Your dislike of
                # travel is less of an obstacle, since the guide says a welder works on site" "less" is the dislike's.
                end = _clause_end(sentence, m.end()) if claimed else len(sentence)
                after = [s for start, _, s in mentions if m.start() < start < end]
                subject = before[-1] if before else (after[0] if after else about if figures_in(sentence) else None)
                if subject:
                    found.add((m.group(1).lower(), subject))
            about = mentions[-1][2] if mentions else about
    return found


def _clause_end(sentence: str, start: int) -> int:
    """Where the claim that holds ``start`` ends (:data:`_CLAIMS`), or the sentence's end."""
    m = _CLAIMS.search(sentence, start)
    return m.start() if m else len(sentence)


def _a_share(sentence: str, start: int) -> bool:
    """Does the superlative at ``start`` say how much of something ("most of the work", "at least half"), not
    which one ("the most of the two")? A bound on a figure ("less than $41,000") still compares."""
    before = sentence[:start]
    if re.search(r"\bat\s+$", before, re.I):
        return True
    return bool(re.match(_SHARE, sentence[start:], re.I)) and not re.search(r"\bthe\s+$", before, re.I)


def comparisons_supported(sentence: str, context: str, subjects: Subjects) -> bool:
    """Every comparison the sentence makes of a subject ("X earns more", "X is easier") is made of it in the context.

    Figures are checked value by value; this is the same check for the claims drawn from
    them, so "the auditor earns more" cannot cite a passage where the tax accountant does.
    """
    claimed = comparisons(sentence, subjects, claimed=True)
    made = comparisons(context, subjects) if claimed else set()
    if claimed <= made:
        return True
    # as selection reads the passage: a list item under its bold lead ("You want the higher pay: the BLS gives
    # analysts…"), a table row under its column names ("Hours — Accountant: …; Financial analyst: more than…")
    made |= comparisons(join_lists(context, glossary=False), subjects)
    return all(claim in made or _converse_made(claim, sentence, context, subjects) for claim in claimed)


def _converse_made(claim: tuple[str, str], sentence: str, context: str, subjects: Subjects) -> bool:
    """Is the comparison made the other way round: the sentence sets its subject against one other named after
    "than", and a passage sentence with the one before it, naming both, says the opposite of the other ("the
    chef earns less than the sommelier" where "… By these figures the sommelier earns more"; opposites from
    advisor.lexicon) and says nothing of the kind of the subject itself? Not for a superlative ("the most"):
    the least of several is no converse of one."""
    word, subject = claim
    opposite = {base for o in opposites_of(word) for base in base_forms(o)}
    if not opposite or word in ("most", "least") or word.endswith("est"):
        return False
    at = re.search(rf"\b{re.escape(word)}\b", sentence, re.I)
    than = re.search(r"\bthan\b", sentence[at.end():_clause_end(sentence, at.end())], re.I) if at else None
    if than is None:
        return False
    after = sentence[at.end() + than.end():_clause_end(sentence, at.end())]
    others = {s for _, _, s in subjects.mentions(after, fields=False)} - {subject}
    if len(others) != 1:
        return False
    other = next(iter(others))
    said = split_sentences(context)
    for i, here in enumerate(said):
        pair = " ".join(said[max(0, i - 1):i + 1])
        if not {subject, other} <= subjects.find(pair):
            continue
        compared = {(b, s) for w, s in comparisons(pair, subjects) for b in base_forms(w)}
        if any((base, other) in compared for base in opposite) and not any((base, subject) in compared
                                                                             for base in opposite):
            return True
    return False


# ---------------------------------------------------------------- support scoring


@dataclass
class SupportScores:
    """Support of each answer sentence (rows) by each context chunk (columns)."""

    scores: np.ndarray

    def best(self, row: int) -> tuple[int, float]:
        if self.scores.shape[1] == 0:
            return -1, 0.0
        col = int(np.argmax(self.scores[row]))
        return col, float(self.scores[row, col])


def context_sentences_of(context: str) -> list[str]:
    """The sentences of a passage that an answer sentence is compared with (the passage whole if it has none)."""
    return split_sentences(context) or [context]


@functools.lru_cache(maxsize=4096)
def readings_of(context: str) -> tuple[str, ...]:
    """A passage's sentences as written and as selection reads its tables and lists (a table row with its column
    names, a list item with its lead-in: advisor/reading.py): support matches either, so the extractive engine's
    own units hold ("Exams — Accountant: CPA Exam…; Financial analyst: CFA Program…" was read against the bare
    "| Exams | CPA Exam… |" and taken for a fact of one career said of the other). A glossary term is not joined
    to its definition here: a heading that names one career over a line about another would hide a swap.
    The contradiction checks keep the sentences as written, in order (a source sentence with its neighbours)."""
    read = split_sentences(join_lists(context, glossary=False))
    return tuple(dict.fromkeys([*context_sentences_of(context), *read]))


class Grounder:
    """Scores how well texts support sentences, with a cache of sentence embeddings."""

    SEMANTIC_WEIGHT = 0.5
    LEXICAL_WEIGHT = 0.5
    SUBJECT_PENALTY = 0.5
    NOVEL_NAME_PENALTY = 0.6

    def __init__(self, embeddings, cache_size: int = 50_000, disk: VectorCache | None = None) -> None:
        self.embeddings = embeddings
        self.disk = disk  # the vectors prepared for the store's passages (advisor/vector_cache.py)
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def embed(self, sentences: Sequence[str]) -> np.ndarray:
        """Vectors of the sentences: from memory, else from the prepared vectors on disk, else encoded now."""
        if not sentences:
            return np.zeros((0, self.embeddings.dimension), dtype=np.float32)
        with self._lock:
            missing = [s for s in dict.fromkeys(sentences) if s not in self._cache]
        if missing:
            found = self._prepared(missing)
            rest = [s for s in missing if s not in found]
            if rest:
                found.update(zip(rest, self.embeddings.encode(rest)))
            self._remember(found)
        with self._lock:
            return np.stack([self._cache[s] for s in sentences])

    def _prepared(self, texts: list[str]) -> dict[str, np.ndarray]:
        """The prepared vectors of those texts; none if the file cannot be read (corrupt, or locked too long):
        the prepared vectors only save time, so answering never depends on them."""
        if self.disk is None:
            return {}
        try:
            return self.disk.get(texts)
        except sqlite3.Error as exc:
            logging.getLogger(__name__).warning("prepared vectors not read (%s): encoding instead", exc)
            return {}

    def prepare(self, texts: Sequence[str], batch: int = 64, before_batch=None) -> int:
        """Encode the texts that have no vector on disk yet and keep them there; returns how many were encoded.

        Encodes in the background (a question's encode goes first, advisor/embeddings.py), one batch at
        a time. ``before_batch()`` is called before each batch: it may block (while answers are being
        written) and returning true ends the work. Without a disk cache: nothing to do, 0.
        """
        if self.disk is None:
            return 0
        todo = self.disk.missing(texts)
        done = 0
        for start in range(0, len(todo), batch):
            if before_batch is not None and before_batch():
                break
            part = todo[start:start + batch]
            self.disk.put(part, self.embeddings.encode(part, batch_size=batch, background=True))
            done += len(part)
        return done

    def _remember(self, vectors: dict[str, np.ndarray]) -> None:
        with self._lock:
            self._cache.update(vectors)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)

    def support(self, sentences: Sequence[str], contexts: Sequence[str], subjects: Subjects | None = None) -> SupportScores:
        """Support score in [0, 1] of every sentence by every context."""
        subjects = subjects or Subjects()
        clean = [strip_citations(s) for s in sentences]
        if not clean or not contexts:
            return SupportScores(np.zeros((len(clean), len(contexts)), dtype=np.float32))
        context_sentences = [readings_of(c) for c in contexts]
        flat = [s for group in context_sentences for s in group]
        owner = np.array([i for i, group in enumerate(context_sentences) for _ in group])
        sims = self.embed(clean) @ self.embed(flat).T  # (answer sentences, context sentences)
        scores = np.zeros((len(clean), len(contexts)), dtype=np.float32)
        context_words = [content_words(subjects.normalize(c)) for c in contexts]
        context_clauses = [subjects.clauses("\n".join(group), kinds=True) for group in context_sentences]
        known = known_names(contexts, subjects)
        for i, sentence in enumerate(clean):
            words = content_words(subjects.normalize(sentence))
            sentence_subjects = subjects.find(sentence)
            for j, context in enumerate(contexts):
                cols = np.where(owner == j)[0]
                k = cols[int(np.argmax(sims[i, cols]))]
                semantic = max(0.0, float(sims[i, k]))
                lexical = len(words & context_words[j]) / len(words) if words else 0.0
                score = self.SEMANTIC_WEIGHT * semantic + self.LEXICAL_WEIGHT * lexical
                if not figures_supported(sentence, context, subjects) or not comparisons_supported(
                        sentence, context, subjects):
                    score = 0.0
                elif len(sentence_subjects) == 1 and subjects.find(flat[k]) and not (sentence_subjects & subjects.find(flat[k])):
                    score *= self.SUBJECT_PENALTY  # about one subject, matched by text about another
                elif subjects.swapped(sentence, context_clauses[j]):
                    score *= self.SUBJECT_PENALTY  # a clause about one subject, matched by a clause about another
                if score and novel_names(sentence, context, known):
                    score *= self.NOVEL_NAME_PENALTY  # names a tool or company the passage does not
                if score and merged_names(sentence, context_sentences[j]):
                    score *= self.SUBJECT_PENALTY  # "X and Y take two years", restating a sentence about X
                scores[i, j] = score
        return SupportScores(scores)


def is_claim(sentence: str) -> bool:
    """A sentence that states something checkable (not a question, a greeting or a bare heading)."""
    if strip_citations(sentence).rstrip().endswith("?"):
        return False
    return len(content_words(sentence)) >= 2 or bool(figures_in(sentence))


# ---------------------------------------------------------------- citation repair


@dataclass
class GroundedSentence:
    text: str  # without citation marks
    sources: list[int]  # 0-based indexes into the contexts


def ground_sentence(grounder: Grounder, sentence: str, contexts: Sequence[str], threshold: float,
                    subjects: Subjects | None = None) -> GroundedSentence | None:
    """Keep a sentence only if some context supports it; cite the supporting context(s).

    Citations the model gave are kept when they point at a context that supports
    the sentence; otherwise the best-supporting context is cited instead.
    """
    text = strip_citations(sentence)
    if not is_claim(text):
        return None
    scores = grounder.support([text], contexts, subjects).scores[0]
    if scores.size == 0 or float(scores.max()) < threshold:
        return None
    claimed = [n - 1 for n in citations_in(sentence) if 1 <= n <= len(contexts)]
    kept = [i for i in claimed if scores[i] >= threshold]
    return GroundedSentence(text, kept or [int(np.argmax(scores))])


# ---------------------------------------------------------------- what a drafted sentence claims

_YEAR = re.compile(r"(?<![\d.,])(?:1[89]|20)\d{2}(?!\d|[.,]\d)")
# Negation cues: the closed class of English words that turn a statement into its opposite. A drafted
# sentence whose negation differs from the source sentence it restates says the opposite of it
# ("Auditors no longer need a licence" against "...need a licence").
_NEGATION = re.compile(r"\b(?:no longer|not|no|never|neither|nor|cannot|none|nobody|nothing|without|lacks?|lacking|"
                       r"rather than|instead of)\b|n['’]t\b",
                       re.I)
RESTATES_FOR_POLARITY = 0.6  # cosine at which a drafted sentence is taken to restate a source sentence


# Necessity: the closed class of English words that make a statement a requirement. A drafted sentence that
# requires what the source sentence it restates only recommends or allows ("…is always required" against
# "…strongly recommends this step") claims more than its source.
_NECESSITY = re.compile(r"\b(?:must|required|requires?|requirement|mandatory|compulsory|always|only|have to|has to|"
                        r"need to|needs to|essential|necessary)\b", re.I)
# Contrast: "A rather than B" says the opposite of "B rather than A".
_CONTRAST = re.compile(r"\b(?:rather than|instead of|not|whereas|while|but|unlike)\b", re.I)


def negated(text: str) -> bool:
    """Does the text hold a negation ("not", "never", "n't", "rather than")?"""
    return bool(_NEGATION.search(text))


def _without_negated(text: str) -> str:
    """The text without its negated phrases (a negation and the three words after it): "not always required"
    requires nothing."""
    return re.sub(rf"(?:{_NEGATION.pattern})(?:\s+[\w'’-]+){{0,3}}", " ", text, flags=re.I)


def _contrast_reversed(sentence: str, restated: str) -> bool:
    """Both contrast two things and the sentence puts on each side what its source puts on the other."""
    a, b = _CONTRAST.split(sentence, maxsplit=1), _CONTRAST.split(restated, maxsplit=1)
    if len(a) < 2 or len(b) < 2:
        return False
    (a1, a2), (b1, b2) = map(content_words, a), map(content_words, b)
    kept, crossed = len(a1 & b1) + len(a2 & b2), len(a1 & b2) + len(a2 & b1)
    return crossed >= 2 and crossed > 2 * kept


def _negated_span(sentence: str, negation: re.Match) -> set[str]:
    """The content words a negation applies to: up to five words after it, within its clause."""
    return content_words(" ".join(re.split(r"[,;:.]", sentence[negation.end():])[0].split()[:5]))


def negated_words(sentence: str) -> set[str]:
    """The content words the sentence's negations apply to."""
    return {w for m in _NEGATION.finditer(sentence) for w in _negated_span(sentence, m)}


def _denied(text: str, sentences: Sequence[str], similarity: np.ndarray) -> bool:
    """The sentence asserts what a source sentence denies ("…is always required" against "…although it is not
    always required"): a source sentence negates a phrase (its first five words after the negation) of which
    one claim of the sentence (a clause, :data:`_CLAIMS`) holds at least two words (or its one), and no source
    sentence closer to the sentence holds those words without a negation."""
    # What the sentence itself negates is not asserted: "they do not agree on which role pays more" agrees
    # with a source's "…do not agree on which role pays more". A denial denies what one of its clauses asserts:
    # "the sources agree that both fields pay well, and … specialising still pays off" is not what "they do not
    # agree on which role pays more" denies.
    words = content_words(text) - negated_words(text)
    clauses = [content_words(c) & words for c in _CLAIMS.split(text)]
    # The source sentence it restates, when both negate the same thing ("…need not stop you… without formal
    # ML education" of "…even without formal ML education"), says it with the same polarity: not a denial.
    # ("…do not get housing stipends, but get paid leave" of "…get housing stipends but not paid leave" negates
    # another thing, and is one.)
    restated = int(np.argmax(similarity)) if negated(text) and len(similarity) else -1
    if restated >= 0 and (float(similarity[restated]) < RESTATES_FOR_POLARITY
                          or not negated_words(text) & negated_words(sentences[restated])):
        restated = -1
    denials: list[tuple[float, set[str]]] = []
    for k, (sentence, sim) in enumerate(zip(sentences, similarity)):
        if k == restated:
            continue
        for m in _NEGATION.finditer(sentence):
            span = _negated_span(sentence, m)
            asserted = max((span & c for c in clauses), key=len)
            if span and len(asserted) >= min(2, len(span)):
                denials.append((float(sim), asserted))
    for sim, held in denials:
        affirmed = [float(other) for sentence, other in zip(sentences, similarity)
                    if not _NEGATION.search(sentence) and held <= content_words(sentence)]
        if sim >= 0.45 and sim > max(affirmed, default=-1.0):
            return True
    return False


def denied_by(grounder: Grounder, sentence: str, contexts: Sequence[str]) -> bool:
    """Does any of these passages deny what the sentence asserts (:func:`_denied` over all their sentences)?"""
    text = strip_citations(sentence)
    sentences = [s for c in contexts for s in context_sentences_of(c)]
    return bool(sentences) and _denied(text, sentences, grounder.embed(sentences) @ grounder.embed([text])[0])


def contradicts_sources(grounder: Grounder, sentence: str, contexts: Sequence[str], sources: Sequence[int],
                        premise: str = "", subjects: Subjects | None = None) -> bool:
    """Does a drafted sentence claim what its cited passages do not say?"""
    return bool(contradiction(grounder, sentence, contexts, sources, premise, subjects))


def contradiction(grounder: Grounder, sentence: str, contexts: Sequence[str], sources: Sequence[int],
                  premise: str = "", subjects: Subjects | None = None) -> str:
    """What a drafted sentence claims that its cited passages do not say, or "": "denied" (a source sentence
    negates what it asserts, a requirement its source says is not one, or the source sentence it restates says
    the opposite: a word's antonym where it has the word, advisor.lexicon), a "year" the passages do not give
    (or, when the source sentence it restates has a year beside it, another one), or, of the source sentence it
    restates (with the one before and after it), a "requirement" where it makes none, its "contrast" the other
    way round, or its opposite "negation". Only a denial is the passages saying otherwise; the rest may be said
    elsewhere."""
    text = strip_citations(sentence)
    years = set(_YEAR.findall(text))
    windows: list[tuple[str, str]] = []  # (a source sentence, it with its neighbours)
    for i in sources:
        if 0 <= i < len(contexts):
            sentences = context_sentences_of(contexts[i])
            windows += [(s, " ".join(sentences[max(0, k - 1):k + 2])) for k, s in enumerate(sentences)]
    if not windows:
        return ""
    similarity = grounder.embed([s for s, _ in windows]) @ grounder.embed([text])[0]
    best = int(np.argmax(similarity))
    if _denied(text, [s for s, _ in windows], similarity):
        return "denied"
    # A year dates what its passage says: a year the cited passages never give is not said; one beside the source
    # sentence restated must be that sentence's (a year elsewhere in the passage, a table's "May 2023" or a
    # survey's year a few sentences before the figure, dates it when no year stands beside it).
    everything = " ".join(w for _, w in windows)
    if years - set(_YEAR.findall(everything)):
        return "year"
    beside = set(_YEAR.findall(windows[best][1]))
    if float(similarity[best]) >= RESTATES_FOR_POLARITY and beside and years - beside and not _held_by_clause(
            grounder, text, windows, lambda clause: bool(_YEAR.search(clause)), _dated_alike):
        return "year"
    if float(similarity[best]) < RESTATES_FOR_POLARITY:
        # No one source sentence is restated (a synthesis): a requirement must be somewhere in the cited passages.
        requires = _NECESSITY.search(_without_negated(text)) and not _NECESSITY.search(_without_negated(everything))
        return "requirement" if requires else ""
    restated, around = windows[best]
    if _opposite(text, restated, around, premise, subjects or Subjects()):
        return "denied"
    if _NECESSITY.search(_without_negated(text)) and not _NECESSITY.search(_without_negated(around)):
        # "…is always required" where the source says "…although it is not always required" is denied.
        if _NECESSITY.search(around):
            return "denied"
        if not _held_by_clause(grounder, text, windows, lambda clause: bool(_NECESSITY.search(_without_negated(clause))),
                               _required_alike):
            return "requirement"
    if _contrast_reversed(text, restated):
        return "contrast"
    if _NEGATION.search(text):  # it negates what no sentence around its source negates
        # (the same thing: "Not every sommelier is a waiter first" is not held by "…not really alternatives: every
        # sommelier is a waiter first")
        if _negates_alike(text, around) or _negations_held(grounder, text, windows, premise):
            return ""
        return "negation"
    return "negation" if _asserts_negated(text, restated) else ""  # its source negates what it asserts


def _asserts_negated(text: str, source: str) -> bool:
    """The text asserts what the source negates: any plain negation of the source ("…do not prescribe"),
    since the text does not keep it; a contrast ("…an application rather than a new model") only when one
    claim of the text holds two of the words on its rejected side that its kept side does not use (or the one):
    a sentence that merely speaks of a foundation model asserts no new model, and a contrast that names nothing
    it rejects ("…rather than that") denies nothing."""
    clauses = [content_words(c) for c in _CLAIMS.split(text)]
    for m in _NEGATION.finditer(source):
        if not _CONTRAST_NEGATION.fullmatch(m.group(0)):
            return True
        rejected = _negated_span(source, m) - content_words(source[:m.start()])  # not what it keeps ("model")
        if rejected and any(len(rejected & clause) >= min(2, len(rejected)) for clause in clauses):
            return True
    return False


_CONTRAST_NEGATION = re.compile(r"rather than|instead of", re.I)


def _opposite(text: str, restated: str, around: str, premise: str, subjects: Subjects) -> bool:
    """The sentence says the opposite of the source sentence it restates: a clause of it holds one word whose
    antonym that sentence holds, a word neither the source nearby nor the person says (two in one clause may
    cancel: "rarely late" for "often early"); both are negated alike; and no comparison is turned round: a
    sentence that compares ("than A") must speak first of the source's career and compare it with a career, the
    one the source compares it with if it compares ("B is harder to get into than A" restates "A is easier to
    get into"); one that does not compare speaks of the source's career, or names none ("it is harder").
    Amounts ("more than six months", "at least half") are figures, not the opposites' claims."""
    if negated(text) != negated(restated):
        return False  # "not easy" for "hard": the negation rule reads polarity
    said = words_of(around) | words_of(premise)  # the person's own words are theirs to say
    source = _AMOUNT.sub(" ", with_digits(restated))
    clauses = [{(w, o) for w, o in opposed(clause, source) if w not in said}
               for clause in _CLAUSE.split(_AMOUNT.sub(" ", with_digits(text)))]
    # one opposite in a clause, a word that claims ("different" against a source's "like … such as" does not)
    if not any(len(pairs) == 1 and all(claims(o) for _, o in pairs) for pairs in clauses):
        return False

    def named(part: str) -> frozenset[str] | None:
        return next((frozenset(n) for _, _, n in subjects.named_in(part)), None)

    first = [named(t) for t in (text, restated)]
    if " than " not in text:  # no comparison to turn round: "it is harder" speaks of the source's career
        return None in first or first[0] == first[1]
    against = [named(t.partition(" than ")[2]) for t in (text, restated)]
    return (None not in (first[0], against[0]) and first[0] == first[1] != against[0]  # not kinds of one career
            and (" than " not in restated or against[1] == against[0]))


_CLAUSE = re.compile(r"[,;:—–]\s|\s(?:since|because|while|whereas|but|and|so)\s")
# Where one claim ends and another starts: at a semicolon, a conjunction that joins clauses ("…, and the guide
# argues…", "since", "but"), not at a comma alone ("On pay, the surveys agree") or an "and" that may join two
# things one claim names ("…part-time and online").
_CLAIMS = re.compile(r";\s|,\s+(?:and|but|so|while|whereas|since|because)\s|\s(?:since|because|while|whereas|but|so)\s")


RESTATES_BY_WORDS = 0.8  # share of a clause's content words and figures a source sentence holds to restate it


def _held_by_clause(grounder: Grounder, text: str, windows: list[tuple[str, str]],
                    asserts: Callable[[str], bool], holds: Callable[[str, str, str], bool]) -> bool:
    """A sentence that joins several claims, each clause that ``asserts`` something checked against the source
    sentence it restates itself rather than the one the whole sentence restates best: "…in one of the
    restricted states, where state law requires supervision" takes its requirement from the sentence that
    makes it, its count of states from another. The source sentence a clause restates is the one closest to it
    in meaning (cosine at least RESTATES_FOR_POLARITY) or holding nearly all its words and figures (a short
    clause embeds poorly), and before any other one that gives every figure it gives and half its words or a
    cosine of 0.45; ``holds(clause, that sentence, it with its neighbours)`` must be true of each such clause.
    A clause that asserts but says nothing to restate ("…, as they must") is not held."""
    every = [c for c in _CLAUSE.split(text) if c.strip(" .!?")]
    clauses = [c for c in every if asserts(c)]
    if len(every) < 2:
        return False  # one claim: checked against the source sentence the whole sentence restates
    if any(not _anchors(c) for c in clauses):
        return False
    if not clauses:
        return True
    similarity = grounder.embed([s for s, _ in windows]) @ grounder.embed(clauses).T
    held = [_anchors(s) for s, _ in windows]
    for k, clause in enumerate(clauses):
        own = _anchors(clause)
        figures = {w for w in own if w[:1].isdigit()} - set(_YEAR.findall(clause))  # (a year is what may be checked)
        share = np.array([len(own & h) / len(own) for h in held])
        # the sentence that gives its figures, if it is about the same thing ("6" alone pins nothing)
        pinned = np.array([bool(figures) and figures <= h for h in held]) & ((share >= 0.5) | (similarity[:, k] >= 0.45))
        closeness = np.maximum(similarity[:, k], np.where(share >= RESTATES_BY_WORDS, share, 0.0))
        closeness = np.where(pinned, 1.0 + similarity[:, k], closeness) if pinned.any() else closeness
        best = int(np.lexsort((similarity[:, k], closeness))[-1])  # of equally close ones, the nearest in meaning
        if float(closeness[best]) < RESTATES_FOR_POLARITY or not holds(clause, *windows[best]):
            return False
    return True


def _dated_alike(clause: str, restated: str, near: str) -> bool:
    """The clause's years are those of the source sentence it restates, or, when that sentence gives none, of
    the sentences beside it."""
    beside = set(_YEAR.findall(restated)) or set(_YEAR.findall(near))
    return bool(beside) and set(_YEAR.findall(clause)) <= beside


def _required_alike(clause: str, restated: str, near: str) -> bool:
    """The source sentence (with its neighbours) requires what the clause requires: the words after the clause's
    necessity word ("requires career-long supervision by a dentist") are mostly among those after one of its
    own (not "requires a dental therapist to hold a licence" of "requires supervision of a dental therapist")."""
    wanted = _required(clause)
    offered = _required(near)
    return bool(wanted) and len(wanted & offered) * 2 > len(wanted)


def _required(text: str) -> set[str]:
    """The content words of what a text requires: those after each necessity word it asserts, to the end of its
    sentence or clause."""
    asserted = _without_negated(text)
    return {w for m in _NECESSITY.finditer(asserted) for w in content_words(re.split(r"[;:.]", asserted[m.end():])[0])}


def _anchors(text: str) -> set[str]:
    """A text's content words and figures ("£53,755" -> "53755"): what ties a short clause to its source."""
    return content_words(text) | {n.replace(",", "") for n in re.findall(r"\d[\d,.]*\d|\d", text)}


def _negations_held(grounder: Grounder, text: str, windows: list[tuple[str, str]], premise: str) -> bool:
    """Every negation of a sentence that joins several claims is the person's or its source's: the clause that
    holds it negates what the person negated ("Since you'd rather not spend your days on prompts, …"), or
    restates a source sentence that negates too ("…, while RNs do not prescribe" from another passage than
    the one the whole sentence restates best)."""
    asked = negated_words(premise)  # what the person says they do not have, want or like
    negating = [c for c in _CLAUSE.split(text) if _NEGATION.search(c)]
    if not negating or len(negating) == len(_CLAUSE.split(text)):
        return False  # one claim: the sentence's own polarity is checked against the source it restates

    def negates(clause: str) -> bool:  # a negation that is not the person's own
        spans = [_negated_span(clause, m) for m in _NEGATION.finditer(clause)]
        return bool(spans) and not (asked and all(span and len(span & asked) * 2 >= len(span) for span in spans))

    return _held_by_clause(grounder, text, windows, negates, lambda clause, _, near: _negates_alike(clause, near))


def _negates_alike(text: str, near: str) -> bool:
    """The source text negates what the text negates: a negation of the same words ("…not really alternatives:
    every sommelier is a waiter first" does not hold "Not every sommelier is a waiter first"), or any when the
    text's negation applies to no content word."""
    said = negated_words(text)
    return bool(_NEGATION.search(near)) and (not said or bool(said & negated_words(near)))


# ---------------------------------------------------------------- a drafted sentence, verified


@dataclass
class Verdict:
    """A drafted sentence, checked: kept (with the passages that hold it), or not, and whether because its
    evidence says otherwise (then no other passage may vouch for it) or only because it does not say it."""

    kept: GroundedSentence | None
    contradicted: bool = False


def verify_drafted(grounder: Grounder, sentence: str, contexts: Sequence[str], threshold: float,
                   subjects: Subjects | None = None, premise: str = "", labels: Sequence[str] = (),
                   beside: Sequence[str] = ()) -> Verdict:
    """Keep a model's sentence when what it claims holds in the passages it cites, taken together.

    The evidence is the cited passages plus the one that supports the sentence best and, for a figure,
    year or name the cited ones lack, the passage that states it (a model may cite one passage of two it
    combined). Checked over that evidence as one text: no contradiction
    (:func:`contradiction`), no claim about one subject matched only by a clause about another (nor one that
    every passage given, and those ``beside`` them, say only of another), every
    figure with its subject, every comparison, every name (in the passages, in their articles'
    ``labels`` — a title or publisher — or in the person's own words, ``premise``), and no person's or
    firm's deed said of another. What is left is whether it is about what the evidence says: half the
    closest evidence sentence's cosine and half the share of its words, not counting the person's own,
    found in the evidence, against ``threshold``.
    """
    subjects = subjects or Subjects()
    text = strip_citations(sentence)
    if not is_claim(text) or not contexts:
        return Verdict(None)
    per_passage = grounder.support([text], contexts, subjects).scores[0]
    cited = [n - 1 for n in citations_in(sentence) if 1 <= n <= len(contexts)]
    evidence = sorted({*cited, int(np.argmax(per_passage)), *_stating(text, contexts, {*cited}, per_passage, subjects)})
    together = "\n".join(contexts[i] for i in evidence)
    known = known_names([contexts[i] for i in evidence], subjects)
    named = "\n".join([together, premise, *(labels[i] for i in evidence if i < len(labels))])
    said_otherwise = contradiction(grounder, text, contexts, evidence, premise, subjects)
    def clauses_of(texts: Iterable[str]) -> list[tuple[set[str], set[str]]]:
        return subjects.clauses("\n".join(s for c in texts for s in readings_of(c)), kinds=True)

    # A clause said of one subject that its evidence says of another is false; so is one that the passages at
    # hand (and those ``beside`` them) say only of another, none of them of its own ("Chefs pair each course
    # with a wine…" where the evidence speaks of chefs' stocks and another passage says it of sommeliers).
    if said_otherwise or subjects.swapped(text, clauses_of(contexts[i] for i in evidence)):
        return Verdict(None, contradicted=said_otherwise == "denied")
    if subjects.swapped(text, clauses_of([*contexts, *beside]), unless_own=True):
        return Verdict(None)  # (the store's search may find a passage saying it of its own subject)
    if (not figures_supported(text, together, subjects) or not comparisons_supported(text, together, subjects)
            or {n for n in novel_names(text, named, known) if not subjects.find(n)}):
        return Verdict(None)
    sentences = [(i, s) for i in evidence for s in context_sentences_of(contexts[i])]
    similarity = grounder.embed([s for _, s in sentences]) @ grounder.embed([text])[0]
    semantic = max(0.0, float(np.max(similarity)))
    # What one person or firm does, said of another ("Okafor audits…" where the passage on audits is about
    # Reyes): the sentence names someone the evidence mentions, and the passage closest to its claim never
    # does but names someone else. (An article's own authors and publishers, in its labels, may be credited
    # with what any of its passages says.)
    closest = sentences[int(np.argmax(similarity))][0]
    home = contexts[closest]
    credited = " ".join(labels)
    named_here = [n for n in sorted(names_in(text) & known, key=text.find)][:1]  # the actor: English names it first
    if any(_mentions(n, together) and not _mentions(n, home) and not _mentions(n, credited)
           and not _mentions(n, premise) for n in named_here) and known_names([home], subjects) - set(named_here):
        return Verdict(None, contradicted=True)
    words = content_words(subjects.normalize(text)) - content_words(subjects.normalize(premise))
    lexical = len(words & content_words(subjects.normalize(together))) / len(words) if words else 1.0
    if Grounder.SEMANTIC_WEIGHT * semantic + Grounder.LEXICAL_WEIGHT * lexical < threshold:
        return Verdict(None)
    # The passage closest to the claim first: a pronoun that opens the sentence points into it.
    return Verdict(GroundedSentence(text, [closest, *(i for i in evidence if i != closest and i in cited)]))


def _stating(text: str, contexts: Sequence[str], cited: set[int], per_passage: np.ndarray,
             subjects: Subjects) -> set[int]:
    """For each figure, year or name of the sentence that its cited passages do not state (a figure: with its
    subject), the best-supporting passage that does (a model combining two passages may cite one): the
    sentence is then checked against the two together."""
    said = "\n".join(contexts[i] for i in cited)
    stated = figures_in(said)
    wanted = [lambda c, f=f: _figure_held(text, f, c, figures_in(c), subjects)
              for f in figures_in(text) if not _figure_held(text, f, said, stated, subjects)]
    terms = (set(_YEAR.findall(text)) - set(_YEAR.findall(said))) | novel_names(text, said)
    wanted += [lambda c, t=t: _joined(t) in _joined(c) for t in terms]
    out: set[int] = set()
    for states in wanted:
        holders = [i for i, c in enumerate(contexts) if states(c)]
        if holders:
            out.add(max(holders, key=lambda i: per_passage[i]))
    return out


# ---------------------------------------------------------------- conflicting figures


@dataclass
class FigureStatement:
    context: int
    subject: str
    currency: str
    country: str
    values: tuple[float, ...]
    sentence: str


def money_statements(contexts: Sequence[str], subjects: Subjects) -> list[FigureStatement]:
    """Sentences that attach money figures to a subject, per context, with each figure's currency and country."""
    out: list[FigureStatement] = []
    for j, context in enumerate(contexts):
        for sentence in split_sentences(context):
            groups: dict[tuple[str, str, str], list[float]] = {}
            for f in figures_in(sentence):
                subject = subjects.near(sentence, f.start) if f.is_money else None
                if subject:
                    groups.setdefault((subject, f.currency, country_of(sentence, f)), []).append(f.value)
            for (subject, currency, country), values in groups.items():
                out.append(FigureStatement(j, subject, currency, country, tuple(sorted(values)), sentence))
    return out


def conflicting_figures(contexts: Sequence[str], subjects: Subjects) -> list[FigureStatement]:
    """Money statements that disagree: one subject, currency and country, given different figures."""
    by_identity: dict[tuple[str, str, str], list[FigureStatement]] = {}
    for s in money_statements(contexts, subjects):
        by_identity.setdefault((s.subject, s.currency, s.country), []).append(s)
    return [s for group in by_identity.values() if len({g.values for g in group}) > 1 for s in group]


__all__ = ["Figure", "GroundedSentence", "Grounder", "SupportScores", "citations_in", "comparisons_supported",
           "conflicting_figures", "figures_supported", "ground_sentence", "is_claim", "known_names", "money_statements",
           "names_in", "novel_names", "split_sentences", "strip_citations"]
