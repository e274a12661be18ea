"""Advice for the person who asked: which of the store's careers what they say of themselves points to.

An advice question describes the asker ("I can't stand heights and like fixing things", or the page's
About-you box) and asks which career suits them. Each thing they say of themselves (a trait) is looked up
on its own: the store's passages found for it join the answer's, and their units are each tied to the one
career they name (in their sentences, else in their heading). A trait points to the career of the unit
closest to it; a dislike ("I don't want graduate school") points away. The traits' margins add up: the
answer opens with the career they point to, or says that it depends and on what, when they point both ways
or the store says nothing of them. The unit quoted as evidence is the one closest to the trait that counts
for that career (a unit that states the dislike too — "If you'd rather not…" — counts for its own); when
the traits point nowhere, it is the passage nearest to one of them, under an opening that says the sources
tie what the person describes to neither career alone.

The opening is the advisor's own reading of the passages it cites, shown as such; the passages follow it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import regex as re
from langchain_core.documents import Document

from advisor.figures import asks_about_pay
from advisor.gate import wants_a_role
from advisor.grounding import Grounder, negated
from advisor.lexicon import compares
from advisor.selection import asks_number, heading_of, next_in_item, passage_units
from advisor.subjects import Subjects
from advisor.text import content_words, split_sentences

# English grammar, not any field's vocabulary: who is speaking, what asks for a choice, what turns a trait
# into a dislike, and where a clause about the asker starts inside a question.
# "i" as typed in haste too, though not "i.e." or a list's "(i)"
_FIRST_PERSON = re.compile(r"\b(?:I|(?<![(.])i(?![.)])|[Ii]['’](?:m|d|ve|ll)|(?i:me|my|myself|mine))\b")
_ASKS_CHOICE = re.compile(
    r"\bwhich (?:one|of)\b|\bwhich (?:\w+ ){0,2}?(?:roles?|careers?|paths?|jobs?|trades?|professions?|options?|fields?|"
    r"directions?|routes?)\b|\b(?:whether|suits?|fits?|better fit|choose|pick|go for|lean|right for me|"
    r"for someone|decide|between|recommend|advise|suggest)\b|"
    r"\bshould I (?:re-?)?(?:become|be|go|choose|pick|aim|pursue|train|take|stay|switch|move)\b|"
    r"\bwhat (?:should|would|could) I (?:do|choose|pick|become|enjoy)\b", re.I)
# "What should I study…?", "Which kitchen course should I look at?": what the person should do next, asked by one
# who says what they are like, is a choice of path too (unless they say which role they want: "…to become a PT?")
_WHAT_SHOULD_I = re.compile(r"\b(?:what|which)\s+(?:[\p{L}'’-]+\s+){0,3}?(?:should|would|could)\s+I\s+\p{L}", re.I)
# An alternative question that is nothing else: "Physio or OT?", "Accountant or financial analyst for me?" (two
# short noun phrases joined by "or"; a question that opens with a verb or a question word asks something else).
_LEAD_IN = re.compile(r"^(?:so|then|and|or)\s*,?\s+", re.I)
# a short noun phrase, captured without its article
_PHRASE = r"(?:an?\s+|the\s+)?([\p{L}\p{N}'’-]+(?:\s+[\p{L}\p{N}'’-]+){0,2}?)"
_ALTERNATIVE = re.compile(rf"^{_PHRASE}\s+or\s+{_PHRASE}(?:\s+(?:for me|then))?\s*\?$", re.I)
_AVERSION = re.compile(r"\b(?:hate|hates|dislike|dislikes|avoid|avoiding|rather not|can['’]?t stand|not keen|"
                       r"tired of|fed up|afraid of|scared of|uncomfortable)\b", re.I)
# A trait's stance. What the person says they cannot do or do not want is a dislike ("I can't do nights", "I'm
# not sporty", "Not a morning person"); a negation inside what they want is not ("patients who come to me without
# a referral"), and a dislike they deny is a liking ("I don't mind long hours", "I'm not afraid of exams").
_NOT = (r"(?:not|never|cannot|no longer|(?:do|does|did|is|are|was|were|have|has|had|could|would|should)n['’]?t|"
        r"can['’]?t|won['’]?t|ain['’]?t)")
_REFUSED_BY_ME = re.compile(
    rf"\b(?:I|I['’]?(?:m|d|ve|ll)|we|we['’](?:re|d)|someone who|a person who|people who)\s+"
    rf"(?:[\p{{L}}'’]+\s+){{0,2}}?{_NOT}(?![\p{{L}}'’])|\b{_NOT}\s+(?:for me|my thing)\b|^(?:{_NOT}|no)\b", re.I)
_DENIED_DISLIKE = re.compile(
    rf"\b{_NOT}\s+(?:[\p{{L}}'’]+\s+)?(?:mind|object to|afraid|scared|put off|bothered|fussed)(?![\p{{L}}-])"
    rf"|\bcan['’]?t (?:wait|get enough)\b|\bno problem with\b", re.I)
# "I'd rather work in a prison than in a hospital gym": what follows "than" (or "instead of") is a dislike.
_RATHER_THAN = re.compile(r"\b(?:rather\b.*?\bthan|instead of)\s+", re.I)
_TRAIT_START = re.compile(r"\b(?:someone who|a person who|people who|if I|since I|as I|because I|given that I)\b",
                          re.I)
_QUESTION_BREAK = re.compile(r"\s*[,;:—–]\s*|\s+-\s+")
_INTERROGATIVE = re.compile(r"(?:(?:and|or|but|so)\s+)?(?:what|which|how|where|when|who|whom|why|should|would|could|"
                            r"can|do|does|did|is|are|am|will|shall)\b", re.I)
# (one group: a split keeps each break, so a "while" that only says when can be joined back)
_CLAUSE_BREAK = re.compile(r"([;,:]\s+|\s+(?:but|while|although|though|whereas)\s+)", re.I)
_AND = re.compile(r"\s+and\s+", re.I)
_LEADING_JOIN = re.compile(r"^(?:and|but|so|or)\s+", re.I)

# A unit less similar than this to a trait says nothing about it: a trait no unit reaches is passed over,
# and a career whose closest unit does not reach it scores as if it had none that close.
MIN_EVIDENCE = 0.3
# Summed margins below this: the traits do not settle it, and the answer says it depends. On the 90 tuning advice
# questions (evals/datasets/*-advice.yaml and the dev corpora's) 0.00: 60, 0.02: 61, 0.05: 56 open as labelled.
MIN_MARGIN = 0.02


@dataclass
class Pull:
    """Where one trait points: the career, by how much over the other, and the unit behind it (tied to
    ``unit_career``: the career itself for a liking, the other one for a dislike of what that unit says)."""

    career: str
    margin: float
    unit: int
    unit_career: str


@dataclass
class Advice:
    """What the person's traits point to: a career (a subject of the store) or ``None`` (it depends)."""

    career: str | None
    candidates: list[str]
    traits: list[str]
    pulls: dict[str, Pull] = field(default_factory=dict)  # trait -> where it points, for traits the store speaks of
    evidence: list[tuple[int, str]] = field(default_factory=list)  # (passage index, unit text) the opening reads
    opening: str = ""

    def weighing(self, career: str) -> str:
        """The trait that points to ``career`` by the widest margin ("" if none does)."""
        return max((t for t, p in self.pulls.items() if p.career == career), key=lambda t: self.pulls[t].margin,
                   default="")


def traits_of(question: str, about: str = "") -> list[str]:
    """What the person says of themselves: the About-you text, the question's statements in the first person,
    and a clause about the asker inside the question ("…for someone who hates heights?")."""
    stated: list[str] = [s for s in split_sentences(about, typed=True)] if about else []
    parts: list[str] = []
    asked: list[str] = []  # clauses about the asker inside the question sentence itself
    ask = ask_of(question)
    for sentence in split_sentences(question, typed=True):
        if not sentence.rstrip().endswith("?") and sentence != ask:
            if _FIRST_PERSON.search(sentence):
                parts.append(sentence)
            continue
        inner = _TRAIT_START.search(sentence)
        if inner:
            asked.append(sentence[inner.start():].rstrip("?"))
        # "I know Python and SQL and like building products — which role…?": a statement set off by a
        # comma, dash or semicolon, not itself a question ("…, and what should I learn first?")
        pieces = _QUESTION_BREAK.split(sentence.rstrip("?"))
        asked += [p for p in pieces if len(pieces) > 1 and _FIRST_PERSON.search(p) and not _ASKS_CHOICE.search(p)
                  and not _INTERROGATIVE.match(p.strip())]
    clauses = []
    for part, in_question in [*((p, False) for p in stated + parts), *((p, True) for p in asked)]:
        for clause in _clauses(part):
            # "I love maths and want to…" are two traits; "pipelines and optimisation are what I enjoy" is one
            pieces = _split_and(clause)
            if len(pieces) > 1 and _FIRST_PERSON.search(pieces[0]):
                clause_parts = pieces
            else:
                clause_parts = [clause]
            for piece in [p for part in clause_parts for p in _rather_than(part)]:
                piece = piece.strip(" .?!")
                about_me = _FIRST_PERSON.search(piece) or piece.lower().startswith("not ")  # "not hospitals"
                enough = len(content_words(piece)) >= (1 if about_me else 2)  # "I like numbers"
                if enough and not (in_question and _ASKS_CHOICE.search(piece)):
                    clauses.append(piece)
    return list(dict.fromkeys(clauses))


def _split_and(clause: str) -> list[str]:
    """The clause split at each "and", except one between a comparative and itself ("more and more interested",
    "better and better at": advisor.lexicon.compares) or between a word and itself that a word at most follows
    ("over and over", "again and again"; not "a desk job and job security matters to me", nor "I studied that
    and that made me want to teach", nor "something new and new challenges excite me")."""
    pieces = _AND.split(clause)
    joined = [pieces[0]]
    for piece in pieces[1:]:
        last, after = re.findall(r"\p{L}+", joined[-1])[-1:], re.findall(r"\p{L}+", piece)
        if last and after and last[0].lower() == after[0].lower() and (
                len(after) <= 2 or compares(last[0])):
            joined[-1] += " and " + piece
        else:
            joined.append(piece)
    return joined


def _clauses(part: str) -> list[str]:
    """The part split at its clause breaks, except a "while" that only says when ("I want to earn while I
    train": the clause after it names one thing and is not a trait of its own)."""
    pieces = _CLAUSE_BREAK.split(part)  # text, break, text, …
    clauses = [pieces[0]]
    for brk, piece in zip(pieces[1::2], pieces[2::2]):
        if brk.strip().lower() == "while" and len(content_words(piece)) < 2:
            clauses[-1] += brk + piece
        else:
            clauses.append(piece)
    return clauses


def _rather_than(clause: str) -> list[str]:
    """"I'd rather work in a prison than in a hospital gym" -> the liking and the dislike ("not in a hospital
    gym"); any other clause as it is."""
    m = _RATHER_THAN.search(clause)
    if not m or not clause[m.end():].strip():
        return [clause]
    said = m.group(0).lower()
    liking = clause[:m.start()] + (m.group(0)[:said.rfind("than")] if "than" in said else "")
    return [re.sub(r"\s+rather\s*$", "", liking.rstrip(), flags=re.I), "not " + clause[m.end():]]


def ask_of(question: str) -> str:
    """The sentence that asks (the last one ending in a question mark, else the last one), without what the
    person says before it."""
    sentences = split_sentences(question, typed=True) or [question]
    return ([s for s in sentences if s.rstrip().endswith("?")] or sentences)[-1]


def asking_part(question: str, about: str = "") -> str:
    """The sentence that asks, without what the person says of themselves in it ("I'm a welder, which suits
    me?" -> ", which suits me?"): their traits are premises, not what they ask about; a role they want to take
    ("I want to become a pharmacist") is what they ask about and stays."""
    ask = ask_of(question)
    for trait in sorted(traits_of(question, about), key=len, reverse=True):
        said = trait.removeprefix("not ") if trait.startswith("not ") and trait not in ask else trait  # "…than X"
        if not wants_a_role(said):
            ask = ask.replace(said, " ", 1)
    return ask


def asks_for_advice(question: str, about: str = "", subjects: Subjects | None = None) -> bool:
    """A question that asks which career suits the asker (or names two, or offers one of the store's careers
    against another: "Physio or OT?"), who says something of themselves."""
    ask = ask_of(question)
    named = set().union(*(n for _, _, n in subjects.named_in(ask))) if subjects is not None else set()
    # a short question about the asker that names no career ("What would I enjoy most?", "Where do I fit?")
    about_me = not named and bool(_FIRST_PERSON.search(ask)) and len(content_words(ask)) <= 1
    alternative = subjects is not None and _offers_a_career(ask, subjects)
    next_step = bool(_WHAT_SHOULD_I.search(ask)) and not wants_a_role(ask)
    choice = ((bool(_ASKS_CHOICE.search(ask)) or len(named) >= 2 or about_me or alternative or next_step)
              and not asks_about_pay(ask) and not asks_number(ask))
    return choice and bool(traits_of(question, about))


def _offers_a_career(ask: str, subjects: Subjects) -> bool:
    """A bare alternative question ("Physio or OT?", "So, accountancy or financial analysis for me?") of which
    one side names one of the store's careers and nothing else ("Auditor stressful or calm?" offers none)."""
    return any(_sides(ask, subjects))


def _sides(ask: str, subjects: Subjects) -> list[set[str]]:
    """The careers each side of a bare alternative question names (advisor.subjects.Subjects.named_by), or []
    when the question is not one."""
    bare = _LEAD_IN.sub("", ask.strip())
    alternative = _ALTERNATIVE.match(bare)
    if not alternative or _INTERROGATIVE.match(bare):
        return []
    return [subjects.named_by(side) for side in alternative.groups()]


def negative(text: str) -> bool:
    """Does a passage's unit state something as a dislike or a negation ("If you'd rather not…")?"""
    return negated(text) or bool(_AVERSION.search(text))


def against(trait: str) -> bool:
    """Is the trait a dislike of what it names (see _REFUSED_BY_ME)?"""
    if _DENIED_DISLIKE.search(trait):
        return False
    return bool(_REFUSED_BY_ME.search(trait) or _AVERSION.search(trait))


def candidates_of(question: str, docs: Sequence[Document], subjects: Subjects) -> list[str]:
    """The careers the person chooses between: those the question names when it names two or more (or the two
    sides of "Accountancy or FA?" name), else the store's two, else the two its passages' headings set side by
    side most often, else the two its passages for the question name most (one it names among them). A side
    that names two careers ("accounting") is the one the passages name more."""
    counts: dict[str, int] = {}
    for d in docs:
        for _, _, s in subjects.mentions(f"{heading_of(d)} {d.page_content}"):
            counts[s] = counts.get(s, 0) + 1

    def most_named(named: set[str]) -> str:  # the career of several the passages name most (then by name)
        return max(sorted(named), key=lambda s: counts.get(s, 0))

    sides = [most_named(side) for side in _sides(ask_of(question), subjects) if side]
    if len(sides) == 2 and sides[0] != sides[1]:
        return sorted(sides)
    # The careers a title or heading names are what the store is about: a subject named only in running text
    # ("professional exams", "a bank") is no career to choose (Subjects.named_in reads only those).
    main = set(subjects.careers)
    named = {most_named(n) for _, _, n in subjects.named_in(question)}
    if len(named) >= 2:
        return sorted(named)
    if len(main) == 2:
        return sorted(main)
    named |= set(sides) & main
    # A store of more than two careers: the two that the passages' titles and headings set side by side ("X or
    # Y: which suits you?") are the choice its articles weigh, most often among the passages found (with the one
    # the question names, if it names one; ties go to the pair the passages name more). A pair set side by side
    # once counts only when it holds the career the question or, failing that, the passages name most. Else the
    # two the passages name most.
    ranked = [s for s, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])) if s in main]
    compared = Counter(pair for d in docs if len(pair := tuple(sorted(subjects.named_among(heading_of(d), main)))) == 2
                       and set(named) <= set(pair))
    if compared:
        pair = max(sorted(compared), key=lambda p: (compared[p], sum(counts.get(s, 0) for s in p)))
        if compared[pair] >= 2 or named or ranked[:1] and ranked[0] in pair:
            return list(pair)
    # one named ("Would I make a good X?"): it and the career its passages weigh it against
    chosen = [*sorted(named, key=lambda s: (-counts.get(s, 0), s)), *(s for s in ranked if s not in named)][:2]
    return chosen if len(chosen) == 2 else []


def _tied(units: Sequence, docs: Sequence[Document], candidates: Sequence[str], subjects: Subjects
          ) -> list[tuple[object, str, str]]:
    """(unit, the text compared with a trait, the one candidate it is about). A unit is about the candidate
    it names (Subjects.named_among: "accountants" names the one accountant weighed), else the one its heading
    names; a unit naming several is read clause by clause ("Unlike RNs, NPs order tests": the clause naming
    one candidate only)."""
    out = []
    for u in units:
        text = " ".join(u.sentences)
        named = subjects.named_among(text, candidates) or subjects.named_among(heading_of(docs[u.doc]), candidates)
        if len(named) == 1:
            out.append((u, text, next(iter(named))))
        elif len(named) > 1:
            for clause in subjects.CONTRAST.split(text):
                own = subjects.named_among(clause, candidates)
                if len(own) == 1 and len(content_words(clause)) >= 3:
                    out.append((u, clause, next(iter(own))))
    return out


def advise(grounder: Grounder, question: str, about: str, docs: list[Document], subjects: Subjects,
           search: Callable[[str], list[Document]]) -> Advice | None:
    """Which candidate career the person's traits point to, with the units that say so.

    ``search`` finds the store's passages for one trait; those not already in ``docs`` are appended
    to it, so the units quoted as evidence can be cited."""
    if not subjects or not asks_for_advice(question, about, subjects):
        return None
    candidates = candidates_of(question, docs, subjects)
    if len(candidates) < 2:
        return None
    traits = traits_of(question, about)
    present = {d.page_content for d in docs}
    for trait in traits:
        for d in search(trait):
            if d.page_content not in present:
                docs.append(d)
                present.add(d.page_content)
    found = passage_units(docs)
    tied = _tied(found, docs, candidates, subjects)
    if not tied:
        return None
    units = [(u, c) for u, _, c in tied]
    vectors = grounder.embed([subjects.spell_out(text) for _, text, _ in tied])
    trait_vectors = grounder.embed([subjects.spell_out(t, initials=True) for t in traits])
    total = dict.fromkeys(candidates, 0.0)
    pulls: dict[str, Pull] = {}
    # A trait points to the career of the units that say most nearly what it says (a dislike, away from it):
    # the closest unit tied to each career, not their mean, which the passages found for other traits pull
    # about (on the 90 tuning advice questions, simulated before the MIN_EVIDENCE floor: 61 open as labelled
    # against 56 with the mean).
    rows = {c: [k for k, (_, career) in enumerate(units) if career == c] for c in candidates}
    for trait, tv in zip(traits, trait_vectors):
        sims = vectors @ tv
        if float(np.max(sims)) < MIN_EVIDENCE:
            continue  # the store says nothing of this trait
        dislike = against(trait)
        score = {c: max(float(sims[rows[c]].max()) if rows[c] else 0.0, MIN_EVIDENCE) * (-1 if dislike else 1)
                 for c in candidates}
        # The unit behind each career, to quote: the closest one that counts for it. A liking matched by a unit
        # counts for that unit's career; a dislike counts against it, unless the unit states it as a dislike
        # too ("if you'd rather not…, choose…").
        closest: dict[str, float] = {}
        behind: dict[str, int] = {}
        for k, ((u, career), sim) in enumerate(zip(units, sims)):
            agrees = not dislike or negative(tied[k][1])
            for c in candidates:
                if (c == career) == agrees and sim > closest.get(c, -1.0):
                    closest[c], behind[c] = float(sim), k
        ordered = sorted(score.values(), reverse=True)
        top = max(score, key=score.get)
        margin = ordered[0] - ordered[1]
        if top in behind and margin > 0:
            pulls[trait] = Pull(top, round(margin, 4), behind[top], units[behind[top]][1])
        total[top] += margin
    ranked = sorted(total.items(), key=lambda kv: -kv[1])
    settled = ranked[0][1] - ranked[1][1] >= MIN_MARGIN
    advice = Advice(ranked[0][0] if settled else None, candidates, traits, pulls)
    # the evidence is the unit behind the trait the opening quotes, for each career it names
    for c in [advice.career] if advice.career else candidates:
        trait = advice.weighing(c)
        if trait:
            advice.evidence.append(_quoted(units[pulls[trait].unit][0], docs))
    if advice.career is None and not advice.evidence:
        # No trait points to either career, but the store may still speak of one ("both need…"): the passage
        # nearest to a trait follows the opening that says the sources tie it to neither career alone.
        near = grounder.embed([subjects.spell_out(" ".join(u.sentences)) for u in found]) @ trait_vectors.T
        unit, _ = np.unravel_index(int(np.argmax(near)), near.shape)
        if float(near.max()) >= MIN_EVIDENCE:
            advice.evidence.append(_quoted(found[unit], docs))
    advice.opening = opening(advice, subjects)
    return advice


def _quoted(unit, docs: Sequence[Document]) -> tuple[int, str]:
    """(passage index, text) of a unit quoted as evidence, with the next sentence of its list item: a trait's
    lead ("You like clear rules: …") is followed by what a source says of it."""
    return unit.doc, " ".join([*unit.sentences, next_in_item(docs[unit.doc], unit.position)]).strip()


def _as_quoted(trait: str) -> str:
    """A trait as the opening quotes it: without the "and" that joined it to the one before ("and I'm worried
    about…" -> "I'm worried about…")."""
    return _LEADING_JOIN.sub("", trait)


def opening(advice: Advice, subjects: Subjects) -> str:
    """The answer's first sentence: the career the traits point to and the trait that weighs most, or that it
    depends, and on what."""
    if advice.career:
        weighing = advice.weighing(advice.career)
        pull = advice.pulls.get(weighing)
        # a dislike weighs for a career when the sources tie what it names to the other one: say so
        tie = (f", which the sources tie to {subjects.label(pull.unit_career)}"
               if pull and pull.unit_career != advice.career else "")
        because = f" (“{_as_quoted(weighing)}”{tie})" if weighing else ""
        career = subjects.with_article(advice.career)
        return f"{career[:1].upper()}{career[1:]} looks the closer fit, given what you say of yourself{because}."
    pulls = {c: advice.weighing(c) for c in advice.candidates}
    if all(pulls.values()):
        parts = [f"“{_as_quoted(pulls[c])}” points to {subjects.label(c)}" for c in advice.candidates]
        return f"The choice depends on which matters more to you: {'; '.join(parts)}."
    names = [subjects.label(c) for c in advice.candidates]
    return (f"The choice depends on what matters most to you: the sources do not tie what you describe to "
            f"{' or '.join(names)} alone.")
