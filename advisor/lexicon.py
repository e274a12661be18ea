"""What WordNet knows of English words, for rules that would otherwise list words of their own.

Opposites: a sentence that restates its source with "harder" for "easier", "less" for "more" or
"dislike" for "like" says the opposite of it, though it shares nearly all its words; an adjective with
an opposite ("experienced", "senior") qualifies a worker rather than naming a kind of one.
``data/antonyms.txt`` holds WordNet 3.0's antonym pairs of adjectives, adverbs and verbs, widened to
every word of a head adjective's synset ("hard" beside "difficult", opposite "easy"), and the irregular
forms of those words ("better" is "good"). Noun antonyms are left out: they are mostly pairs of roles
("employer", "employee"), which advisor.subjects reads.

People: ``data/person_nouns.txt`` lists the nouns whose most common WordNet sense is a person
("secretary", "architect", "midwife"; not "agent" or "office"), so a kind of worker is known by
meaning, not only by an English ending ("-ist", "-ian").

Rebuild both with ``python -m advisor.lexicon WORDNET_DICT_DIR`` (the folder of WordNet's ``data.adj``,
``index.noun`` and ``adj.exc``, as Debian's ``wordnet-base`` installs it); the licence is in
``data/WORDNET-LICENSE.txt``.
"""

from __future__ import annotations

import functools
import sys
from collections import defaultdict
from pathlib import Path

import regex as re

from advisor.text import fold

DATA = Path(__file__).resolve().parent / "data"
TABLE = DATA / "antonyms.txt"
PERSONS = DATA / "person_nouns.txt"
_PERSON_SYNSET = "00007846"  # person.n.01 in WordNet 3.0's data.noun
_WORD = re.compile(r"\p{L}+(?:['’]\p{L}+)?")


@functools.lru_cache(maxsize=1)
def _table() -> tuple[dict[str, dict[str, frozenset[str]]], dict[str, frozenset[str]]]:
    """(a word's opposites by part of speech, an irregular form's base words), from the table's lines."""
    opposites: dict[str, dict[str, frozenset[str]]] = defaultdict(dict)
    forms: dict[str, frozenset[str]] = {}
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        word, kind, others = line.split("\t")
        if kind == ">":
            forms[word] = frozenset(others.split(","))
        else:
            opposites[word][kind] = frozenset(others.split(","))
    return dict(opposites), forms


def base_forms(word: str) -> set[str]:
    """The word and the base words it may be a form of ("harder" -> "hard", "easier" -> "easy", "liked" ->
    "like", "better" -> "good"): WordNet's exception lists, then its regular endings."""
    opposites, forms = _table()
    word = fold(word)
    out = {word, *forms.get(word, ())}
    for ending, replacement in (("iest", "y"), ("ier", "y"), ("est", ""), ("est", "e"), ("er", ""), ("er", "e"),
                                ("ies", "y"), ("es", ""), ("s", ""), ("ied", "y"), ("ed", ""), ("ed", "e"),
                                ("ing", ""), ("ing", "e")):
        if word.endswith(ending) and len(word) > len(ending) + 2:
            stem = word[: -len(ending)]
            out.add(stem + replacement)
            if replacement == "" and len(stem) > 2 and stem[-1] == stem[-2]:  # "bigger", "planned"
                out.add(stem[:-1])
    return {w for w in out if w in opposites or w == word}


def opposites_of(word: str, pos: str = "arv") -> set[str]:
    """The word's opposites as an adjective ("a"), adverb ("r") or verb ("v"): any of those ``pos`` names."""
    opposites, _ = _table()
    return {o for base in base_forms(word) for tag, others in opposites.get(base, {}).items() if tag in pos
            for o in others}


def words_of(text: str) -> set[str]:
    """The text's words, each with the base words it may be a form of."""
    return {b for w in _WORD.findall(text) for b in base_forms(w)}


def opposed(text: str, source: str) -> set[tuple[str, str]]:
    """Pairs (a word of the text, its opposite in the source) where the text holds a word its source lacks
    and the source holds its opposite, which the text lacks: "easier" in the text, "harder" in the source."""
    mine, theirs = words_of(text), words_of(source)
    return {(w, o) for w in mine - theirs for o in opposites_of(w) if o in theirs - mine}


@functools.lru_cache(maxsize=1)
def _persons() -> frozenset[str]:
    return frozenset(line for line in PERSONS.read_text(encoding="utf-8").splitlines()
                     if line and not line.startswith("#"))


def is_person_noun(word: str) -> bool:
    """Is the word, or its singular, a noun whose most common sense is a person ("secretaries", "architect")?"""
    word = fold(word)
    singulars = {word, word[:-1] if word.endswith("s") else word, word[:-2] if word.endswith("es") else word,
                 word[:-3] + "y" if word.endswith("ies") else word, word[:-3] + "man" if word.endswith("men") else word}
    return bool(singulars & _persons())


# ---------------------------------------------------------------- building the tables from WordNet


def build_persons(wordnet: Path) -> str:
    """The person nouns' list, from a WordNet 3.0 dictionary folder: a noun whose first sense (index.noun lists
    senses most common first) has person.n.01 among its hypernyms."""
    hypernyms: dict[str, list[str]] = {}
    for line in (wordnet / "data.noun").read_text(encoding="latin-1").splitlines():
        if line.startswith(" "):
            continue
        fields = line.split(" | ")[0].split()
        k = 4 + 2 * int(fields[3], 16)
        pointers = [fields[k + 1 + 4 * n:k + 5 + 4 * n] for n in range(int(fields[k]))]
        hypernyms[fields[0]] = [target for symbol, target, _, _ in pointers if symbol in ("@", "@i")]

    @functools.lru_cache(maxsize=None)
    def is_person(offset: str) -> bool:
        return offset == _PERSON_SYNSET or any(is_person(h) for h in hypernyms.get(offset, ()))

    words = []
    for line in (wordnet / "index.noun").read_text(encoding="latin-1").splitlines():
        if line.startswith(" "):
            continue
        fields = line.split()
        first_sense = fields[4 + int(fields[3]) + 2]
        if "_" not in fields[0] and is_person(first_sense):
            words.append(fields[0])
    return "\n".join(["# Nouns whose most common sense is a person, from WordNet 3.0 (Princeton University; "
                      "licence in WORDNET-LICENSE.txt).", "# Made by advisor/lexicon.py.", *sorted(words)]) + "\n"


def build(wordnet: Path) -> str:
    """The antonyms' table, from a WordNet 3.0 dictionary folder."""
    words_at: dict[tuple[str, str], list[str]] = {}
    heads: set[tuple[str, str]] = set()
    pointers: list[tuple[str, str, int, str, str, int]] = []
    for pos, tag in (("adj", "a"), ("adv", "r"), ("verb", "v")):
        for line in (wordnet / f"data.{pos}").read_text(encoding="latin-1").splitlines():
            if line.startswith(" "):
                continue
            fields = line.split(" | ")[0].split()
            offset, kind, count = fields[0], fields[2], int(fields[3], 16)
            words = [re.sub(r"\(.*\)$", "", fields[4 + 2 * k]).lower() for k in range(count)]
            words_at[(offset, tag)] = words
            if kind == "a":  # a head adjective (not a satellite "s")
                heads.add((offset, tag))
            k = 4 + 2 * count
            for _ in range(int(fields[k])):
                symbol, target, target_pos, numbers = fields[k + 1:k + 5]
                k += 4
                if symbol == "!":
                    target_pos = "a" if target_pos == "s" else target_pos
                    pointers.append((offset, tag, int(numbers[:2], 16), target, target_pos, int(numbers[2:], 16)))
    opposites: dict[tuple[str, str], set[str]] = defaultdict(set)
    for offset, tag, source, target, target_tag, goal in pointers:
        if (target, target_tag) not in words_at:
            continue
        mine, theirs = words_at[(offset, tag)], words_at[(target, target_tag)]
        # A head adjective's synonyms share its opposite; other words only their own.
        left = mine if (offset, tag) in heads else [mine[source - 1]]
        right = theirs if (target, target_tag) in heads else [theirs[goal - 1]]
        for a in left:
            for b in right:
                if "_" not in a and "_" not in b and a != b:
                    opposites[(a, tag)].add(b)
                    opposites[(b, target_tag)].add(a)
    known = {w for w, _ in opposites}
    forms: dict[str, set[str]] = defaultdict(set)
    for pos in ("adj", "adv", "verb"):
        for line in (wordnet / f"{pos}.exc").read_text(encoding="latin-1").splitlines():
            form, *bases = line.split()
            forms[form].update(b for b in bases if b in known and b != form)
    lines = ["# Antonyms from WordNet 3.0 (Princeton University; licence in WORDNET-LICENSE.txt).",
             "# word<TAB>a|r|v (adjective, adverb, verb)<TAB>its opposites, or irregular form<TAB>><TAB>its base words.",
             "# Made by advisor/lexicon.py."]
    lines += [f"{w}\t{tag}\t{','.join(sorted(o))}" for (w, tag), o in sorted(opposites.items())]
    lines += [f"{f}\t>\t{','.join(sorted(b))}" for f, b in sorted(forms.items()) if b]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    if len(sys.argv) != 2 or not (Path(sys.argv[1]) / "data.adj").is_file():
        sys.exit("usage: python -m advisor.lexicon WORDNET_DICT_DIR  (the folder holding data.adj, index.noun …)")
    TABLE.write_text(build(Path(sys.argv[1])), encoding="utf-8")
    PERSONS.write_text(build_persons(Path(sys.argv[1])), encoding="utf-8")
    print(f"wrote {TABLE} and {PERSONS}")
