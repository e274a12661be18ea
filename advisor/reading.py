"""How a passage reads: its tables, lists and glossary terms as whole sentences.

A person reads a table row with its column names, a list item with the lead-in over the list and a term's
definition with the term. Selection quotes these units and verification compares an answer's sentences with them,
so both read a passage the same way (a table row checked against the raw "| … |" line lost its column names, and a
row naming two careers was taken for one career's facts said of the other).
"""

from __future__ import annotations

import regex as re  # Unicode classes (\p{L}, \p{Lu}): "Élodie" and "Zürich" are words

from advisor.form import as_sentence
from advisor.text import STOPWORDS, fold, split_sentences, table_at

_LIST_ITEM = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
_EMPHASIS_END = re.compile(r"[*_]+$")
MAX_LIST_WORDS = 110


# "**Term.** What it says." / "**Term:** …" / "**Term**: …": a run-in heading, not part of the sentence
# ("**27 states** grant…" is a sentence that starts in bold).
_BOLD_RUN_IN = re.compile(r"^(?P<mark>\s*(?:[-*•]|\d+[.)])?\s*)\*\*(?P<term>[^*]{1,80}?)(?:(?P<stop>[.:])\*\*|\*\*(?P<stop2>[.:]))"
                          r"\s+(?P<rest>\S.*)$")


def _run_in(line: str) -> tuple[str, str | None]:
    """A line opening with a bold run-in term as ("Term: what it says", "Term"); other lines as (line, None)."""
    m = _BOLD_RUN_IN.match(line)
    if not m or ((m["stop"] or m["stop2"]) == "." and not m["rest"][0].isupper()):
        return line, None
    return f"{m['mark']}{m['term']}: {m['rest']}", m["term"]


_INNER_COLON = re.compile(r":\s+")


def _row_sentence(lead: str, header: list[str], row: list[str]) -> str:
    """One table row as a sentence: "Lead-in: Label — Column: cell; Column: cell."."""
    label, *cells = row + [""] * (len(header) - len(row))
    if label and not re.search(r"\p{L}", label) and header[0]:
        label = f"{header[0]} {label}"  # a row labelled "2023" reads as "Year 2023"
    cells = [_INNER_COLON.sub(" — ", c) for c in cells]  # "Model-centric: train, deploy" inside "Column: cell"
    parts = [f"{h}: {c}" if h else c for h, c in zip(header[1:], cells) if c]
    body = f"{label} — {'; '.join(parts)}" if label and parts else label or "; ".join(parts)
    sentence = as_sentence(f"{lead} {body}" if lead else body)
    return sentence if re.search(r"[.!?]$", sentence) else f"{sentence}."


def join_tables(text: str) -> str:
    """A Markdown table as one sentence per row, each with its column names, so a row can be quoted.

    "| | Clerk | Auditor |" over "| Tasks | Keeps ledgers | Checks accounts |" reads "Tasks — Clerk: Keeps
    ledgers; Auditor: Checks accounts."; a lead-in ending in a colon just before the table ("The guide
    compares the roles:") opens every row, as it opens the items of a long list. A comparison table often
    holds the most direct answer in a document.
    """
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        table = table_at(lines, i)
        if table:
            header, rows, j = table
            k = len(out) - 1
            while k >= 0 and not out[k].strip():
                k -= 1
            lead = ""
            if k >= 0 and _EMPHASIS_END.sub("", out[k].rstrip()).endswith(":"):
                *before, lead = split_sentences(out[k]) or [out[k].strip()]
                out[k] = " ".join(before)
            out.extend(_row_sentence(lead, header, row) for row in rows if any(row))
            i = j
            continue
        out.append(lines[i])
        i += 1
    return "\n".join(out)


MAX_TERM_WORDS = 8  # a term on a line of its own, its definition on the next ("CFA charter" / "The designation…")
_CLOSERS = r"[\"'”’)\]]*(?:\s*\[\d+(?:\s*,\s*\d+)*\])?$"  # a closing quote or bracket, a citation mark
_CLOSES_SENTENCE = re.compile(r"[.!?。！？]" + _CLOSERS)
_ENDS_IN_PUNCTUATION = re.compile(r"[.!?。！？:;,—–-]" + _CLOSERS)
_OPENS_BLOCK = re.compile(r"^\s*(?:#|\|)")


def _is_term(line: str) -> bool:
    """A short noun phrase on a line of its own: no closing punctuation, and it ends in a word that names
    something ("You will need" or "What a bookkeeper does not do" is a sentence's start or a question)."""
    words = line.split()
    return (0 < len(words) <= MAX_TERM_WORDS and not _ENDS_IN_PUNCTUATION.search(line.rstrip())
            and fold(re.sub(r"[^\p{L}\p{N}]", "", words[-1])) not in STOPWORDS
            and bool(re.search(r"\p{L}", line)) and not _LIST_ITEM.match(line) and not _OPENS_BLOCK.match(line))


def join_terms(text: str) -> str:
    """A term on a line of its own with its definition on the next, as a glossary or a definition list sets
    them out in plain text and PDF ("CFA charter" / "The designation awarded…"), reads "Term: definition", so the
    definition is never quoted without what it defines. The definition is one whole line that opens a sentence
    and closes it (a line wrapped mid-sentence is none); a heading set directly over such a line reads the same
    way, as a lead-in; one with a blank line under it stays a line of its own."""
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        line, following = lines[i], (lines[i + 1] if i + 1 < len(lines) else "").strip()
        if (_is_term(line) and following and (following[0].isupper() or following[0].isdigit())
                and not _LIST_ITEM.match(following) and not _OPENS_BLOCK.match(following)
                and _CLOSES_SENTENCE.search(following)):
            out.append(f"{_EMPHASIS_END.sub('', line.strip()).lstrip('*_')}: {following}")
            i += 2
            continue
        out.append(line)
        i += 1
    return "\n".join(out)


def join_lists(text: str, glossary: bool = True) -> str:
    """Lists as sentences that keep their lead-in, so a list item is never quoted torn from it.

    A short list becomes one line ("Lead-in: a; b; c."). In a list longer than
    ``MAX_LIST_WORDS``, or whose items hold more than one sentence or a semicolon of
    their own (joined by "; " they would run into each other), every item becomes
    "Lead-in: item.". A list whose every item opens with a bold run-in term ("**Full
    audit.** An auditor checks…") becomes the lead-in with its terms ("Lead-in: Full
    audit; Review.") and each item "Term: what it says.", so no term is left as a
    one-word sentence. Items with no lead-in in the passage (it ended up in the chunk
    before) become sentences of their own. ``glossary``: a term joins its definition (:func:`join_terms`).
    """
    text = join_tables(join_terms(text) if glossary else text)
    lines, terms_of = map(list, zip(*(_run_in(line) for line in text.split("\n")))) if text else ([], [])
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if _LIST_ITEM.match(line):
            out.append(as_sentence(_LIST_ITEM.sub("", line)))
            i += 1
            continue
        if _EMPHASIS_END.sub("", line.rstrip()).endswith(":"):  # also "**Key skills:**"
            items, terms = [], []
            j = i + 1
            while j < len(lines) and (_LIST_ITEM.match(lines[j]) or (not lines[j].strip() and not items)):
                if lines[j].strip():
                    items.append(_LIST_ITEM.sub("", lines[j]).strip().rstrip(".;,"))
                    terms.append(terms_of[j])
                j += 1
            if items:
                *before, lead = split_sentences(line) or [line.strip()]  # the lead-in is the line's last sentence
                if all(terms):
                    out.append(" ".join([*before, f"{lead} {'; '.join(terms)}."]))
                    out.extend(as_sentence(item) for item in items)
                elif (len(" ".join([lead, *items]).split()) <= MAX_LIST_WORDS
                        and all(len(split_sentences(item)) == 1 and ";" not in item for item in items)):
                    out.append(" ".join([*before, f"{lead} {'; '.join(items)}."]))
                else:
                    out += [" ".join(before)] if before else []
                    out.extend(f"{lead} {item}." for item in items)
                i = j
                continue
        out.append(line)
        i += 1
    return "\n".join(out)
