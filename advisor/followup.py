"""Follow-up questions: what the condense step does with a question asked in a conversation.

A question that names no career, or points back ("What about OTs?", "their pay"), is made standalone: by the
chat model when there is one (its rewrite is checked, :func:`acceptable_rewrite`), else by the rules here.
"""

from __future__ import annotations

from collections.abc import Sequence

import regex as re  # Unicode classes (\p{L}, \p{Lu}): "Élodie" and "Zürich" are words

from advisor import advice, gate, language, safety
from advisor.figures import country_mentions
from advisor.profile import is_refusal
from advisor.subjects import Subjects
from advisor.text import content_words

History = Sequence[tuple[str, str]] | Sequence[dict]

FOLLOW_UP = re.compile(
    r"^(and|but|so|also|what about|how about|then)\b|\b(they|them|their|theirs|it|its|this|that|these|those|"
    r"he|she|his|her|the role|this role|that role|either|both|which one)\b",
    re.I,
)


def normalize_history(history: History) -> list[tuple[str, str]]:
    """(role, text) turns from either (user, assistant) pairs or {'role', 'content'} messages."""
    turns: list[tuple[str, str]] = []
    for item in history or ():
        if isinstance(item, dict):
            turns.append((item.get("role", "user"), str(item.get("content", ""))))
        else:
            user, assistant = item
            turns.append(("user", str(user or "")))
            if assistant:
                turns.append(("assistant", str(assistant)))
    return [(r, t) for r, t in turns if t.strip()]


def answered_last(turns: list[tuple[str, str]]) -> bool:
    """Did the last reply answer the question before it? Not when it was one of the gate step's refusals: the
    store's, the one for instructions, or the one for a question in another language."""
    replies = [text.strip() for role, text in turns if role != "user"]
    return bool(replies) and not is_refusal(replies[-1]) \
        and not replies[-1].startswith((safety.INSTRUCTION_REFUSAL, language.MESSAGE_START))


def needs_rewrite(question: str, turns: list[tuple[str, str]], subjects: Subjects, about: str = "") -> bool:
    """In a conversation, a question that names none of the store's careers goes on with the one being discussed
    ("By how much? What's the figure now?"), and so does one that points back ("What about OTs?", "their pay").
    One that asks which career suits the asker, who says what they are like, stands alone ("Which job suits me? I
    love talking about wine…" after a question on French pay was searched with France beside it)."""
    if not any(r == "user" for r, _ in turns):
        return False
    return bool(FOLLOW_UP.search(question)) or not (subjects.named_in(question) or _other_workers(question, subjects)
                                                     or advice.asks_for_advice(question, about, subjects))


def _other_workers(question: str, subjects: Subjects) -> list[tuple[int, int, set[str]]]:
    """Where the question names a kind of worker the store mentions beside its careers ("physician" in the nursing
    articles): a question about one is asked as it is. A subject met in passing that is no worker ("bank",
    "graduate") leaves the question a follow-up."""
    return [(a, b, {s}) for a, b, s in subjects.mentions(question) if gate.names_a_worker(s)]


# "And in the UK?", "What about for a part-timer?": the last question again, with a new place or condition.
_ELLIPSIS = re.compile(r"^(?:and|but|so|also|then|what about|how about)\s+(?P<rest>(?P<prep>in|for|at|on|outside|"
                       r"within|with|without|after|before|during)\s+\S.*)$", re.I)


def elliptical_rewrite(question: str, turns: list[tuple[str, str]]) -> str | None:
    """The last question asked again with the follow-up's phrase, or None if the follow-up is not such a phrase.

    "How much does a CPA earn in Canada?" then "And in London?" gives "How much does a CPA earn in
    London?": the phrase replaces the last question's phrase with the same preposition and a name, or the
    country it names replaces another ("The US for now. How do I qualify there?" then "What about in the
    UK?"), or it is added. A previous follow-up of the same kind is resolved first.
    """
    m = _ELLIPSIS.match(question.strip().rstrip("?.! ").strip())
    users = [i for i, (role, _) in enumerate(turns) if role == "user"]
    if not m or not users:
        return None
    last = turns[users[-1]][1]
    base = (elliptical_rewrite(last, turns[:users[-1]]) or last).strip().rstrip("?.! ")
    phrase = m.group("rest")
    named = re.compile(rf"\b{m.group('prep')}\s+(?:the\s+)?\p{{Lu}}[\w.&'’-]*(?:\s+\p{{Lu}}[\w.&'’-]*)*")
    replaced = named.sub(phrase, base, count=1) if named.fullmatch(phrase) else base  # a place for a place
    new_place, old_place = country_mentions(phrase), country_mentions(base)
    if replaced == base and len(new_place) == 1 and old_place and new_place[0][1] not in {c for _, c in old_place}:
        replaced = base.replace(old_place[0][0], new_place[0][0], 1)
    return (replaced if replaced != base else f"{base} {phrase}") + "?"


_PERSON_PRONOUN = re.compile(r"\b(?:she|he|her|him|his)\b", re.I)


# A follow-up that names nothing is searched with the last question beside it: "What does OTR/L stand for?
# (context: How long does it take to qualify as an osteopath?)". Only the part before it was asked now.
CONTEXT_MARK = " (context: "


def person_rewrite(question: str, turns: list[tuple[str, str]], subjects: Subjects) -> str | None:
    """"Where is she from?" after "Tell me about Inês Gonçalves." -> "Where is Inês Gonçalves from?", or None."""
    topic = next((text for role, text in reversed(turns) if role == "user"), "")
    # the first name written with capitals inside the last question (a person, or a place)
    names = gate.names_in_question(topic) if topic and not subjects.find(topic) else []
    if not names or not _PERSON_PRONOUN.search(question):
        return None
    person = names[0]
    return _PERSON_PRONOUN.sub(lambda m: f"{person}'s" if m.group(0).lower() in ("her", "his") else person,
                               question, count=1)


def heuristic_rewrite(question: str, turns: list[tuple[str, str]], subjects: Subjects) -> str:
    """Make a follow-up standalone without a model:

    - the last question with a new phrase ("And in London?") or about the person it named ("Where is she from?");
    - the last question about another career, when the follow-up names it and asks nothing else ("What about
      OTs?" after "What hours do physios work in the NHS?": "What hours do OTs work in the NHS?"), or names it
      as "the other one" where one other career was named or the store is about two;
    - the follow-up about the careers the conversation was about, in the country it was about ("and the pay?"
      after "What's the job outlook for OTs in the US?": "the pay for occupational therapists in US?");
    - else the follow-up with the questions since the conversation last named a career as its context.
    """
    asked: list[str] = []  # the person's questions back to the last one that names a career
    topic_subjects: set[str] = set()
    topic_naming: list[tuple[int, int, set[str]]] = []
    for role, text in reversed(turns):
        if role == "user":
            asked.insert(0, text.strip())
            topic_naming = subjects.named_in(asked[0])
            topic_subjects = set().union(*(named for _, _, named in topic_naming))
            if topic_subjects:
                break
    # the careers as the person named them: "accountants" stays "accountants", not every kind of accountant
    topic = " and ".join(dict.fromkeys(
        subjects.label(next(iter(n))) if len(n) == 1
        else subjects.as_plural(asked[0][a:b]) or " and ".join(subjects.label(s) for s in sorted(n))
        for a, b, n in topic_naming))
    other = _the_other(question, topic_subjects, turns, subjects)
    if other:  # "And for the other one?" after "Which US states pay physical therapists the most?" names it
        question = _THE_OTHER.sub(subjects.label(other), question, count=1)
    again = None if other else elliptical_rewrite(question, turns)
    # "What about in the UK?" after "I'm thinking about becoming an OT." and "The US for now. How do I qualify
    # there?": the career carries over with the place
    if again and topic and not subjects.named_in(again):
        again = f"{again.rstrip(' ?')} for {topic}?"
    repeated = again or person_rewrite(question, turns, subjects)
    if repeated:
        return repeated
    if not asked:
        return question
    # the careers it names, else any other subject ("What about physicians?" on a store about nurses)
    naming = subjects.named_in(question) or _other_workers(question, subjects)
    named = set().union(*(n for _, _, n in naming))
    # "What about OTs?": nothing asked but another career, which takes the last one's place
    rest = question
    for start, stop, _ in reversed(naming):
        rest = f"{rest[:start]} {rest[stop:]}"
    bare = not content_words(rest)
    places = country_mentions(" ".join(asked))
    if named and topic_subjects and not named & topic_subjects and bare and len(naming) == 1:
        switched = _about_another(question[naming[0][0]:naming[0][1]], asked, subjects)
        if switched:
            there = country_mentions(switched)
            if places and there and there[0][1] != places[-1][1]:  # "And in the UK?" moved the conversation
                switched = switched.replace(there[0][0], places[-1][0], 1)
            return switched
    # "why?" asks about the last question; a longer one that names no career and points nowhere is asked as
    # it is, with the conversation beside it ("Where did Élodie train? (context: …)")
    pointing = bool(FOLLOW_UP.search(question)) or len(question.split()) <= 5
    if named or not topic_subjects or not content_words(question) or not pointing:
        return f"{question.rstrip()}{CONTEXT_MARK}{' '.join(asked)})"
    rewritten = re.sub(r"\b(they|them)\b", topic, question, count=1, flags=re.I)
    rewritten = re.sub(r"\btheir\b", f"{topic}'", rewritten, count=1, flags=re.I)
    if rewritten == question:
        rewritten = f"{question.rstrip(' ?')} for {topic}?"
    rewritten = re.sub(r"^(and|but|so|also|then)\s+", "", rewritten, flags=re.I).strip()
    if places and not country_mentions(rewritten):  # the conversation's latest country holds until another is named
        rewritten = f"{rewritten.rstrip(' ?')} in {places[-1][0]}?"
    return rewritten


# "the other one", "the other career"; a bare "the other" only at the end of a phrase ("And for the other?"), not
# "the other hand" or "the other states"
_THE_OTHER = re.compile(r"\bthe other (?:one|career|job|role|profession)\b(?!['’-])|\bthe other(?=\s*(?:[?.!,]|$))", re.I)


_ONE_OR_THE_OTHER = re.compile(r"\bone\b.*\bthe other\b", re.I)


def unresolved_other(question: str, turns: list[tuple[str, str]], subjects: Subjects) -> list[str]:
    """The careers "the other one" may stand for when the conversation leaves more than one (a store about three,
    one of them discussed and none other named), for a notice that asks the person to name it; else []."""
    # "one or the other" is an idiom, and a question that names a career says which it means
    if not turns or not _THE_OTHER.search(question) or _ONE_OR_THE_OTHER.search(question) \
            or subjects.named_in(question) or not subjects.headed_careers:
        return []
    topic = next((named for role, text in reversed(turns) if role == "user"
                  for named in [set().union(*(n for _, _, n in subjects.named_in(text)))] if named), set())
    if not topic or _the_other(question, topic, turns, subjects):
        return []
    others = sorted(set(subjects.headed_careers) - topic)
    return others if len(others) >= 2 else []


def _the_other(question: str, topic_subjects: set[str], turns: list[tuple[str, str]],
               subjects: Subjects) -> str | None:
    """The career "the other one" stands for: the one career besides the last one discussed that the conversation
    named, else that the store is about; None when there is no single one."""
    if not topic_subjects or not _THE_OTHER.search(question):
        return None
    said = set().union(*(n for role, text in turns if role == "user" for _, _, n in subjects.named_in(text)))
    for pool in (said, set(subjects.careers)):
        others = pool - topic_subjects
        if len(others) == 1:
            return next(iter(others))
    return None


def _about_another(career: str, asked: list[str], subjects: Subjects) -> str | None:
    """The last question asked about ``career`` (as the person wrote it) instead: in place of the one career it
    names, or of the "they" that stood for it; else the question that named it, so rewritten. None when that
    question names two careers ("Do physios earn more than OTs?" has no one place for a third)."""
    last = asked[-1]
    spans = [(a, b) for a, b, _ in subjects.named_in(last)] or \
        [m.span() for m in re.finditer(r"\b(?:they|them)\b", last, re.I)]
    if not spans:
        last, spans = asked[0], [(a, b) for a, b, _ in subjects.named_in(asked[0])]
    if len(spans) != 1:
        return None
    (start, stop), = spans
    return last[:start] + career + last[stop:]


def acceptable_rewrite(rewritten: str | None, question: str, turns: list[tuple[str, str]]) -> bool:
    """A small model's rewrite is used only if it still asks the question it replaces.

    Every content word of the follow-up ("earn" in "how much do they earn?") must
    survive, and every word it adds must come from the conversation.
    """
    if not rewritten or len(rewritten) > 3 * len(question) + 80 or "[" in rewritten:
        return False
    added = content_words(rewritten) - content_words(question)
    said = set().union(*(content_words(t) for _, t in turns)) if turns else set()
    return bool(added) and content_words(question) <= content_words(rewritten) and added <= said
