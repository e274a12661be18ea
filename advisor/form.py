"""Sentence form: does a sentence stand on its own in an answer?

One home for the rules of English form the answer pipeline applies, whatever the
corpus or engine: the extractive selection builds its units with them and the
ground step drops what fails them. (The eval harness measures form with its own
code, evals/metrics.py, so that these rules are not graded by themselves.)
"""

from __future__ import annotations

import regex as re  # Unicode classes (\p{L}, \p{Lu}): "Élodie" and "Zürich" are words

from advisor.text import STOPWORDS, strip_citations

# A third-person pronoun or demonstrative that points back to a sentence before it.
# Case-sensitive: "IT support" is not "it".
# Also a quantifier of one: "All of this…", "Most of them…"; and an opening phrase of one: "By these figures…",
# "For this reason…", "Compared with them…".
_POINTS_BACK = re.compile(r"^[\"'(]?(?:(?:All|Most|Some|Many|Each|None|Both|Several|Few|Much|Any|One) of (?:this|these|those|them|it)"
                          r"|(?:By|In|At|On|For|From|With|Despite|Given|Under|After|Before|Unlike|Like|Besides|Of|"
                          r"Because of|Apart from|Compared (?:with|to)|Based on|According to) (?:this|these|those|that|them|it)"
                          r"|[Hh]e|[Ss]he|[Ii]t|[Tt]hey|[Tt]hem|[Hh]is|[Hh]er|[Ii]ts|[Tt]heir|[Tt]his|[Tt]hese|[Tt]hose)\b")
# English function words a finished sentence does not end on.
_DANGLING = frozenset("a an the and or but nor of to in on at by for with from as than such including like "
                      "into via per plus versus".split())
# English leaves a preposition at the end of a relative clause ("…the repositories the guide points to."): in a
# sentence a model wrote and closed itself, one of these may end it (is_whole's ``stranded``); a source's line or a
# repaired one that stops on one was cut off.
_ARTICLES = frozenset("a an the".split())
_STRANDED = frozenset("of to in on at by for with from into".split())
# Auxiliaries end a sentence only inside a clause the writer closed ("…how new the title is."); a line that
# stops on one without a full stop was cut off ("The median salary is"), so it is not repaired into a sentence.
_AUXILIARY = frozenset("is are was were be has have had".split())
_OPENING = re.compile(r"^[\"'(\[]?[\p{Lu}0-9£$€¥₹]")
_CLOSING = re.compile(r"[.!?][\"'”’)\]]*$|\)$")


def points_back(sentence: str) -> bool:
    """Whether the sentence opens with a pronoun ("She builds…", "These figures…") whose referent came before."""
    return bool(_POINTS_BACK.match(strip_citations(sentence).lstrip("*- ")))


_PERSON_PRONOUN = re.compile(r"^(He|She) (?=\p{Ll})")
# A name: capitalised words ("Okafor", "Ada Okafor"), not all capitals (an initialism is not a person).
_NAME = re.compile(r"\b\p{Lu}\p{Ll}+(?:[- ]\p{Lu}\p{Ll}+)*\b")
# What marks a name as a person's: "Okafor says/said/is/has", "Okafor's", "Okafor, an auditor", "according to
# Okafor". A name used otherwise ("use Python daily", "in London") is not taken for the "he" or "she".
_AS_PERSON = re.compile(r"(?:'s|’s|, (?:a|an|the|who) |\s+(?:is|was|has|had|\p{Ll}+s|\p{Ll}+ed)\b)")
_PERSON_BEFORE = re.compile(r"\b(?:according to|by|with)\s+$", re.I)


def opens_with_person_pronoun(sentence: str) -> bool:
    """"He…" or "She…": a pronoun for a person, whose name the answer must give before it."""
    return bool(_PERSON_PRONOUN.match(strip_citations(sentence).lstrip("*- ")))


def resolve_person(sentence: str, before: list[str]) -> str | None:
    """"He/She …" with the pronoun replaced by the one person the sentences before name, or None.

    "According to Okafor, both jobs ask for a degree. He considers one easier." gives
    "Okafor considers one easier.", a sentence that stands alone. None when the sentence
    does not open with he/she or the sentences before name no one, or more than one
    candidate: a wrong name is worse than a pronoun.
    """
    if not _PERSON_PRONOUN.match(sentence):
        return None
    texts = [strip_citations(t) for t in before]
    found = [(t, m) for t in texts for m in _NAME.finditer(t)]
    inside = {w for t, m in found if t[:m.start()].strip(" \"'(") for w in m.group(0).split()}
    names: set[str] = set()
    for text, m in found:
        name, start = m.group(0), m.start()
        if not text[:start].strip(" \"'("):  # every sentence starts with a capital: "The", "Night", or a name
            first, _, rest = name.partition(" ")
            if first.lower() in STOPWORDS:
                if not rest:
                    continue
                name, start = rest, start + len(first) + 1
            elif first not in inside:
                return None  # "Okafor has…" or "Night shifts…": no telling a name from a word
        if _AS_PERSON.match(text[m.end():]) or _PERSON_BEFORE.search(text[:start]):
            names.add(name)
    if len(names) != 1:
        return None
    return _PERSON_PRONOUN.sub(f"{names.pop()} ", sentence, count=1)


def is_whole(sentence: str, stranded: bool = False) -> bool:
    """A complete sentence: starts with a capital or figure, ends with closing punctuation, not on a function word.

    Catches what a streamed draft or a quoted list leaves behind: a lead-in whose list
    never came ("The guide lists:"), a list item torn from it ("bookkeeping and payroll;"), a
    clause cut off by the token limit ("Both roles need patience, tact and"). ``stranded``: a writer that
    closed the sentence itself may end it on a preposition (_STRANDED).
    """
    text = strip_citations(sentence).strip().strip("*").strip()
    words = text.split()
    if len(words) < 4 or not _OPENING.match(text) or not _CLOSING.search(text):
        return False
    last = _last_word(text)
    if last in _DANGLING and _last_word(words[-2]) in _ARTICLES:
        return True  # after an article the word is a noun: "…would be a plus."
    return last not in _DANGLING or (stranded and last in _STRANDED and text.rstrip("\"'”’)]")[-1:] in ".!?")


def as_sentence(item: str) -> str:
    """A list item written as a sentence: a capital first letter and a full stop instead of ";" or ","."""
    text = item.strip().rstrip(";,").strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    if _CLOSING.search(text):
        return text
    return text if _last_word(text) in _AUXILIARY else text.rstrip(":") + "."


def _last_word(text: str) -> str:
    return re.sub(r"[^\w]", "", text.split()[-1].lower())
