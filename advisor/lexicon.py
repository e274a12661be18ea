"""What WordNet knows of English words, for rules that would otherwise list words of their own: opposites.

A sentence that restates its source with "harder" for "easier" or "less" for "more" says the opposite of
it, though it shares nearly all its words. ``data/antonyms.txt`` holds WordNet 3.0's antonym pairs of
adjectives and adverbs, widened to every word of a head adjective's synset ("hard" beside "difficult",
opposite "easy"), and their irregular forms ("better" is "good"). Verbs are left out (their opposites
turn on their senses: "keep"/"lose", "sit"/"stand"), and so are nouns (mostly pairs of roles: "employer",
"employee", which advisor.subjects reads).

Rebuild the table with ``python -m advisor.lexicon WORDNET_DICT_DIR`` (the folder of WordNet's
``data.adj`` and ``adj.exc``, as Debian's ``wordnet-base`` installs it); the licence is in
``data/WORDNET-LICENSE.txt``.
"""

from __future__ import annotations

import functools
import sys
from collections import defaultdict
from pathlib import Path

import regex as re

from advisor.text import STOPWORDS, fold

TABLE = Path(__file__).resolve().parent / "data" / "antonyms.txt"
_WORD = re.compile(r"\p{L}+(?:['’]\p{L}+)?")


@functools.lru_cache(maxsize=1)
def _table() -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
    """(a word's opposites, an irregular form's base words), from the table's "=" and ">" lines."""
    opposites: dict[str, frozenset[str]] = {}
    forms: dict[str, frozenset[str]] = {}
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        word, kind, others = line.split("\t")
        (opposites if kind == "=" else forms)[word] = frozenset(others.split(","))
    return opposites, forms


def base_forms(word: str) -> set[str]:
    """The word and the adjective or adverb it may be a form of ("harder" -> "hard", "easier" -> "easy",
    "better" -> "good"): WordNet's exception lists, then the comparative's and superlative's endings."""
    opposites, forms = _table()
    word = fold(word)
    out = {word, *forms.get(word, ())}
    for ending, replacement in (("iest", "y"), ("ier", "y"), ("est", ""), ("est", "e"), ("er", ""), ("er", "e")):
        if word.endswith(ending) and len(word) > len(ending) + 2:
            stem = word[: -len(ending)]
            out.add(stem + replacement)
            if replacement == "" and len(stem) > 2 and stem[-1] == stem[-2]:  # "bigger"
                out.add(stem[:-1])
    return {w for w in out if w in opposites or w == word}


# Stopwords are no claims, except the words that compare amounts.
_AMOUNTS = frozenset({"more", "less", "most", "least", "fewer", "fewest"})


def claims(word: str) -> bool:
    """Does the word make a claim of its own: not a function word ("like", "often"), save those of amount?"""
    return fold(word) not in STOPWORDS or fold(word) in _AMOUNTS


def compares(word: str) -> bool:
    """Is the word a comparative ("more", "better", "faster"): an amount word, or a form of another adjective?"""
    return fold(word) in _AMOUNTS or len(base_forms(word)) > 1


def opposites_of(word: str) -> set[str]:
    """The word's opposites as an adjective or adverb."""
    opposites, _ = _table()
    if not claims(word):  # "after", "like", "other"
        return set()
    return {o for base in base_forms(word) if claims(base) for o in opposites.get(base, ())}


def words_of(text: str) -> set[str]:
    """The text's words, each with the base words it may be a form of."""
    return {b for w in _WORD.findall(text) for b in base_forms(w)}


def opposed(text: str, source: str) -> set[tuple[str, str]]:
    """Pairs (a word of the text, its opposite in the source) where the text holds a word its source lacks
    and the source holds its opposite, which the text lacks: "easier" in the text, "harder" in the source."""
    mine, theirs = words_of(text), words_of(source)
    out = set()
    for word in _WORD.findall(text):  # one pair a word as written ("harder", not "harder" and "hard")
        facing = sorted(o for o in opposites_of(word) if o in theirs - mine)
        if facing and not base_forms(word) & theirs:
            out.add((fold(word), facing[0]))
    return out


# ---------------------------------------------------------------- building the table from WordNet


def build(wordnet: Path) -> str:
    """The table's text, from a WordNet 3.0 dictionary folder."""
    words_at: dict[tuple[str, str], list[str]] = {}
    heads: set[tuple[str, str]] = set()
    pointers: list[tuple[str, str, int, str, str, int]] = []
    for pos, tag in (("adj", "a"), ("adv", "r")):
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
    opposites: dict[str, set[str]] = defaultdict(set)
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
                    opposites[a].add(b)
                    opposites[b].add(a)
    forms: dict[str, set[str]] = defaultdict(set)
    for pos in ("adj", "adv"):
        for line in (wordnet / f"{pos}.exc").read_text(encoding="latin-1").splitlines():
            form, *bases = line.split()
            forms[form].update(b for b in bases if b in opposites and b != form)
    lines = ["# Antonyms from WordNet 3.0 (Princeton University; licence in WORDNET-LICENSE.txt).",
             "# word<TAB>=<TAB>its opposites (as an adjective or adverb), or irregular form<TAB>><TAB>its base words.",
             "# Made by advisor/lexicon.py."]
    lines += [f"{w}\t=\t{','.join(sorted(o))}" for w, o in sorted(opposites.items())]
    lines += [f"{f}\t>\t{','.join(sorted(b))}" for f, b in sorted(forms.items()) if b]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    if len(sys.argv) != 2 or not (Path(sys.argv[1]) / "data.adj").is_file():
        sys.exit("usage: python -m advisor.lexicon WORDNET_DICT_DIR  (the folder holding data.adj, adj.exc …)")
    TABLE.write_text(build(Path(sys.argv[1])), encoding="utf-8")
    print(f"wrote {TABLE}")
