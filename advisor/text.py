"""The one tokenizer of the project: sentences, citation marks, content words.

Retrieval (BM25 and keyword coverage), grounding and the eval metrics all read
text through these functions, so "a word the corpus uses" means the same thing
everywhere. Nothing here knows about any career or corpus.
"""

from __future__ import annotations

import functools
import html
import unicodedata
from html.parser import HTMLParser

import regex as re  # Unicode classes: letters of any script are letters
from anyascii import anyascii

_ABBREVIATIONS = ("e.g.", "i.e.", "vs.", "etc.", "approx.", "U.S.", "U.K.", "Dr.", "Mr.", "Ms.", "Mrs.", "St.", "No.")
_CITATION = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
# A sentence ends at . ! ? before a capital of any script, a digit, a currency sign or a list mark
# ("Élodie …", "Øresund …" start sentences; "e.g. the …" does not).
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[“‘]?[\p{Lu}\p{Lt}0-9£$€¥₹*-])")
# What a person types may start a sentence in lower case ("…every spring. accountant or fa?"), except after
# a dotted abbreviation ("Ph.D.", "a.m.", "B.Sc.") or a single letter ("C.").
_TYPED_SENTENCE_END = re.compile(r"(?<=[.!?])(?<!(?:^|[\s(])(?:\p{L}{1,3}\.){2,})(?<!(?:^|[\s(])\p{L}\.)"
                                 r"[\"')\]]*\s+(?=[\"'(\[“‘]?[\p{L}0-9£$€¥₹*-])")
_LIST_MARK = re.compile(r"^(?:[-*•]\s*|\d+[.)]\s+|#+\s+)")
_EMPHASIS = re.compile(r"\*+|(?<!\w)__|__(?!\w)")  # Markdown emphasis marks


def split_sentences(text: str, typed: bool = False) -> list[str]:
    """Sentences and list items of a text, citation marks kept with their sentence. ``typed``: what a person
    wrote in a message, whose sentences may start in lower case."""
    out: list[str] = []
    for line in text.split("\n"):
        line = line.strip()
        if not line or set(line) <= set("|-: "):
            continue
        line = _EMPHASIS.sub("", _LIST_MARK.sub("", line)).strip()
        protected = line
        for i, abbr in enumerate(_ABBREVIATIONS):
            protected = protected.replace(abbr, f"\x00{i}\x00")
        for part in (_TYPED_SENTENCE_END if typed else _SENTENCE_END).split(protected):
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


def sentence_span(text: str, position: int) -> tuple[int, int]:
    """(start, end) of the sentence or line of ``text`` that holds ``position``, as :func:`split_sentences` ends
    them (an abbreviation's dot ends none)."""
    protected = text
    for abbr in _ABBREVIATIONS:
        protected = protected.replace(abbr, "\x00" * len(abbr))  # same length: the offsets stay
    ends = [0] + [m.end() for m in _SENTENCE_END.finditer(protected)] + [m.end() for m in re.finditer("\n", text)]
    start = max(e for e in ends if e <= position)
    return start, min((e for e in ends if e > position), default=len(text))


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


# English function words, question words and words that say how to answer rather
# than what about. Deliberately nothing about any field of work.
STOPWORDS = frozenset(
    """a an the and or but if of to in on at by for with from as is are was were be been being it its this that
    these those they them their there here he she his her we you your i me my our us do does did done have has had
    can could should would will shall may might must not no so than then too very also just about into over under
    more most less such which who whom whose what when where why how all any both each few other some own same only
    up down out off again further once while during before after above below between through because until against
    one get got like well many much often usually according typically really actually thing things something
    explain tell describe please give show list summarise summarize know want need let lets say says said
    advisor""".split()
)
# The small words an abbreviation's letters leave out ("Health and Care Professions Council", "Direction générale
# de l'aviation civile"): any word of three lower-case letters or fewer, and these written otherwise ("And", "&").
ABBREVIATION_GLUE = frozenset("of and for the in on to at & de du des la le der die das und y e et".split())


def is_glue(word: str) -> bool:
    """May an abbreviation's letters pass over the word ("of", "de", "&", "und")?"""
    return word.lower() in ABBREVIATION_GLUE or (word.islower() and len(word) <= 3)


_WORD = re.compile(r"[\p{L}\p{N}][\p{L}\p{M}\p{N}+#.-]*[\p{L}\p{M}\p{N}+#]|[\p{L}\p{N}]")


def fold(text: str) -> str:
    """Lower case without accents ("Zürich" -> "zurich", "résumé" -> "resume", "Søren Ødegård" -> "soren
    odegard", "Łódź" -> "lodz"), so a word matches whether or not the writer typed its accents. A Latin letter
    that no accent can be stripped from ("ø", "ł", "æ") is written as its reader would type it without one
    (anyascii's table), when that is letters; other scripts stay as they are."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    if plain.isascii():
        return plain
    return "".join(_plain_latin(c) for c in unicodedata.normalize("NFC", plain))


@functools.lru_cache(maxsize=4096)
def _plain_latin(letter: str) -> str:
    if letter.isascii() or not letter.isalpha() or not unicodedata.name(letter, "").startswith("LATIN "):
        return letter
    plain = anyascii(letter).lower()
    return plain if plain.isalpha() else letter  # "ʔ" is no "'"


def stem(word: str) -> str:
    """A light suffix stripper: enough to match "salaries"/"salary", "skills"/"skill"."""
    for suffix in ("ing", "ies", "es", "s", "ed"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def tokens(text: str) -> list[str]:
    """Stemmed content words in order, repeats kept (the BM25 index and query use this)."""
    out = []
    for w in _WORD.findall(fold(strip_citations(text))):
        if w in STOPWORDS or w.isdigit():
            continue
        out.append(stem(w))
    return out


def content_words(text: str) -> set[str]:
    return set(tokens(text))


_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$")


def table_head(lines: list[str]) -> list[str] | None:
    """The header row and rule of the last Markdown table in ``lines``, or None."""
    for i in range(len(lines) - 2, -1, -1):
        if _TABLE_ROW.match(lines[i]) and _TABLE_RULE.match(lines[i + 1]):
            return lines[i:i + 2]
    return None


def rows_without_header(lines: list[str]) -> list[str] | None:
    """The lines from a table's first body row when they open with body rows (or with the rule under a header)
    that the header was left behind from: a table cut between two chunks. Else None."""
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None or not _TABLE_ROW.match(lines[first]):
        return None
    if _TABLE_RULE.match(lines[first]):  # the rule came along in the overlap, the header did not
        return lines[first + 1:]
    if first + 1 < len(lines) and _TABLE_RULE.match(lines[first + 1]):
        return None  # a table of its own, header and all
    return lines[first:]


def ends_inside_table(lines: list[str]) -> bool:
    last = next((line for line in reversed(lines) if line.strip()), "")
    return bool(_TABLE_ROW.match(last))


def table_at(lines: list[str], i: int) -> tuple[list[str], list[list[str]], int] | None:
    """The Markdown table that starts at ``lines[i]``, as (header cells, body rows of cells, the index after it),
    or None when no table (a header row, then a rule such as "|---|---|") starts there."""
    if not (_TABLE_ROW.match(lines[i]) and i + 1 < len(lines) and _TABLE_RULE.match(lines[i + 1])):
        return None
    j = i + 2
    while j < len(lines) and _TABLE_ROW.match(lines[j]):
        j += 1
    return _cells(lines[i]), [_cells(line) for line in lines[i + 2:j]], j


def clipped(text: str, limit: int) -> str:
    """The text cut to about ``limit`` characters (a source card's passage), never inside a table row nor under
    a table's header with no row left, either of which would read as raw pipes; a table whose first row is
    already longer keeps that row whole."""
    if len(text) <= limit:
        return text
    every = text.split("\n")
    lines = text[:limit].split("\n")
    if lines[-1] == "":
        lines.pop()  # the cut fell just after a line's end
    elif not lines[-1].lstrip().startswith("|"):
        return text[:limit] + "…"
    elif text[limit:limit + 1] != "\n":
        lines.pop()  # a row cut in two
    while lines and (_TABLE_RULE.match(lines[-1]) or table_at(every, len(lines) - 1)):
        lines.pop()  # a rule line, or a header row whose rule or rows were cut off
    if not "\n".join(lines).strip():
        return "\n".join(every[:3]) + "\n…"  # header, rule and the first row, however long
    return "\n".join(lines).rstrip("\n") + "\n…"


def _cells(line: str) -> list[str]:
    return [c.strip().strip("*_").strip() for c in line.strip().strip("|").split("|")]


class _TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(text: str) -> str:
    """Text without markup: "<b>UX designer</b>" -> "UX designer" (entities decoded, "a < b" kept)."""
    if "<" not in text and "&" not in text:
        return text
    parser = _TextOnly()
    parser.feed(text)
    parser.close()
    return " ".join(html.unescape("".join(parser.parts)).split())
