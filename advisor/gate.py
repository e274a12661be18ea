"""The relevance gate: should this store answer this question at all?

Everything about the gate lives here: its two features, its score, its decision,
and how it is calibrated for the store it guards.

- best dense: the highest cosine similarity between the question and a retrieved passage;
- keyword coverage: the IDF-weighted share of the question's words that the store uses
  (a word the store never uses counts as the rarest there is).

score = best dense + weight × coverage; the gate answers when score ≥ threshold.

Calibration needs no hand labels. Whenever ingest changes the store,
:func:`calibrate` scores questions made from the store's own headings, subjects
and passages (should answer) and a bank of everyday questions about no job at
all (should refuse, ``advisor/data/unanswerable_probes.txt``), then picks the
threshold with the best balanced accuracy and the widest margin (the weight is fixed: WEIGHTS).
The result is saved with the store's revision (advisor/profile.py); a stale one
is refreshed. ``python -m evals.calibrate_gate`` refits on labelled questions and
reports how far this automatic fit is from the labelled best.
"""

from __future__ import annotations

import difflib
import random
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import regex as re  # Unicode classes (\p{L}, \p{Lu}): "Élodie" and "Zürich" are words

from advisor.figures import (countries_named, country_mentions, country_of, figures_in, is_currency_code,
                             with_digits)
from advisor.lexicon import compares
from advisor.text import ABBREVIATION_GLUE, STOPWORDS, content_words, fold, split_sentences, stem, tokens

PROBES_FILE = Path(__file__).resolve().parent / "data" / "unanswerable_probes.txt"
# Keyword coverage counts as much as the best cosine; only the threshold is fitted on the store's probes. Fitting the
# weight too (0 to 1) chose by margin alone, since the probes are told apart at every weight, and the choice flipped
# between builds of one store: 1.0 or 0.55 on dev-therapy and blind-trades once tables kept their header rows. At 0.55
# dev-therapy's out-of-scope questions were refused 28/34, at 1.0 31/34, with no answerable question refused on any
# corpus more or less (starter, nursing, dev-finance, blind-trades, blind-languages, blind-aviation, blind-media).
WEIGHTS = (1.0,)


@dataclass(frozen=True)
class GateFeatures:
    best_dense: float
    keyword_coverage: float

    def score(self, weight: float) -> float:
        return self.best_dense + weight * self.keyword_coverage


@dataclass(frozen=True)
class Calibration:
    weight: float
    threshold: float
    revision: int = -1  # the store revision it was fitted on
    method: str = "default"  # "auto" (probes from the store) or "labelled"
    balanced_accuracy: float = 0.0  # on the probes it was fitted on
    margin: float = 0.0
    # the features it was fitted on (FEATURES_VERSION): one saved before they changed is refitted
    features_version: int = 1

    def admits(self, features: GateFeatures) -> bool:
        return features.score(self.weight) >= self.threshold

    def as_dict(self) -> dict:
        return asdict(self)


# Raised whenever what the features measure changes, so a store's saved calibration is fitted again on the features
# the gate now computes (2: coverage reads a short form in the singular or the plural and leaves out a word that
# stems to a function word or is a letter left by a clitic; 3: one weight, WEIGHTS; 4: a question's abbreviations
# are embedded with the words the store defines them by, advisor/subjects.py's glossary).
FEATURES_VERSION = 4
# Used only until a store has been calibrated (an empty store refuses anyway).
DEFAULT = Calibration(weight=1.0, threshold=0.9, features_version=FEATURES_VERSION)


def keyword_coverage(question: str, idf: dict[str, float]) -> float:
    """IDF-weighted share of the question's content words that the store uses; a short form in the singular or
    the plural (the stemmer keeps a short word's "s": "ADL" is the store's "ADLs", "RNs" its "RN")."""
    # short forms in capitals (_ABBREVIATION), without a plural "s": "RNs" -> "rn", "NHS" stays "nhs"
    short_forms = {fold(re.sub(r"(?<=\p{Lu})s$", "", m.group(1))) for m in _ABBREVIATION.finditer(question)}
    # A word that stems to a function word ("whats": "what's" typed without its apostrophe) or a letter left by a
    # clitic (the "s" of "what's", the "m" of "I'm") asks or says who; it names nothing the store must use.
    words = {_as_the_store_writes(w, idf, short_forms) for w in tokens(question) if w not in STOPWORDS and len(w) > 1}
    if not words or not idf:
        return 0.0
    unknown = max(idf.values())
    known = sum(idf[w] for w in words if w in idf)
    return known / (known + unknown * sum(w not in idf for w in words))


def _as_the_store_writes(word: str, idf: dict[str, float], short_forms: set[str]) -> str:
    """A short form as the store writes it, with or without its plural "s"; any other word as it is (a lower-case
    word is no short form: "new" is not "news", "loss" not "los")."""
    base = word.removesuffix("s") if word.removesuffix("s") in short_forms else word
    if base not in short_forms:
        return word
    return next((f for f in (base, f"{base}s") if f in idf), word)


def features(question: str, dense_scores: Sequence[float], idf: dict[str, float]) -> GateFeatures:
    return GateFeatures(max(dense_scores, default=-1.0), keyword_coverage(question, idf))


# ---------------------------------------------------------------- names the store must mention

# A capitalised word, capitals inside it too ("BlackRock", "McKinsey"), not at a sentence's start.
_NAME_WORD = r"(?:\p{Lu}\p{Ll}{2,}|\p{Lu}\p{Ll}+(?=\p{Lu}))(?:\p{Lu}\p{Ll}+)*"
_CAPITALISED = re.compile(rf"(?<!^)(?<![.?!]\s)\b({_NAME_WORD}(?:\s+{_NAME_WORD})*)\b")
_ARTICLE = re.compile(r"\b(?:an?|as an?|become an?)\s+", re.I)
_PHRASE_END = frozenset("do does did earn earns make makes need needs work works get gets have has use uses "
                        "become becomes pay pays spend spends".split())
# a plural word where a question names the worker it asks about: before a verb that ends a phrase, or opening it
_WORKER_PLURAL = re.compile(
    rf"(?<![\p{{L}}\p{{M}}'’-])(?P<word>\p{{L}}[\p{{L}}\p{{M}}-]*s)(?:\s+(?:{'|'.join(sorted(_PHRASE_END))})\b"
    rf"|(?<=^\s*\p{{L}}[\p{{L}}\p{{M}}-]*s)\s*[:,])", re.I)
# English endings of words for people (pharmacist, technician, assistant, trainee) or the head of one of
# the store's subjects: a phrase after "a"/"an" is checked only when it names a kind of worker, never an
# everyday thing ("an office"). Single-word embeddings (all-MiniLM-L6-v2) do not tell "carpenter" from
# "office" (cosine to the subjects 0.46 and 0.36, "apprenticeship" 0.43), so the endings stay.
_PERSON_ENDINGS = r"ist|ian|ant|(?<!car)eer|(?<!r)ee"
# "-man", "-woman", "-person" end a word for a worker ("salesperson", "fisherman"); alone, or in "woman" and
# "human", they name anyone ("a hands-on person", "a young woman"), which is no kind of worker
_PERSON = re.compile(rf"(?:{_PERSON_ENDINGS}|(?<=\p{{L}}{{3}})(?:man|woman|person))s?$")
# "-er"/"-or" (plumber, translator) also end verbs and things ("an RN differ ..."): they count only for
# a word the store never uses, in any variant.
_AGENT = re.compile(r"(?:er|or)s?$")
_PLURAL_PERSON = re.compile(rf"(?:{_PERSON_ENDINGS})s$")  # -man, -woman and -person make no "-s" plural
_WORD_BEFORE = re.compile(r"(\p{L}[\p{L}\p{M}'’-]*)\s+$")  # the word just before a plural ("cargo drivers")
# How alike two spellings must be to count as one word ("licence"/"license", "Geneva"/"Genève").
SPELLING_VARIANT = 0.82  # above "agricole"/"article" (0.8), below "licence"/"license" (0.857)


def _person_ending(word: str) -> bool:
    """Does the word end as a word for a person does ("pharmacist", "planner", "auditor")?"""
    return bool(_PERSON.search(word) or _AGENT.search(word))


def wants_a_role(text: str) -> bool:
    """Does the text name a role the person would take ("become a pharmacist", "work as an OT")?"""
    return any(m.group(0).lower().startswith(("as", "become")) for m in _ARTICLE.finditer(text))


def names_a_worker(name: str) -> bool:
    """Does a subject's name end in a word for a person ("physician", "auditor"; not "bank" or "graduate")?"""
    return _person_ending(name.split()[-1]) if name.split() else False


def _adds_person_ending(word: str, other: str) -> bool:
    """Does ``word`` name a person where ``other`` names the activity ("planner" and "plann", stemmed from
    "planning")? A financial planner is not mentioned by "financial planning"."""
    return len(word) >= len(other) + 2 and _person_ending(word) and not _person_ending(other)


def _mentioned_word(word: str, words: set[str]) -> bool:
    """Is the (folded, stemmed) word among ``words``: as it is, as a short form of one ("vet",
    "tech"), as a longer form of one ("programme"), or as a spelling variant of one?"""
    if word in words or f"{word}s" in words or f"{word}es" in words:  # "rn" in "RNs" (too short to stem)
        return True
    if len(word) >= 3 and any(w.startswith(word) or (len(w) >= 5 and word.startswith(w)
                                                     and not _adds_person_ending(word, w)) for w in words):
        return True
    return any(not _adds_person_ending(word, w)
               for w in difflib.get_close_matches(word, words, n=3, cutoff=SPELLING_VARIANT))


def _mentioned(phrase: str, words: set[str]) -> bool:
    return all(_mentioned_word(w, words) for w in content_words(phrase))


def _said_together(phrase: str, sequence: list[str]) -> bool:
    """Are the phrase's words said one after the other in ``sequence`` (the passages' content words),
    each as itself or a variant ("pharmacy tech" in "... pharmacy technicians ...")?"""
    wanted = tokens(phrase)
    if not wanted:
        return True
    distinct = set(sequence)  # each word of the passages is compared once, not at every place it stands
    matching = [{t for t in distinct if _mentioned_word(w, {t})} for w in wanted]
    return any(all(sequence[i + j] in matching[j] for j in range(len(wanted)))
               for i in range(len(sequence) - len(wanted) + 1))


def _phrase_after_article(text: str, start: int, joined: bool = False,
                          known: Callable[[str], bool] = lambda phrase: False) -> str:
    """The noun phrase that follows an article, up to the verb or function word that ends it (at most 3 words;
    ``joined``: "and" inside it too, at most 5: "a speech and language therapist"). A comparative after words
    that name one of the store's subjects (``known``) ends it too: "…or an event coordinator better if I…" (not
    "a boiler fitter" or "a window cleaner", where the comparative's form is the worker)."""
    found: list[str] = []
    # a comma, a colon or a full stop ends it; not the stops inside "U.S." or "Ph.D."
    clause = re.split(r"[,;:!?()\[\]]|(?<!(?<![\p{L}])\p{L})\.(?=\s|$)", text[start:], maxsplit=1)[0]
    for word in re.findall(r"(?:\p{L}\.){2,}|\p{L}[\p{L}\p{M}-]*", clause)[:6 if joined else 4]:  # "U.S." is one
        if joined and word.lower() == "and" and found:
            found.append(word)
            continue
        if word.lower() in STOPWORDS or word.lower() in _PHRASE_END or (
                found and compares(word) and known(" ".join(found))):
            break
        found.append(word)
    while found and found[-1].lower() == "and":
        found.pop()
    return " ".join(found[:5 if joined else 3])


# An abbreviation written in capitals ("HMRC", "CFPs") or opening a name ("JPMorgan"); "I" is none.
_ABBREVIATION = re.compile(r"(?<![\p{L}\p{N}])(\p{Lu}{2,}(?:\p{Ll}+\p{L}*|s)?)(?![\p{L}\p{N}])")


def _spelled_out(abbreviation: str, text: str) -> bool:
    """Do the passages write the abbreviation out ("Certified Management Accountant" for "CMA", "licensed
    practical nurses" for "LPN")? The first letters of words that follow one another, small words skipped, must
    spell it; for three letters or fewer, within one clause (no punctuation between them) or in capitals."""
    letters = fold(abbreviation.removesuffix("s"))
    n = len(letters)
    for clause in (text.split("\n") if n >= 4 else re.split(r"[^\p{L}\p{M}\s'’-]+", text)):
        words = [w for w in re.findall(r"\p{L}[\p{L}\p{M}'’-]*", clause) if w.lower() not in ABBREVIATION_GLUE]
        if any("".join(fold(w[0]) for w in words[i:i + n]) == letters for i in range(len(words) - n + 1)):
            return True
    return False


def abbreviations_in(question: str) -> list[str]:
    """Abbreviations of three letters or more the question names: two letters are too often a word or a common
    short form ("OK", "IT", "CV"), and a shouted word ("WHAT", "SALARIES", a question typed in capitals) is none."""
    letters = [c for c in question if c.isalpha()]
    if letters and sum(c.isupper() for c in letters) > 0.6 * len(letters):
        return []
    return [m.group(1) for m in _ABBREVIATION.finditer(question)
            if len(m.group(1).removesuffix("s")) >= 3 and not (len(m.group(1)) > 6 and m.group(1).isupper())
            and fold(m.group(1)) not in STOPWORDS]


def names_in_question(question: str) -> list[str]:
    """Capitalised names inside the question's sentences (not the word that opens one)."""
    return [m.group(1) for m in _CAPITALISED.finditer(question)]


_ASKS = re.compile(r"\?[^\p{L}\p{N}]*$")  # a sentence ending in a question mark ("…?!", "…?)")


def asking_sentences(question: str) -> str:
    """The question's sentences that ask (end in a question mark), with any statement naming a role the person
    would take ("I want to become a sommelier. How long does the training take?" asks about the sommelier); all
    of it when no sentence asks, or every one does."""
    sentences = split_sentences(question, typed=True)
    asking = [s for s in sentences if _ASKS.search(s) or wants_a_role(s)]
    if not any(_ASKS.search(s) for s in asking) or len(asking) == len(sentences):
        return question
    return " ".join(asking)


def unmentioned_names(question: str, docs: Sequence, subjects, vocabulary: dict[str, float] | None = None,
                      advising: bool = False) -> list[str]:
    """Countries, proper names and kinds of worker the question asks about that no retrieved passage mentions.

    "How much does a pilot earn in Japan?" on a store that never mentions pilots or Japan must not be
    answered with another subject's figures. "Mentioned" allows accents or none, plural or singular,
    short forms and spelling variants; an everyday word ("an office") is never a reason to refuse.
    ``advising``: the question asks which of the store's careers suits the asker, so a phrase that ends in a
    career's name's last word names it ("would I make a better cook?" where the store's career is "line
    cook"), when the store uses the words before it ("a forensic accountant" is still another kind).
    """
    text = " ".join(d.page_content + " " + d.metadata.get("title", "") + " " + d.metadata.get("section", "")
                    for d in docs)
    folded = fold(text)
    sequence = tokens(text)
    words = set(sequence)
    store_words = set(vocabulary) if vocabulary is not None else words
    missing: list[str] = []
    # Countries: named in the passages, or implied by the currency of their figures.
    covered = countries_named(text) | {country_of(text, f) for f in figures_in(text) if f.is_money}
    missing += [written for written, code in country_mentions(question) if code not in covered]
    # Proper names (places, employers, qualifications) no passage mentions.
    for name in names_in_question(question):
        if country_mentions(name) or subjects.find(name):
            continue
        if fold(name) not in folded and not _mentioned(name, words):
            missing.append(name)
    # Abbreviations ("HMRC", "CIMA"): in the passages as written, as a variant, spelled out, or one of the store's
    # careers ("OTs", "FA").
    for short in abbreviations_in(question):
        if (country_mentions(short) or is_currency_code(short) or subjects.find(short) or subjects.by_initials(short)
                or short in missing or (tokens(short) and set(tokens(short)) <= store_words)):  # "NURSES": a word
            continue
        written = re.escape(fold(short.removesuffix("s")))
        if not re.search(rf"(?<![\p{{L}}\p{{N}}]){written}(?:s|es)?(?![\p{{L}}\p{{N}}])", folded) \
                and not _spelled_out(short, text):
            missing.append(short)
    # A kind of worker named after "a"/"an": a word the store never uses ("a pilot"), or one no passage
    # mentions as such ("a physician assistant" where passages only name physicians).
    # the heads of the careers the store is about ("therapist"), not of a subject met in passing ("analyst job")
    heads = {n.split()[-1] for s in subjects.careers for n in [s, *subjects.variants.get(s, [])] if n.split()}
    # What the question asks about is in its sentences that ask, and in a role the person says they would take: a
    # kind of worker named in another statement ("… I saw a survey by an economist.") is a premise, as an advice
    # question's traits are.
    question = asking_sentences(question)

    def names_a_subject(phrase: str) -> bool:
        return any(end == len(phrase) for _, end, _ in subjects.mentions(phrase))

    for m in _ARTICLE.finditer(question):
        # "become a …", "qualify as an …": what follows names a kind of worker whatever its ending
        as_role = m.group(0).lower().startswith(("as", "become"))
        phrase = _phrase_after_article(question, m.end(), joined=as_role, known=names_a_subject)
        if not phrase:
            continue
        head = phrase.split()[-1].lower()
        unknown = not _mentioned(head, store_words)
        # "-er"/"-or" end things too ("a second career"): they name a person only in a word the store never uses
        person = bool(_PERSON.search(head) or (unknown and _AGENT.search(head)))
        if as_role and (len(phrase.split()) == 1 or person) and any(
                not _mentioned_word(w, store_words) for w in content_words(phrase)):
            missing.append(phrase)  # a word the store never uses ("an osteopath"), not "as a mid-life switch"
            continue
        # a subject of the store, maybe with words before it the store uses ("an experienced physiotherapist";
        # not "an animal physiotherapist")
        named = subjects.named_in(phrase) if advising else subjects.mentions(phrase)
        if any(end == len(phrase) and all(_mentioned_word(w, store_words) for w in content_words(phrase[:start]))
               for start, end, _ in named):
            continue
        if not (person or head.rstrip("s") in heads):
            continue
        if unknown or (len(phrase.split()) > 1 and _unsaid_kind(phrase, folded, sequence, heads)):
            missing.append(phrase)
    # A kind of worker in the plural, without an article, where a question puts the worker it asks about: before
    # one of the verbs that end a phrase ("How much do dieticians earn?", "dentists need") or opening it
    # ("Pharmacists: what…?"). Elsewhere a plural with a person's ending is as often a thing or the people
    # around a job ("grants", "fees", "applicants for…"), and "-ers" name those people as often ("What do
    # employers expect?" was refused on the starter store); so these endings only, in that place only.
    for m in _WORKER_PLURAL.finditer(question):
        word = m.group("word")
        if (word[0].isupper() and m.start("word") > 0) or country_mentions(word):
            continue  # a name (checked above), a nationality
        if subjects.find(word) or fold(word).removesuffix("s") in heads:
            # one of the store's careers by its last word, after a word the store never uses, is another kind
            # ("How much do cargo drivers earn?" on a store about bus drivers)
            before = _WORD_BEFORE.search(question[:m.start("word")])
            if before and content_words(before[1]) and not _mentioned(before[1], store_words):
                missing.append(f"{before[1]} {word}")
            continue
        if _PLURAL_PERSON.search(word.lower()) and not _mentioned(word, store_words):
            missing.append(word)
    return list(dict.fromkeys(missing))


def _unsaid_kind(phrase: str, folded: str, sequence: list[str], heads: set[str]) -> bool:
    """Does the phrase name a kind of worker the passages never name? The kind is its last two words ("a new
    investment analyst" is an investment analyst), unless the word before the last one is a number: "a grade
    three clerk" is a clerk of some grade, not a kind of clerk."""
    words = phrase.split()
    if any(c.isdigit() for c in with_digits(words[-2])):
        return False
    if re.search(r"(?<![\w-])" + re.escape(fold(phrase)) + r"(?:s|es)?(?![\w-])", folded):
        return False
    if _qualifies_people(words[-2], folded, heads):
        return False
    return not _said_together(" ".join(words[-2:]), sequence)


def _qualifies_people(word: str, folded: str, heads: set[str]) -> bool:
    """Do the passages put the word before one of the store's careers ("new physical therapists", "senior dental
    hygienists", one word between them at most, on one line)? Then it says what sort of worker someone is ("a new
    assistant"), not which kind ("a forensic hygienist", where the passages say "forensic services" or "forensic
    odontologists"). A word for a person is itself a kind ("a physician assistant")."""
    word = fold(word)
    if len(word) < 2 or _PERSON.search(word) or not re.fullmatch(r"\p{L}[\p{L}-]*", word):
        return False
    kinds = {stem(form) for h in heads for form in (h, f"{h}s")}  # "nurse" and "nurses" stem apart
    between = r"[^\S\n]+"  # spaces, not a line break: a heading or a list item ends the phrase
    after = rf"(?<![\p{{L}}-]){re.escape(word)}{between}(\p{{L}}[\p{{L}}-]*)(?:{between}(\p{{L}}[\p{{L}}-]*))?"
    return any(stem(w) in kinds for m in re.finditer(after, folded) for w in m.groups() if w)


# ---------------------------------------------------------------- fitting


@dataclass
class Fit:
    weight: float
    threshold: float
    balanced_accuracy: float
    margin: float  # distance from the threshold to the nearest question, in standard deviations of the scores


def balanced_accuracy(scores: np.ndarray, labels: np.ndarray, threshold: float) -> float:
    predicted = scores >= threshold
    return float(0.5 * (predicted[labels == 1].mean() + (~predicted[labels == 0]).mean()))


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


def fit(features_matrix: np.ndarray, labels: np.ndarray, weights=WEIGHTS) -> Fit:
    """Weight and threshold with the best balanced accuracy, ties broken by the widest relative margin."""
    fits = []
    for weight in weights:
        scores = features_matrix[:, 0] + weight * features_matrix[:, 1]
        threshold, accuracy, margin = best_threshold(scores, labels)
        # Margins in units of the scores' spread: a larger weight stretches every score.
        fits.append(Fit(weight, round(threshold, 3), accuracy, margin / float(scores.std() or 1.0)))
    return max(fits, key=lambda f: (round(f.balanced_accuracy, 6), f.margin))


# ---------------------------------------------------------------- automatic calibration


def unanswerable_probes() -> list[str]:
    lines = PROBES_FILE.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


_TEMPLATES = ("What does {s} do?", "How much does {s} earn?", "What skills does {s} need?", "How do I become {s}?")


def answerable_probes(passages: Sequence[tuple[str, dict]], subject_names: Sequence[str], idf: dict[str, float],
                      limit: int = 60, seed: int = 7) -> list[str]:
    """Questions the store should answer, made from its subjects, headings and passages.

    Passage probes keep three of a sentence's mid-frequency words, as a person's
    short question would, rather than the whole sentence (which would find itself).
    """
    rng = random.Random(seed)
    probes = [t.format(s=s) for s in subject_names for t in _TEMPLATES]
    headings = sorted({m.get("section", "") for _, m in passages if len(m.get("section", "").split()) >= 2})
    probes += [f"What do the sources say about {h.lower()}?" for h in headings]
    sentences = [s for text, _ in passages for s in split_sentences(text) if len(s.split()) >= 8]
    rng.shuffle(sentences)
    ranked_idf = sorted(idf.values())
    ceiling = ranked_idf[int(0.9 * (len(ranked_idf) - 1))] if ranked_idf else 0.0
    for sentence in sentences[: limit]:
        words = [w for w in dict.fromkeys(re.findall(r"\p{L}[\p{L}-]{3,}", sentence))
                 if tokens(w) and idf.get(tokens(w)[0], 0.0) <= ceiling]
        if len(words) >= 3:
            chosen = sorted(rng.sample(words, 3), key=words.index)
            probes.append(f"What about {' '.join(w.lower() for w in chosen)}?")
    rng.shuffle(probes)
    return probes[: 2 * limit]


def calibrate(features_of: Callable[[list[str]], list[GateFeatures]], passages: Sequence[tuple[str, dict]],
              subject_names: Sequence[str], idf: dict[str, float], revision: int) -> Calibration:
    """Fit the gate for one store revision, with no hand labels (see the module docstring)."""
    positives = answerable_probes(passages, subject_names, idf)
    negatives = unanswerable_probes()
    if not positives:
        return DEFAULT
    rows = features_of(positives + negatives)
    matrix = np.array([(f.best_dense, f.keyword_coverage) for f in rows], dtype=float)
    labels = np.array([1] * len(positives) + [0] * len(negatives))
    best = fit(matrix, labels)
    return Calibration(best.weight, best.threshold, revision, "auto", round(best.balanced_accuracy, 4),
                       round(best.margin, 4), FEATURES_VERSION)
