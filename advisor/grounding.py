"""Sentence-level grounding: is a sentence supported by the retrieved text, and by which chunk?

The chain uses it to fix citations and drop unsupported claims; the eval harness
uses the same functions to score faithfulness, so there is one definition.

A sentence's support by a chunk mixes three pieces of evidence:
- semantic: cosine similarity to the closest sentence of the chunk;
- lexical: the share of the sentence's content words found in the chunk;
- figures and roles: every number must appear in the chunk, attached to the same
  role (AI vs ML engineer) there as in the sentence; a sentence about one role
  matched only by text about the other role is penalised.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# ---------------------------------------------------------------- text utilities

_ABBREVIATIONS = ("e.g.", "i.e.", "vs.", "etc.", "approx.", "U.S.", "Dr.", "Mr.", "Ms.")
_CITATION = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9£$€*-])")


def split_sentences(text: str) -> list[str]:
    """Sentences and list items of a text, citation marks kept with their sentence."""
    out: list[str] = []
    for line in text.split("\n"):
        line = line.strip()
        if not line or set(line) <= set("|-: "):
            continue
        line = re.sub(r"^(?:[-*•]\s*|\d+[.)]\s+|#+\s+)", "", line)
        protected = line
        for i, abbr in enumerate(_ABBREVIATIONS):
            protected = protected.replace(abbr, f"\x00{i}\x00")
        for part in _SENTENCE_END.split(protected):
            for i, abbr in enumerate(_ABBREVIATIONS):
                part = part.replace(f"\x00{i}\x00", abbr)
            part = part.strip()
            # Citation marks that open a part close the sentence before it.
            lead = re.match(r"^(?:\[\d+(?:\s*,\s*\d+)*\]\s*)+", part)
            if lead and out:
                out[-1] = f"{out[-1]} {lead.group(0).strip()}"
                part = part[lead.end():].strip()
            if part:
                out.append(part)
    return out


def citations_in(sentence: str) -> list[int]:
    found: list[int] = []
    for group in _CITATION.findall(sentence):
        for n in group.split(","):
            if int(n) not in found:
                found.append(int(n))
    return found


def strip_citations(sentence: str) -> str:
    text = _CITATION.sub("", sentence)
    return re.sub(r"\s+([.,;:!?])", r"\1", re.sub(r"\s{2,}", " ", text)).strip()


_STOPWORDS = frozenset(
    """a an the and or but if of to in on at by for with from as is are was were be been being it its this that
    these those they them their there here he she his her we you your i me my our us do does did done have has had
    can could should would will shall may might must not no so than then too very also just about into over under
    more most less such which who whom whose what when where why how all any both each few other some own same only
    up down out off again further once while during before after above below between through because until against
    engineer engineers engineering role roles one get like well many much often usually according typically""".split()
)
_WORD = re.compile(r"[a-z0-9][a-z0-9+#.-]*[a-z0-9+#]|[a-z0-9]")


_SYNONYMS = ((re.compile(r"\bmachine[- ]learning\b"), "ml"), (re.compile(r"\bartificial intelligence\b"), "ai"))


def content_words(text: str) -> set[str]:
    text = strip_citations(text).lower()
    for pattern, short in _SYNONYMS:
        text = pattern.sub(short, text)
    words = set()
    for w in _WORD.findall(text):
        if w in _STOPWORDS or w.isdigit():
            continue
        words.add(_stem(w))
    return words


def _stem(word: str) -> str:
    for suffix in ("ing", "ies", "es", "s", "ed"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


_NUMBER = re.compile(
    r"(?P<cur>[$£€])?\s?(?P<num>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s?(?P<unit>%|k\b|K\b|m\b|million\b|billion\b)?"
)


@dataclass(frozen=True)
class Figure:
    value: float
    start: int
    currency: str  # "$", "£", "€" or "" (a percentage or a plain number)

    @property
    def is_money(self) -> bool:
        return bool(self.currency)


def figures_in(text: str) -> list[Figure]:
    """Numbers that carry a claim: money, percentages and other values (not list numbering)."""
    out: list[Figure] = []
    for m in _NUMBER.finditer(text):
        raw = m.group("num").replace(",", "")
        try:
            value = float(raw)
        except ValueError:
            continue
        unit = (m.group("unit") or "").lower()
        if unit == "k":
            value *= 1_000
        elif unit in ("m", "million"):
            value *= 1_000_000
        elif unit == "billion":
            value *= 1_000_000_000
        if not m.group("cur") and not unit and value < 10:
            continue
        # Citation marks like [2] are not figures.
        if text[max(0, m.start() - 1) : m.start()] == "[":
            continue
        out.append(Figure(value, m.start(), m.group("cur") or ""))
    return out


_ROLE_PATTERNS = {
    "ml": re.compile(r"\b(?:ml|machine[- ]learning)\s+engineer(?:s|ing)?\b", re.I),
    "ai": re.compile(r"\b(?:ai|genai)\s+engineer(?:s|ing)?\b", re.I),
}


_NAMED = re.compile(r"(?<![.!?]\s)(?<!^)\b([A-Z][A-Za-z0-9+#.-]*[A-Za-z0-9+#]|[A-Z]{2,})\b")
_COMMON_NAMES = frozenset({"AI", "ML", "GenAI", "US", "UK", "The", "I", "It", "They", "You"})


def novel_names(sentence: str, context: str) -> set[str]:
    """Capitalised names (tools, companies, degrees) in the sentence that the context never mentions."""
    lowered = context.lower()
    names = {m.group(1) for m in _NAMED.finditer(strip_citations(sentence))}
    return {n for n in names if n not in _COMMON_NAMES and n.lower() not in lowered}


def roles_in(text: str) -> set[str]:
    return {role for role, pattern in _ROLE_PATTERNS.items() if pattern.search(text)}


_CLAUSE_BREAK = re.compile(r"[,.!?](?=\s)|;|\band\b|\bwhile\b|\bwhereas\b|\bbut\b|\bcompared with\b|\bversus\b|\bvs\b")


def _role_near(text: str, position: int, window: int = 80) -> str | None:
    """The role a figure is about: the role named in the figure's clause, else the nearest one.

    "£105k for an ML engineer and £75k for an AI engineer" binds £75k to the AI
    engineer although "ML engineer" is closer to it in characters.
    """
    starts = [0] + [m.end() for m in _CLAUSE_BREAK.finditer(text)] + [len(text)]
    start = max(s for s in starts if s <= position)
    end = min((s for s in starts if s > position), default=len(text))
    clause_roles = roles_in(text[start:end])
    if len(clause_roles) == 1:
        return next(iter(clause_roles))
    best, best_distance = None, window + 1
    for role, pattern in _ROLE_PATTERNS.items():
        for m in pattern.finditer(text):
            distance = min(abs(m.start() - position), abs(m.end() - position))
            if distance < best_distance:
                best, best_distance = role, distance
    return best


_CONTRAST = re.compile(r";|\bwhile\b|\bwhereas\b|\bbut\b|\bcompared with\b|\bversus\b|\bvs\b|\bunlike\b")
_ROLE_MARKERS = frozenset({"ai", "ml", "genai"})


def role_clauses(text: str) -> list[tuple[set[str], set[str]]]:
    """(roles named, content words) of every clause that names a role, contrasting clauses kept apart."""
    clauses = []
    for sentence in split_sentences(strip_citations(text)) or [text]:
        for clause in _CONTRAST.split(sentence):
            roles = roles_in(clause)
            if roles:
                clauses.append((roles, content_words(clause) - _ROLE_MARKERS))
    return clauses


def roles_swapped(sentence: str, context_clauses: list[tuple[set[str], set[str]]]) -> bool:
    """Does a clause say of one role what the context says only of the other?

    "ML engineers integrate foundation models into products" against a passage
    whose closest clause is "AI engineers integrate foundation models into
    products" is a swap, however similar the two sentences are as a whole.
    """
    for roles, words in role_clauses(sentence):
        if len(roles) != 1 or len(words) < 2:
            continue
        overlaps = [len(words & other) for _, other in context_clauses]
        best = max(overlaps, default=0)
        if best < max(2, 0.4 * len(words)):
            continue
        closest_roles = set().union(*(r for (r, _), o in zip(context_clauses, overlaps) if o == best))
        if not roles & closest_roles:
            return True
    return False


def figures_supported(sentence: str, context: str) -> bool:
    """Every figure of the sentence appears in the context, tied to the same role there."""
    context_figures = figures_in(context)
    for fig in figures_in(sentence):
        matches = [c for c in context_figures
                   if abs(c.value - fig.value) <= 1e-6 * max(1.0, fig.value) and c.currency == fig.currency]
        if not matches:
            return False
        role = _role_near(sentence, fig.start)
        if role is None:
            continue
        context_roles = {_role_near(context, c.start) for c in matches}
        if role not in context_roles and None not in context_roles:
            return False
    return True


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


class Grounder:
    """Scores how well texts support sentences, with a cache of sentence embeddings."""

    SEMANTIC_WEIGHT = 0.5
    LEXICAL_WEIGHT = 0.5
    ROLE_PENALTY = 0.5
    NOVEL_NAME_PENALTY = 0.6

    def __init__(self, embeddings, cache_size: int = 50_000) -> None:
        self.embeddings = embeddings
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def embed(self, sentences: Sequence[str]) -> np.ndarray:
        if not sentences:
            return np.zeros((0, self.embeddings.dimension), dtype=np.float32)
        with self._lock:
            missing = [s for s in dict.fromkeys(sentences) if s not in self._cache]
        if missing:
            vectors = self.embeddings.encode(missing)
            with self._lock:
                for s, v in zip(missing, vectors):
                    self._cache[s] = v
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        with self._lock:
            return np.stack([self._cache[s] for s in sentences])

    def support(self, sentences: Sequence[str], contexts: Sequence[str]) -> SupportScores:
        """Support score in [0, 1] of every sentence by every context."""
        clean = [strip_citations(s) for s in sentences]
        if not clean or not contexts:
            return SupportScores(np.zeros((len(clean), len(contexts)), dtype=np.float32))
        context_sentences = [split_sentences(c) or [c] for c in contexts]
        flat = [s for group in context_sentences for s in group]
        owner = np.array([i for i, group in enumerate(context_sentences) for _ in group])
        sims = self.embed(clean) @ self.embed(flat).T  # (answer sentences, context sentences)
        scores = np.zeros((len(clean), len(contexts)), dtype=np.float32)
        context_words = [content_words(c) for c in contexts]
        context_clauses = [role_clauses(c) for c in contexts]
        for i, sentence in enumerate(clean):
            words = content_words(sentence)
            sentence_roles = roles_in(sentence)
            for j, context in enumerate(contexts):
                cols = np.where(owner == j)[0]
                k = cols[int(np.argmax(sims[i, cols]))]
                semantic = max(0.0, float(sims[i, k]))
                lexical = len(words & context_words[j]) / len(words) if words else 0.0
                score = self.SEMANTIC_WEIGHT * semantic + self.LEXICAL_WEIGHT * lexical
                if not figures_supported(sentence, context):
                    score = 0.0
                elif len(sentence_roles) == 1 and roles_in(flat[k]) and not (sentence_roles & roles_in(flat[k])):
                    score *= self.ROLE_PENALTY  # about one role, matched by text about the other
                elif roles_swapped(sentence, context_clauses[j]):
                    score *= self.ROLE_PENALTY  # a clause about one role, matched by a clause about the other
                if score and novel_names(sentence, context):
                    score *= self.NOVEL_NAME_PENALTY  # names a tool or company the passage does not
                scores[i, j] = score
        return SupportScores(scores)

    def faithfulness(self, answer: str, contexts: Sequence[str], threshold: float) -> tuple[float, list[float]]:
        """Share of the answer's claim sentences supported by the contexts, and each sentence's best score."""
        sentences = [s for s in split_sentences(answer) if is_claim(s)]
        if not sentences:
            return 1.0, []
        support = self.support(sentences, contexts)
        best = [support.best(i)[1] for i in range(len(sentences))]
        return sum(b >= threshold for b in best) / len(best), best


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


def ground_sentence(grounder: Grounder, sentence: str, contexts: Sequence[str], threshold: float) -> GroundedSentence | None:
    """Keep a sentence only if some context supports it; cite the supporting context(s).

    Citations the model gave are kept when they point at a context that supports
    the sentence; otherwise the best-supporting context is cited instead.
    """
    text = strip_citations(sentence)
    if not is_claim(text):
        return None
    scores = grounder.support([text], contexts).scores[0]
    if scores.size == 0 or float(scores.max()) < threshold:
        return None
    claimed = [n - 1 for n in citations_in(sentence) if 1 <= n <= len(contexts)]
    kept = [i for i in claimed if scores[i] >= threshold]
    return GroundedSentence(text, kept or [int(np.argmax(scores))])


# ---------------------------------------------------------------- conflicting figures

_PAY_WORDS = re.compile(r"\b(salar\w*|pay\w*|paid|earn\w*|compensation|money|wage\w*|income)\b", re.I)


def asks_about_pay(question: str) -> bool:
    return bool(_PAY_WORDS.search(question))


@dataclass
class FigureStatement:
    context: int
    role: str
    values: tuple[float, ...]
    sentence: str


def money_statements(contexts: Sequence[str]) -> list[FigureStatement]:
    """Sentences that attach money figures to a role, per context."""
    out: list[FigureStatement] = []
    for j, context in enumerate(contexts):
        for sentence in split_sentences(context):
            money = [f for f in figures_in(sentence) if f.is_money]
            for role in ("ml", "ai"):
                values = tuple(sorted(f.value for f in money if _role_near(sentence, f.start) == role))
                if values:
                    out.append(FigureStatement(j, role, values, sentence))
    return out


def conflicting_figures(contexts: Sequence[str]) -> list[FigureStatement]:
    """Money statements that disagree: the same role given different figures by different sentences."""
    statements = money_statements(contexts)
    conflicting: list[FigureStatement] = []
    for role in ("ml", "ai"):
        of_role = [s for s in statements if s.role == role]
        if len({s.values for s in of_role}) > 1:
            conflicting.extend(of_role)
    return conflicting
