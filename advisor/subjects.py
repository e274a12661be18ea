"""The subjects a corpus compares (job titles such as "certified public accountant"), found in its documents.

Grounding protects subjects: a figure stays tied to its subject, a sentence may
not say of one subject what a passage says of another, and figures for the same
subject are compared for disagreement. Which subjects exist is never written in
code: :func:`find_subjects` reads them from the documents at ingest, and the
result is kept with the store.

A subject is a noun phrase of one to three words that
- is used in the singular after "a"/"an" and in the plural,
- appears where text talks about a person's work ("a ... who", "become a ...",
  "the ... role", "... earn") — career words, not words of any one field,
- and is named in a title or heading, or across several documents.
Abbreviations defined in the text ("certified public accountant (CPA)") and initialisms
of a subject's modifier ("ML" for "machine learning") become variants of it; so do another
name glossed in brackets ("physiotherapists (physical therapists)"), a clipped compound the
text uses as a noun ("physio", leaving "therapist"), and initials used as a noun ("PTs").

The store's other abbreviations, each defined beside its words ("Airline Transport Pilot Licence (ATPL)", or the
other way round), make its glossary: the relevance gate reads what a person writes with them spelled out.
"""

from __future__ import annotations

import json
import os
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import regex as re  # Unicode classes (\p{L}, \p{Lu}): "Élodie" and "Zürich" are words

from advisor.figures import figures_in
from advisor.text import (STOPWORDS, content_words, fold, is_glue, sentence_span, split_sentences,
                          strip_citations)

_WORD = re.compile(r"\p{L}[\p{L}0-9+#-]*")
# a word joined to what follows it as one of two names sharing their last word ("sound and lighting technicians")
_JOINED = re.compile(r"(\p{L}[\p{L}0-9+#-]*)\s*(?:[/&]|\s(?:and|or)\s)\s*$", re.I)
# Phrases in which a noun phrase names a kind of worker. Generic career language.
_ROLE_CONTEXT_BEFORE = re.compile(
    r"\b(?:as|become|becoming|became|hire|hiring|hired|aspiring|junior|senior|experienced|practising|practicing)"
    r"\s+(?:an?\s+)?$", re.I)
_ROLE_CONTEXT_AFTER = re.compile(
    r"^(?:'s|s'|s)?\s+(?:who|whose|role|roles|career|careers|salary|salaries|earn|earns|earned|"
    r"position|positions|title|titles)\b", re.I)
_HEADINGISH = re.compile(r"^\s*#{1,6}\s+(.+)$", re.M)
_ABBREVIATION = re.compile(r"\b((?:\p{L}[\p{L}-]*\s+){0,3}\p{L}[\p{L}-]*)\s+\((\p{Lu}\p{L}{1,6})\)")
# A noun phrase with another in brackets right after it, nothing else there: "physiotherapists (physical
# therapists)". When one names a subject and the other is used as a noun too, they name the same work.
_GLOSS = re.compile(r"\b((?:\p{L}[\p{L}-]*\s+){0,2}\p{L}[\p{L}-]*)\s+\(((?:\p{L}[\p{L}-]*\s+){0,2}\p{L}[\p{L}-]*)\)")
MIN_CLIPPING = 4  # letters of a clipped form ("physio") and of what it leaves out ("therapist")
# A field and its worker share a stem ("accountancy"/"accountant", "plumbing"/"plumber", "nursing"/"nurse"): at
# least MIN_STEM letters, the worker's ending (-ant, -er, -ist, -ian) at most WORKER_ENDING letters after it and
# the field's (-ancy, -ing, -ation) at most FIELD_ENDING.
MIN_STEM, WORKER_ENDING, FIELD_ENDING = 4, 3, 5
MAX_SUBJECTS = 12
# The endings English gives a field of work ("nursing", "accountancy", "physiotherapy", "administration").
_FIELD_ENDING = re.compile(r"(?:ing|ancy|ency|y|ics|ation)$", re.I)
# A field's word in a name's place ("tax accounting", "data analysis", "project management"): a field's ending,
# not a verb's form ("managed") or a noun that merely starts alike ("office" of "officer").
_FIELD_WORD = re.compile(r"(?:ing|ancy|ency|y|ics|ation|ment|ance|ence|ism|sis)$", re.I)
# a copula and its article just before a name: what follows is what the clause's subject is ("… is a legal
# assistant", "… are a type of dental assistant")
_PREDICATE = re.compile(r"\b(?:is|are|was|were|be|being|been)\s+(?:(?:an?|the)\s+)?(?:(?:type|kind|form)\s+of\s+)?$", re.I)
# a clause that opens with an auxiliary verb, its subject left out ("…, but are also trained to…")
_ELLIPSIS = re.compile(r"^\s*(?:also\s+)?(?:are|is|was|were|can|could|may|must|will|would|should|do|does|did|have|has)\b",
                       re.I)
# between a name and a copula: a clause break or a relative pronoun ("legal assistants who are paralegals" speaks of
# both)
_BREAK_OR_RELATIVE = re.compile(r"[,.;!?]|\b(?:and|while|whereas|but|who|that|which)\b", re.I)
# a name the clause sets aside, not whom it speaks of ("Unlike hygienists, …", "compared with bookkeepers")
_SET_ASIDE = re.compile(r"\b(?:unlike|compared (?:with|to)|like|than|rather than|instead of)\s+(?:[\p{L}\p{N}'’-]+\s+){0,2}$",
                        re.I)
# A word in capitals that may be a name's initials ("FA", "FAs").
_INITIALS = re.compile(r"(?<![\w-])\p{Lu}{2,5}s?(?![\w-])")
_INITIALS_PLURAL = re.compile(r"(?<![\w-])(\p{Lu}{2,8})s?(?![\w-])(?!\s*\()")  # a glossary's abbreviation, unglossed
# An abbreviation defined beside its words, either way round: "the Civil Aviation Authority (CAA)", "CAA (Civil
# Aviation Authority)". Which of the words before the bracket are its own is told by their initials.
_DEFINED_AFTER = re.compile(r"((?:[\p{L}'’&-]+\s+){1,10})\((\p{Lu}{2,8})s?\)")
_DEFINED_BEFORE = re.compile(r"(?<![\w-])(\p{Lu}{2,8})s?\s+\(([\p{L}'’&\s-]{5,100})\)")


def _plural(word: str) -> str:
    if word.endswith("y") and len(word) > 2 and word[-2] not in "aeiou":
        return word[:-1] + "ies"
    if word.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    return word + "s"


@dataclass
class Subjects:
    """Canonical subject name -> its variants (lower case, singular). Matching is case-insensitive."""

    variants: dict[str, list[str]] = field(default_factory=dict)
    display: dict[str, str] = field(default_factory=dict)  # subject -> as the documents write it ("UX designer")
    # the subjects a title or heading names: what the store is about ("bank", named only in running text, is not)
    headed: list[str] = field(default_factory=list)
    # the store's abbreviations that name no subject, as written -> the words the text defines them by
    glossary: dict[str, str] = field(default_factory=dict)
    # subject -> its name's field as the text writes it ("data analysis" for "data analyst"): a mention of the
    # subject where no name is near (what "data analysis roles" pay is a data analyst's pay), never one of its names
    fields: dict[str, list[str]] = field(default_factory=dict)

    # ---------------------------------------------------------------- matching
    @cached_property
    def _forms(self) -> dict[str, str]:
        """Every form that names a subject, its words one space apart -> the subject: names and variants, singular
        and plural, and then the fields (:attr:`fields`), which never take a name's place."""
        forms: dict[str, str] = {}
        for name, names in self.variants.items():
            for v in {name, *names}:
                words = re.split(r"[\s-]+", v)  # "full-stack developer" is matched as "full stack developer"
                forms[" ".join(words)] = name
                forms[" ".join([*words[:-1], _plural(words[-1])])] = name
        for name, named in self.fields.items():
            for f in named:
                forms.setdefault(f, name)
        return forms

    @cached_property
    def _field_forms(self) -> frozenset[str]:
        return frozenset(f for named in self.fields.values() for f in named if self._forms.get(f) is not None) - {
            " ".join(re.split(r"[\s-]+", v)) for name, names in self.variants.items() for v in {name, *names}}

    @cached_property
    def _pattern(self) -> re.Pattern | None:
        return self._compiled(self._forms)

    @cached_property
    def _name_pattern(self) -> re.Pattern | None:
        return self._compiled({f: s for f, s in self._forms.items() if f not in self._field_forms})

    @staticmethod
    def _compiled(forms: dict[str, str]) -> re.Pattern | None:
        if not forms:
            return None
        alternatives = sorted(forms, key=len, reverse=True)
        body = "|".join(r"[\s-]+".join(re.escape(w) for w in a.split()) for a in alternatives)
        return re.compile(r"(?<![\w-])(" + body + r")(?:'s|')?(?![\w-])", re.I)

    def _subject_of(self, matched: str) -> str:
        return self._forms[" ".join(re.split(r"[\s-]+", matched.lower()))]

    def mentions(self, text: str, fields: bool = True) -> list[tuple[int, int, str]]:
        """(start, end, subject) of every mention, longest variant first.

        ``fields``: in a clause that names no subject by name, a field named after one ("data analysis roles
        grew 45%") is a mention of it; beside a name, a field is what that one does ("accountants who learn data
        analysis earn…"). Not for a claim's comparisons, where "data analysis is the better fit for you" weighs
        the person's fit, not what a source compares."""
        pattern = self._pattern if fields else self._name_pattern
        if pattern is None:
            return []
        matches = list(pattern.finditer(text))
        found = [(m.start(), m.end(), self._subject_of(m.group(1))) for m in matches]
        if not fields or not self._field_forms:
            return found
        is_field = [" ".join(re.split(r"[\s-]+", m.group(1).lower())) in self._field_forms for m in matches]
        named = [a for (a, _, _), f in zip(found, is_field) if not f]

        def beside_a_name(position: int) -> bool:  # in its clause
            first, last = sentence_span(text, position)
            breaks = [first, *(first + b.end() for b in self._CLAUSE_BREAK.finditer(text[first:last])), last]
            start = max(b for b in breaks if b <= position)
            end = min((b for b in breaks if b > position), default=last)
            return any(start <= a < end for a in named)

        return [m for m, f in zip(found, is_field) if not f or not beside_a_name(m[0])]

    def normalize(self, text: str) -> str:
        """The text with every variant replaced by its subject's name ("CPAs" -> "certified public accountant");
        a field stays as written."""
        if self._name_pattern is None:
            return text
        return self._name_pattern.sub(lambda m: self._subject_of(m.group(1)), text)

    def find(self, text: str) -> set[str]:
        return {s for _, _, s in self.mentions(text)}

    def named_by(self, phrase: str, initials: bool = True) -> set[str]:
        """The subjects a short phrase the person wrote names, the phrase being nothing but that name: the name
        or a variant ("an OT"), the initials of a name ("FA" for "financial analyst"), or the name's field
        ("accountancy", "financial analysis": each word of the phrase is a word of the name or, for its last
        word, shares that word's stem). A field two subjects share ("accounting") names both."""
        phrase = re.sub(r"^(?:an?|the)\s+", "", phrase.strip(), flags=re.I)
        whole = {s for start, end, s in self.mentions(phrase) if start == 0 and end == len(phrase)}
        if whole or not phrase:
            return whole
        # words as a name's are split ("full-stack development"), a possessive's ending dropped ("accountancy's")
        said = [re.sub(r"['’]s?$", "", w) for w in re.split(r"[\s-]+", phrase) if _WORD.match(w)]
        found = self.by_initials(said[0]) if initials and len(said) == 1 else set()
        words = [fold(w) for w in said]
        for subject, names in self.variants.items():
            for name in {subject, *names}:
                parts = [fold(p) for p in re.split(r"[\s-]+", name)]
                if words and _same_stem(words[-1], parts[-1]) and all(w in parts[:-1] for w in words[:-1]):
                    found.add(subject)
        return found

    def named_in(self, text: str) -> list[tuple[int, int, set[str]]]:
        """(start, end, subjects) of where a text the person wrote names the store's careers: their names and
        variants; else a field of two or three words ("physical therapy", "financial analysis") or of one with a
        field's ending ("nursing", "accountancy"; not "account" or "design"), a name's last word alone
        ("accountants" where the store's names are "chartered accountant" and "certified public accountant") or a
        name's initials ("FAs"; not "PM" after a time)."""
        # a career the store is about: "bank" or "analyst job", met in running text, are not named by "job"
        careers = set(self.careers)
        found = [(start, end, {subject}) for start, end, subject in self.mentions(text) if subject in careers]
        if found or not self:
            return found
        words = list(_WORD.finditer(text))
        i = 0
        while i < len(words):
            for n in (3, 2, 1):  # the longest phrase that names one: "physical therapy" before "therapy"
                if i + n > len(words) or (n > 1 and words[i].group(0).lower() in ("a", "an", "the")):
                    continue  # past the end; a field's words are its own ("the design" is no designer)
                start, end = words[i].start(), words[i + n - 1].end()
                if n > 1:
                    named = self.named_by(text[start:end], initials=False)
                else:
                    after_a_number = bool(re.search(r"\d\s*$", text[:start]))  # "6 PM"
                    word = text[start:end]
                    named = self.by_head(word) or (set() if after_a_number else self.by_initials(word)) or (
                        self.named_by(word, initials=False) if _FIELD_ENDING.search(word) else set())
                named &= careers
                if named:
                    found.append((start, end, named))
                    i += n - 1
                    break
            i += 1
        return found

    def named_among(self, text: str, among: Iterable[str]) -> set[str]:
        """The subjects of ``among`` a text names: by name or variant, or by a name's last word alone outside
        any name, where it fits one of ``among`` only ("accountants", weighing a certified public accountant
        against a financial analyst, though the store names chartered accountants too)."""
        among = set(among)
        found = self.mentions(text)
        named = ({s for _, _, s in found} | self._elided(text, found)) & among
        for m in _WORD.finditer(text):
            if not any(start <= m.start() < end for start, end, _ in found):
                heads = self.by_head(m.group(0)) & among
                if len(heads) == 1:
                    named |= heads
        return named

    def _elided(self, text: str, found: list[tuple[int, int, str]]) -> set[str]:
        """The subjects named with a shared last word left out ("sound and lighting technicians", "sound/lighting
        technicians": the sound technician too): a word joined to a name of two or more words by "and", "or", "/"
        or "&", that takes the place of the name's first word or words to make another subject's name."""
        out = set()
        for start, end, _ in found:
            words = re.split(r"[\s-]+", text[start:end].strip())
            before = _JOINED.search(text[:start])
            for k in range(1, len(words)) if before else ():
                spelled = " ".join([before.group(1), *words[k:]])
                out |= {s for a, b, s in self.mentions(spelled) if a == 0 and b == len(spelled)}
        return out

    def by_head(self, word: str) -> set[str]:
        """The subjects whose name ends in ``word``, singular or plural ("accountants": every accountant)."""
        said = {fold(w) for w in [word.lower(), *_singulars(word.lower())]}
        return {subject for subject, names in self.variants.items() for name in {subject, *names}
                if fold(re.split(r"[\s-]+", name)[-1]) in said}

    def as_plural(self, word: str) -> str | None:
        """A name's last word as the person wrote it, in the plural ("accountant" -> "accountants": every kind
        of accountant the store names), or None when ``word`` is no name's last word."""
        if not self.by_head(word):
            return None
        return word if _singulars(word.lower()) else _plural(word)

    def by_initials(self, word: str) -> set[str]:
        """The subjects whose name of two or more words has ``word``, in capitals, for its initials ("FA" and
        "FAs" for "financial analyst")."""
        letters = word.removesuffix("s")
        if len(letters) < 2 or not letters.isupper():
            return set()
        return {subject for subject, names in self.variants.items() for name in {subject, *names}
                if len(parts := re.split(r"[\s-]+", name)) >= 2
                and "".join(fold(p)[0] for p in parts) == fold(letters).lower()}

    def spell_out(self, text: str, initials: bool = False, glossary: bool = False) -> str:
        """The text with every shorter form of a subject written in its longest ("CPAs" -> "certified public
        accountants", "a CPA's" -> "a certified public accountant's"), plural and possessive kept:
        the embedding model knows the words far better than the abbreviation. A glossed name may be the longest
        ("physiotherapist" -> "physical therapist"): kept so, since on corpora/dev-therapy the spelled-out
        question found one more fact than the name as written. Other text is unchanged.

        ``initials``: also the initials of one subject's name, though no passage writes them ("an FA"): for what
        the person wrote. A passage's capitals keep their own meaning ("CT" after a translator's name, "CA" for
        California), and its abbreviations are the store's variants already.

        ``glossary``: the store's other abbreviations are followed by the words it defines them by ("the ATPL
        (airline transport pilot licence)"), for the gate, which asks whether the store speaks of what a person
        wrote. Retrieval and ranking keep the abbreviation alone: spelled out, "ADL" found passages about daily
        life instead of the one defining it (dev-therapy)."""
        if self._pattern is None:
            return self._spell_glossary(text) if glossary else text

        def spelled_initials(m: re.Match) -> str:
            named = self.by_initials(m.group(0))
            if len(named) != 1:
                return m.group(0)
            subject = next(iter(named))
            words = max([subject, *self.variants.get(subject, [])], key=len).split()
            return " ".join([*words[:-1], _plural(words[-1]) if m.group(0).endswith("s") else words[-1]])

        def longest(m: re.Match) -> str:
            subject = self._subject_of(m.group(1))
            full = max([subject, *self.variants.get(subject, [])], key=len)
            said = " ".join(re.split(r"[\s-]+", m.group(1).lower()))
            if said in self.fields.get(subject, ()):  # a field, no worker: as written
                return m.group(0)
            if said in (full, " ".join([*full.split()[:-1], _plural(full.split()[-1])])):
                return m.group(0)
            plural = said not in {subject, *self.variants.get(subject, [])}
            words = full.split()
            return " ".join([*words[:-1], _plural(words[-1]) if plural else words[-1]]) + m.group(0)[len(m.group(1)):]

        text = self._pattern.sub(longest, _INITIALS.sub(spelled_initials, text) if initials else text)
        # the glossary last: "UX designer" is a subject's name before "UX" is a field's
        return self._spell_glossary(text) if glossary else text

    def _spell_glossary(self, text: str) -> str:
        """The store's abbreviations in the text, as written ("ATPLs"), followed by their words in brackets."""
        if not self.glossary:
            return text

        def spelled(m: re.Match) -> str:
            words = self.glossary.get(m.group(1))
            return f"{m.group(0)} ({words})" if words else m.group(0)

        return _INITIALS_PLURAL.sub(spelled, text)

    def __bool__(self) -> bool:
        return bool(self.variants)

    @property
    def headed_careers(self) -> list[str]:
        """The subjects a title or heading names, when two or more are ("bank" and "graduate", named only in
        running text, are not); else none: the headings do not say what the store is about."""
        return sorted(self.headed) if len(self.headed) >= 2 else []

    @property
    def careers(self) -> list[str]:
        """The careers the store is about: those its headings name, else all its subjects."""
        return self.headed_careers or sorted(self.variants)

    # ---------------------------------------------------------------- ties
    _CLAUSE_BREAK = re.compile(r"[,.!?](?=\s)|;|\band\b|\bwhile\b|\bwhereas\b|\bbut\b|\bcompared with\b|\bversus\b|\bvs\b")
    # where a sentence turns from one subject to another (also advisor/advice.py, reading a unit clause by clause)
    CONTRAST = re.compile(r";|\bwhile\b|\bwhereas\b|\bbut\b|\bcompared with\b|\bversus\b|\bvs\b|\bunlike\b")

    def near(self, text: str, position: int, window: int = 80) -> str | None:
        """The subject a figure at ``position`` is about: the one named in its clause, else the nearest (within
        ``window`` characters) named in its sentence, else the nearest.

        "£105k for one role and £75k for the other" binds each figure to the role in
        its own clause although the other may be closer in characters.
        """
        bracketed = [m.span() for m in re.finditer(r"\([^()]*\)", text)]  # "($96,000 versus $48,000)" is one
        starts = [0] + [m.end() for m in self._CLAUSE_BREAK.finditer(text)
                        if not any(a < m.start() < b for a, b in bracketed)] + [len(text)]
        start = max(s for s in starts if s <= position)
        end = min((s for s in starts if s > position), default=len(text))
        in_clause = self.find(text[start:end])
        if len(in_clause) == 1:
            return next(iter(in_clause))
        if len(in_clause) > 1:
            paired = self._in_order(text[start:end], position - start)
            if paired:
                return paired
        # Else the nearest within the window, in its own sentence when that names one ("For OTs the BLS gives
        # $96,370, or $46.33 per hour. A PT…": the hourly figure is the OTs', though the next sentence's PT is closer).
        mentions = self.mentions(text)
        first, last = sentence_span(text, position)
        own = [m for m in mentions if first <= m[0] < last]
        best, best_distance = None, window + 1
        for m_start, m_end, subject in own or mentions:
            distance = min(abs(m_start - position), abs(m_end - position))
            if distance < best_distance:
                best, best_distance = subject, distance
        return best

    def _in_order(self, clause: str, position: int) -> str | None:
        """In a clause that names its subjects first and then as many figures ("an auditor earns … more than a
        bookkeeper ($96,000 against $48,000)"), the figures are theirs in the same order: the one at ``position``
        is that of the subject named in its place, else None."""
        mentions = self.mentions(clause)
        order = list(dict.fromkeys(subject for _, _, subject in mentions))
        last = max(end for _, end, _ in mentions)
        after = [f.start for f in figures_in(clause) if f.start >= last]
        if len(order) < 2 or len(after) != len(order) or position not in after:
            return None
        # only a bracket straight after the last name, its figures set against each other ("($96,000 against
        # $48,000)"): not a range or a relative clause ("bookkeepers who earn $38,000 to $61,000")
        between = [clause[a:b] for a, b in zip(after, after[1:])]
        if not re.match(r"\s*\(\s*$", clause[last:after[0]]) or not all(
                re.search(r"\b(?:against|versus|vs|compared with)\b", part) for part in between):
            return None
        return order[after.index(position)]

    def clauses(self, text: str, kinds: bool = False) -> list[tuple[set[str], set[str]]]:
        """(subjects named, content words) of every clause naming a subject; contrasting clauses kept apart.

        ``kinds`` (for passages): in a clause naming no subject, a narrower kind of worker than one counts as one
        (:meth:`narrower_kinds`: "CDAs" of "DAs", dental assistants); a subject named as what the first one is,
        with no break or relative pronoun between them ("a paralegal is a legal assistant who…"), is not whom the
        clause speaks of; and a clause that opens with an auxiliary verb, naming no one, is about whom the last
        clause that named anyone names first, unless it set them aside ("CDAs share some duties with dental
        assistants, but are also trained to take X-rays": CDAs are; "Unlike X, …" is not about X)."""
        out = []
        narrower = self.narrower_kinds(text) if kinds else {}
        for sentence in split_sentences(strip_citations(text)) or [text]:
            first: set[str] = set()
            for clause in self.CONTRAST.split(sentence):
                named = sorted([(start, subject) for start, _, subject in self.mentions(clause)]
                               + [(m.start(), kind) for kind, pattern in narrower.items()
                                  for m in pattern.finditer(clause)])
                # what a clause says is said of whom it names, not of what it says they are ("A paralegal is a
                # legal assistant … who can draft contracts": not said of legal assistants)
                said_of = [(start, subject) for start, subject in named
                           if not (kinds and start > named[0][0] and _PREDICATE.search(clause[:start])
                                   and not _BREAK_OR_RELATIVE.search(clause[named[0][0]:start]))]
                found = {subject for _, subject in said_of if not subject.startswith("~")} or \
                    {subject for _, subject in said_of}
                if kinds and not found and first and _ELLIPSIS.match(clause) and len(content_words(clause)) >= 2:
                    found = first
                if found:
                    out.append((found, content_words(self._strip(clause))))
                # the first named that the clause does not set aside ("Unlike hygienists, assistants…")
                own = [subject for start, subject in named if not _SET_ASIDE.search(clause[:start])]
                first = {own[0]} if own else first
        return out

    def narrower_kinds(self, text: str) -> dict[str, re.Pattern]:
        """Abbreviations the text writes in the plural that end with a subject's initials or short form and are
        longer ("CDAs" where "DA" is a dental assistant's): another, narrower kind of worker than the subject,
        named "~CDA~dental assistant" (the kind, then the subject it is narrower than), with the pattern that
        finds it. (An association's initials, never written in the plural, name no kind of worker.)"""
        found = {}
        for m in _INITIALS.finditer(text):
            letters = m.group(0).removesuffix("s")
            ends = (self.find(letters[k:]) or self.by_initials(letters[k:]) for k in range(1, len(letters) - 1))
            broader = next((named for named in ends if named), set())
            if m.group(0).endswith("s") and not self.find(m.group(0)) and not self.by_initials(m.group(0)) \
                    and len(broader) == 1:
                found[f"~{letters}~{next(iter(broader))}"] = re.compile(rf"(?<![\w-]){letters}s?(?![\w-])")
        return found

    def _strip(self, text: str) -> str:
        return self._pattern.sub(" ", text) if self._pattern is not None else text

    def swapped(self, sentence: str, context_clauses: list[tuple[set[str], set[str]]], unless_own: bool = False
                ) -> bool:
        """Does a clause say of one subject what the context says only of another? ``unless_own`` (for a wide
        context, every passage at hand): not when a context clause about its own subject shares half as many of
        its words as the closest one ("Chefs need strong knife skills" beside "Chefs need knife work…" and
        "Sommeliers need strong tasting skills")."""
        for found, words in self.clauses(sentence):
            if len(found) != 1 or len(words) < 2:
                continue
            # a narrower kind's clause speaks against its broader subject only ("CDAs" against "DAs", not hygienists)
            subject = next(iter(found))
            overlaps = [len(words & other) if not all(s.startswith("~") and not s.endswith(f"~{subject}")
                                                      for s in named) else 0
                        for named, other in context_clauses]
            best = max(overlaps, default=0)
            enough = max(2, 0.4 * len(words))
            if best < enough or unless_own and any(
                    2 * o >= best and subject in named for (named, _), o in zip(context_clauses, overlaps)):
                continue
            closest = set().union(*(s for (s, _), o in zip(context_clauses, overlaps) if o == best))
            if not found & closest:
                return True
        return False

    # ---------------------------------------------------------------- storage
    def to_json(self) -> str:
        return json.dumps({"variants": self.variants, "display": self.display, "headed": self.headed,
                           "glossary": self.glossary, "fields": self.fields}, sort_keys=True)

    @classmethod
    def from_json(cls, data: str | None) -> Subjects:
        if not data:
            return cls()
        loaded = json.loads(data)
        return cls(loaded.get("variants", {}), loaded.get("display", {}), loaded.get("headed", []),
                   loaded.get("glossary", {}), loaded.get("fields", {}))

    def name(self, subject: str) -> str:
        """The subject as the documents write it ("UX designer")."""
        return self.display.get(subject, subject)

    def label(self, subject: str) -> str:
        """A readable plural for messages ("UX designers")."""
        words = self.name(subject).split()
        return " ".join([*words[:-1], _plural(words[-1])])

    def with_article(self, subject: str) -> str:
        """The subject with its article, by how it sounds: "a UX designer", "an HR manager"."""
        written = self.name(subject)
        first = written.split()[0]
        vowel_sound = first[0].lower() in "aeio" or (first.isupper() and first[0] in "AEFHILMNORSX") \
            or (first[0].lower() == "u" and not first.isupper())
        return f"{'an' if vowel_sound else 'a'} {written}"


# ---------------------------------------------------------------- discovery


def _same_stem(word: str, worker: str) -> bool:
    """Is ``word`` the name of the field ``worker`` works in, or the worker itself ("accountancy", "accounting"
    and "accountants" for "accountant"; "analysis" for "analyst")?"""
    shared = len(os.path.commonprefix([word, worker]))
    return shared >= MIN_STEM and len(worker) - shared <= WORKER_ENDING and len(word) - shared <= FIELD_ENDING


def _singulars(word: str) -> list[str]:
    """The words whose plural ``word`` is ("therapists" -> ["therapist"], "salaries" -> ["salary"])."""
    return [c for c in (word[:-1], word[:-2], word[:-3] + "y") if c and _plural(c) == word]


def _singular(phrase: str) -> str:
    """The phrase with its last word in the singular ("occupational therapists" -> "occupational therapist")."""
    words = phrase.split()
    found = _singulars(words[-1])
    return " ".join([*words[:-1], found[0]]) if found else phrase


def _words(text: str) -> list[tuple[str, int, int]]:
    return [(m.group(0), m.start(), m.end()) for m in _WORD.finditer(text)]


def find_subjects(documents: Iterable[tuple[str, str]]) -> Subjects:
    """Subjects of a corpus from ``(headings, text)`` pairs (a document's title and headings, its body)."""
    docs = list(documents)
    singular_after_article: Counter = Counter()
    plural: Counter = Counter()
    role_context: Counter = Counter()
    in_heading: set[str] = set()
    doc_count: Counter = Counter()
    shown: dict[str, Counter] = defaultdict(Counter)  # phrase -> how its modifiers were written
    abbreviations: dict[str, Counter] = defaultdict(Counter)
    glosses: set[tuple[str, str]] = set()

    vocabulary = Counter(w.lower() for _, text in docs for w, _, _ in _words(text))

    for headings, body in docs:
        seen_here: set[str] = set()
        heading_text = (headings + "\n" + "\n".join(_HEADINGISH.findall(body))).lower()
        # A title is read like the text: "How to become a physiotherapist" is as much a role context as any.
        text = f"{headings}\n\n{body}" if headings else body
        in_body = len(text) - len(body)
        for m in _ABBREVIATION.finditer(text):
            abbreviation, expansion = m.group(2), m.group(1).lower()
            if abbreviation.endswith("s") and abbreviation[:-1].isupper():  # "occupational therapists (OTs)"
                abbreviation, expansion = abbreviation[:-1], _singular(expansion)
            abbreviations[abbreviation.lower()][expansion] += 1
        for m in _GLOSS.finditer(text):
            if not m.group(2)[:1].islower():  # "(APRNs)", "(Zürich)": an abbreviation or a name, not a gloss
                continue
            before = m.group(1).lower().split()
            for k in range(len(before)):  # the phrase before the bracket may be its last one, two or three words
                glosses.add((_singular(" ".join(before[k:])), _singular(m.group(2).lower())))
        words = _words(text)
        lower = [w.lower() for w, _, _ in words]
        for i in range(len(words)):
            for n in (1, 2, 3):
                if i + n > len(words):
                    break
                gram = lower[i : i + n]
                if any(g in STOPWORDS or len(g) < 2 for g in gram):
                    continue
                # Words of a phrase are adjacent in the text (a space or hyphen apart).
                if any(words[i + k + 1][1] - words[i + k][2] > 1 for k in range(n - 1)):
                    continue
                head = gram[-1]
                base = None
                if vocabulary.get(_plural(head)) and not head.endswith("s"):
                    base = head
                elif head.endswith("s"):
                    base = next((c for c in _singulars(head) if vocabulary.get(c)), None)
                if base is None:
                    continue
                phrase = " ".join([*gram[:-1], base])
                is_plural = base != head
                before = text[max(0, words[i][1] - 40) : words[i][1]]
                after = text[words[i + n - 1][2] : words[i + n - 1][2] + 30]
                if is_plural:
                    plural[phrase] += 1
                elif re.search(r"\ban?\s+$", before, re.I):
                    singular_after_article[phrase] += 1
                if _ROLE_CONTEXT_BEFORE.search(before) or _ROLE_CONTEXT_AFTER.match(after):
                    role_context[phrase] += 1
                if words[i][1] >= in_body:  # as the text writes it, not a title's capitals
                    shown[phrase][" ".join(w for w, _, _ in words[i : i + n - 1])] += 1
                seen_here.add(phrase)
        for phrase in seen_here:
            doc_count[phrase] += 1
            if re.search(r"(?<![\w-])" + re.escape(phrase) + r"|" + re.escape(_plural(phrase)), heading_text):
                in_heading.add(phrase)

    # Variants first, so that their evidence adds up: an abbreviation defined in the text whose letters
    # are a phrase's initials ("certified public accountant (CPA)"), and a phrase whose modifier is written as the
    # initials of another's ("UX designer" for "user experience designer").
    phrases = set(plural) | set(singular_after_article)
    alias: dict[str, str] = {}
    for abbr, expansions in abbreviations.items():
        for p in phrases:
            words = re.split(r"[\s-]+", p)
            if len(words) >= 2 and "".join(w[0] for w in words) == abbr and abbr in phrases and any(
                    re.sub(r"-", " ", e).endswith(" ".join(words)) for e in expansions):
                alias[abbr] = p
    for p in phrases:
        words = p.split()
        written = shown[p].most_common(1)[0][0] if shown[p] else ""
        if len(words) != 2 or not (written.isupper() and 2 <= len(written) <= 5):
            continue
        for q in phrases:
            q_words = re.split(r"[\s-]+", q)
            if q != p and q_words[-1] == words[-1] and len(q_words) == len(written) + 1 \
                    and "".join(w[0] for w in q_words[:-1]) == words[0]:
                alias[q] = p
    for variant, subject in alias.items():
        for counter in (plural, singular_after_article, role_context):
            counter[subject] += counter[variant]
        doc_count[subject] = max(doc_count[subject], doc_count[variant])
        if variant in in_heading:
            in_heading.add(subject)

    def mass(p: str) -> int:
        return plural[p] + singular_after_article[p]

    def evidence(p: str) -> bool:
        needed = 2 if len(p.split()) == 1 else 1  # a single word needs more proof that it names a person's work
        return (singular_after_article[p] > 0 and plural[p] > 0 and role_context[p] >= needed
                and (p in in_heading or doc_count[p] >= 2) and mass(p) >= 3)

    candidates = {p for p in plural if p not in alias and evidence(p)}
    # A one-word candidate inside a longer one ("accountant" in "tax accountant") is too vague to protect;
    # a longer phrase that extends a candidate ("senior tax accountant") is that candidate.
    # But a word inside one longer candidate only, as its last word, and used alone at least as often as in it, is
    # the career when the text writes the longer one as a title, its words capitalised mid-sentence ("Master
    # Sommelier" beside "sommelier": a rank of it, one of its variants). Not "event" beside "event planner", nor
    # "pilot" beside "airline pilot" or "worker" beside "social worker": kinds, written in lower case.
    ranks: dict[str, str] = {}
    for p in candidates:
        longer = [q for q in candidates if q != p and p in q.split()]
        written = shown[longer[0]].most_common(1)[0][0] if len(longer) == 1 and shown[longer[0]] else ""
        if (len(p.split()) == 1 and len(longer) == 1 and longer[0].split()[-1] == p
                and mass(p) - mass(longer[0]) >= mass(longer[0]) and written and _capitalised(written.split())
                and not written.isupper()):
            ranks[longer[0]] = p
    candidates = {p for p in candidates if p not in ranks and (
        len(p.split()) > 1 or p in ranks.values() or not any(p in q.split() for q in candidates if q != p))}
    candidates = {p for p in candidates if not any(q != p and p.endswith(" " + q) and len(q.split()) > 1 for q in candidates)}
    variants: dict[str, set[str]] = {p: {v for v, s in [*alias.items(), *ranks.items()] if s == p}
                                     for p in candidates}
    for rank, subject in ranks.items():
        if rank in in_heading:
            in_heading.add(subject)
    # Another name for a subject, glossed beside it ("physiotherapists (physical therapists)", either way round),
    # when the two end alike (a "therapist" both) and it glosses no other subject: "electricians (apprentices)"
    # or "nurses (carers)… paramedics (carers)" give no variant.
    glossed: dict[str, set[str]] = defaultdict(set)
    for first, second in glosses:
        for subject, other in ((first, second), (second, first)):
            head, other_head = subject.split()[-1], other.split()[-1]
            if (subject in variants and other in phrases and other not in candidates and other != subject
                    and (head.endswith(other_head) or other_head.endswith(head))
                    and not any(other in c.split() for c in candidates)):  # "therapist" is every therapist
                glossed[other].add(subject)
    for other, named in glossed.items():
        if len(named) == 1:
            variants[next(iter(named))].add(other)

    def named_in_a_heading(word: str) -> bool:  # as a whole word ("stock" does not name "stockbroker")
        whole = re.compile(rf"(?<![\w-]){re.escape(word)}s?(?![\w-])", re.I)
        return any(whole.search(headings) or any(whole.search(h) for h in _HEADINGISH.findall(body))
                   for headings, body in docs)

    # A clipped compound: "physio" for "physiotherapist", when the text uses "a physio" and "physios", names it in
    # a title or heading or where work is talked of, and the part left out ("therapist") is a noun of the text
    # too. A word that merely starts the same ("account" in "accountant") leaves no such noun; an everyday one
    # ("stock" in "stockbroker") is not named as a person's work.
    for subject in candidates:
        if len(subject.split()) != 1:
            continue
        for cut in range(MIN_CLIPPING, len(subject) - MIN_CLIPPING + 1):
            clipped, rest = subject[:cut], subject[cut:]
            if (singular_after_article[clipped] and plural[clipped] and vocabulary.get(rest)
                    and vocabulary.get(_plural(rest)) and clipped not in candidates
                    and (role_context[clipped] or named_in_a_heading(clipped))):
                variants[subject].add(clipped)
    # An initialism of a subject's name, or of a variant's, used as a noun though no bracket defines it: of a
    # glossed name wherever it is a noun ("PTs" for "physical therapist"), of any other where work is talked of
    # ("as a BA" for "business analyst", not "a BA degree"). One two subjects share is neither's.
    initialisms: dict[str, set[str]] = defaultdict(set)
    from_gloss: set[str] = set()
    for subject in candidates:
        for name in {subject, *variants[subject]}:
            words = re.split(r"[\s-]+", name)
            if len(words) >= 2:
                letters = "".join(w[0] for w in words).upper()
                initialisms[letters].add(subject)
                if name in glossed:
                    from_gloss.add(letters)
    for letters, named in initialisms.items():
        if len(named) != 1 or letters.lower() in candidates:
            continue
        used = re.compile(rf"(?<![\w-])(?:{re.escape(letters)}s|(?i:an?)\s+{re.escape(letters)})(?![\w-])")
        for _, body in docs:
            if any(letters in from_gloss or _ROLE_CONTEXT_BEFORE.search(body[max(0, m.start() - 40):m.start()])
                   or _ROLE_CONTEXT_AFTER.match(body[m.end():m.end() + 30])
                   for m in used.finditer(body)):
                variants[next(iter(named))].add(letters.lower())
                break

    ranked = sorted(variants, key=lambda p: (-(p in in_heading), -doc_count[p], -mass(p)))[:MAX_SUBJECTS]
    display = {p: _written(shown[p].most_common(1)[0][0], p.split()[-1]) if shown[p] else p for p in ranked}
    found = Subjects({p: sorted(variants[p] - {p}) for p in sorted(ranked)}, display,
                     sorted(p for p in ranked if p in in_heading))
    found.glossary = {a: words for a, words in glossary(text for _, text in docs).items() if not found.find(a)}
    return Subjects(found.variants, found.display, found.headed, found.glossary,
                    fields_of(found, [text for _, text in docs]))


def _written(modifiers: str, head: str) -> str:
    """A subject as the documents write it: its modifiers as written, and its head capitalised after two or more
    capitalised words ("Certified Public Accountant", not "Certified Public accountant"); not after initials ("UX
    designer"), nor after one word, which a sentence's start may have capitalised ("Licensed plumbers…")."""
    words = modifiers.split()
    titled = len(words) >= 2 and all(w[:1].isupper() and not w.isupper() for w in words)
    return " ".join([*words, head[:1].upper() + head[1:] if titled else head])


def fields_of(subjects: Subjects, texts: Sequence[str]) -> dict[str, list[str]]:
    """Each subject's field as the texts write it: a name of two or more words with its last word turned into
    the field's ("data analysis", "physical therapy", "pastry cooking"; :func:`_same_stem`, :data:`_FIELD_WORD`), its
    other words kept.
    A one-word name's field ("nursing") is left out, often naming another subject's work as well; so is a
    field two subjects would share or one that is a name itself."""
    text = "\n".join(texts)
    found: dict[str, set[str]] = defaultdict(set)
    for subject, names in subjects.variants.items():
        for name in {subject, *names}:
            words = name.split()
            if len(words) < 2:
                continue
            lead = r"[\s-]+".join(re.escape(w) for w in words[:-1])
            for m in re.finditer(rf"(?<![\w-]){lead}[\s-]+(\p{{L}}+)(?![\w-])", text, re.I):
                said = m.group(1).lower()
                if said not in (words[-1], _plural(words[-1])) and _FIELD_WORD.search(said) \
                        and _same_stem(fold(said), fold(words[-1])):
                    found[" ".join([*words[:-1], said])].add(subject)
    # a name that opens with the field's last word ("engineering manager") would be read as the field's
    opening = {re.split(r"[\s-]+", n)[0] for s, names in subjects.variants.items() for n in {s, *names}}
    out: dict[str, list[str]] = defaultdict(list)
    for phrase, named in sorted(found.items()):
        if len(named) == 1 and not subjects.find(phrase) and phrase.split()[-1] not in opening:
            out[next(iter(named))].append(phrase)
    return dict(out)


def _initials_match(words: list[str], letters: str) -> bool:
    """Do the words' initials spell the letters, with or without accents (small words such as "of", "de" and "&"
    may be passed over, a hyphenated word gives the initials of its parts, an elided article is passed over)?"""
    letters = fold(letters)
    options = []  # per word: the initials it may spell, and whether it may be passed over
    for k, word in enumerate(words):
        parts = [fold(p[0]) for p in word.split("-") if p]
        elided = re.sub(r"^\p{L}{1,4}['’]", "", word)  # "l'aviation", "dell'arte": the word after the elision
        spelled = {"".join(parts), fold(word[:1]), fold(elided[:1])} - {""}
        options.append((spelled, k > 0 and is_glue(word)))
    reachable = {0}  # letters spelled so far, after each word in turn
    for spelled, glue in options:
        reachable = {at + len(s) for at in reachable for s in spelled if letters.startswith(s, at)} | \
            (reachable if glue else set())
        if not reachable:
            return False
    return len(letters) in reachable


def glossary(texts: Iterable[str]) -> dict[str, str]:
    """Abbreviation (as written) -> the words the texts define it by most often, when those words' initials spell
    it: "Airline Transport Pilot Licence (ATPL)" -> {"ATPL": "airline transport pilot licence"}."""
    defined: dict[str, Counter] = defaultdict(Counter)
    for text in texts:
        for m in _DEFINED_AFTER.finditer(text):
            words, letters = m.group(1).split(), m.group(2)
            for start in range(len(words) - 1, -1, -1):  # the shortest run of words before the bracket that spells it
                if _initials_match(words[start:], letters):
                    if len(letters) > 2 or _capitalised(words[start:]):
                        defined[letters][" ".join(words[start:]).lower()] += 1
                    break
        for m in _DEFINED_BEFORE.finditer(text):
            letters, words = m.group(1), m.group(2).split()
            if _initials_match(words, letters) and (len(letters) > 2 or _capitalised(words)):
                defined[letters][" ".join(words).lower()] += 1
    return {letters: counts.most_common(1)[0][0] for letters, counts in defined.items()}


def _capitalised(words: list[str]) -> bool:
    """Are the words that spell an abbreviation written with capitals ("Public Relations")? Two letters are too
    often the initials of any two words ("about it (AI)") to be trusted otherwise."""
    return all(w[:1].isupper() for w in words if not is_glue(w))


def headings_and_text(records: Sequence[tuple[str, dict]]) -> list[tuple[str, str]]:
    """Group stored passages into ``(headings, text)`` per source for :func:`find_subjects`."""
    by_source: dict[str, list[tuple[int, str, dict]]] = defaultdict(list)
    for text, meta in records:
        by_source[meta.get("source", "")].append((int(meta.get("chunk_index", 0)), text, meta))
    out = []
    for parts in by_source.values():
        parts.sort(key=lambda p: p[0])
        headings = {p[2].get("title", "") for p in parts} | {p[2].get("section", "") for p in parts}
        out.append(("\n".join(h for h in headings if h), "\n\n".join(p[1] for p in parts)))
    return out
