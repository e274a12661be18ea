"""The answer pipeline as composed LangChain Runnables, and the ``ask``/``stream`` API over it.

    condense ─► retrieve ─► gate ─► advise ─► draft ─► ground ─► compose

- condense: a follow-up becomes a standalone question (the chat model, checked; else a rule);
- retrieve: ``retriever.invoke`` — ours is hybrid (dense + BM25), any ``BaseRetriever`` works;
- gate: refuse when the store does not cover the question (advisor/gate.py), or when the
  question names a subject, country or thing that no retrieved passage mentions;
- advise: an advice question's traits, each looked up on its own (advisor/advice.py): their passages
  join the question's, and what they point to opens the answer of an engine that quotes;
- draft: the engine's text deltas (advisor/engines.py);
- ground: sentence by sentence, as the draft streams: drop what the passages do not
  support, fix citations; complete a short draft, or replace an empty one, from the sources;
- compose: renumber citations in order of use, note conflicting figures, build the Answer.

``build_pipeline(...)`` returns the Runnable: ``.invoke``, ``.stream``, ``.batch`` and
``.astream`` work, callbacks and tracers see every step by name. Its input is
``{"question": str, "history": [...], "session": str | None}`` (a page session, whose
private uploads are searched too); its output chunks are :class:`AnswerChunk`
(text deltas, the last one carrying the :class:`Answer`).
"""

from __future__ import annotations

import asyncio
import math
import queue
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import regex as re  # Unicode classes (\p{L}, \p{Lu}): "Élodie" and "Zürich" are words
from langchain_core.documents import Document
from langchain_core.language_models import BaseChatModel
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable, RunnableConfig, RunnableGenerator, RunnableLambda
from pydantic import BaseModel, Field

from advisor import advice, gate, language, safety
from advisor.answer import Answer, AnswerChunk, Citation
from advisor.config import Settings, get_settings
from advisor.engines import ChatEngine, ExtractiveEngine, make_engine, resolve_engine
from advisor.figures import asks_about_pay, country_mentions, figures_in
from advisor.ground import GroundStep
from advisor.grounding import Grounder, conflicting_figures, money_statements, readings_of
from advisor.llm import EngineUnavailable, describe_llm_error
from advisor.profile import StoreProfile, current_profile, is_refusal
from advisor.selection import countries_asked, passage_texts, rank_sentences
from advisor.state import events, with_about
from advisor.subjects import Subjects
from advisor.text import content_words, plain_text, split_sentences, strip_citations, tokens

History = Sequence[tuple[str, str]] | Sequence[dict]
STALLED_STREAM_S = 30.0  # a streamed answer its reader has not read from for this long no longer pauses preparation

# The note that quotes disagreeing figures, each source's statement after it, separated by "; ".
CONFLICT_NOTE = "Note: the sources disagree on these figures"


class AdvisorInput(BaseModel):
    """What the pipeline takes: a question and the conversation so far."""

    question: str
    history: list = Field(default_factory=list)
    session: str | None = None  # a page session: its private uploads are searched as well
    about: str = ""  # what the person says of themselves ("About you": skills, likes, country)


# ------------------------------------------------------------------ follow-up questions

_FOLLOW_UP = re.compile(
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
    return bool(_FOLLOW_UP.search(question)) or not (subjects.named_in(question) or _other_workers(question, subjects)
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
# Said when a follow-up is answered because the conversation's topic was, not because the store clearly holds it.
CONTINUED_NOTICE = "My sources may not answer this directly: this is what they say on the topic we were discussing."


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
    pointing = bool(_FOLLOW_UP.search(question)) or len(question.split()) <= 5
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


# ------------------------------------------------------------------ streaming plumbing


def _async_of(transform: Callable) -> Callable:
    """An async version of a sync streaming step: it runs in a thread, fed and drained through queues."""

    async def atransform(inputs: AsyncIterator, config: RunnableConfig) -> AsyncIterator:
        loop = asyncio.get_running_loop()
        feed: queue.Queue = queue.Queue()
        out: asyncio.Queue = asyncio.Queue()
        end = object()

        def fed() -> Iterator:
            while (item := feed.get()) is not end:
                yield item

        def run() -> None:
            try:
                for item in transform(fed(), config):
                    loop.call_soon_threadsafe(out.put_nowait, ("item", item))
                loop.call_soon_threadsafe(out.put_nowait, ("end", None))
            except BaseException as exc:  # handed to the awaiting side
                loop.call_soon_threadsafe(out.put_nowait, ("error", exc))

        threading.Thread(target=run, daemon=True).start()

        async def pump() -> None:
            async for item in inputs:
                feed.put(item)
            feed.put(end)

        pumping = asyncio.create_task(pump())
        while True:
            kind, item = await out.get()
            if kind == "end":
                break
            if kind == "error":
                raise item
            yield item
        await pumping

    return atransform


def _step(name: str, transform: Callable) -> RunnableGenerator:
    return RunnableGenerator(transform, _async_of(transform), name=name)


# ------------------------------------------------------------------ the pipeline


class Pipeline:
    """The steps of the answer pipeline, bound to its components (settings, retriever, engine, grounder)."""

    def __init__(self, settings: Settings, retriever: BaseRetriever, engine, grounder: Grounder,
                 profile: Callable[[], StoreProfile], idf: Callable[[str | None], dict[str, float]],
                 store_similarity: safety.StoreSimilarity | None = None) -> None:
        self.settings = settings
        self.retriever = retriever
        self.engine = engine
        self.grounder = grounder
        self.extractive = (engine if isinstance(engine, ExtractiveEngine)
                           else ExtractiveEngine(grounder, self.settings.min_answer_sentences))
        self.profile = profile
        self.idf = idf
        self.store_similarity = store_similarity
        self.grounding = GroundStep(settings, grounder, retriever, engine, self.extractive, ranked=self.ranked)

    def runnable(self) -> Runnable:
        return (
            RunnableLambda(self.condense, name="condense")
            | RunnableLambda(self.retrieve, name="retrieve")
            | RunnableLambda(self.gate, name="gate")
            | RunnableLambda(self.advise, name="advise")
            | _step("draft", self.draft)
            | _step("ground", self.grounding.run)
            | _step("compose", self.compose)
        ).with_types(input_type=AdvisorInput, output_type=AnswerChunk).with_config(run_name="advisor")

    # ---------------------------------------------------------------- condense
    def condense(self, data: dict | AdvisorInput, config: RunnableConfig) -> dict:
        data = data.model_dump() if isinstance(data, BaseModel) else dict(data)
        state: dict[str, Any] = {"started": time.perf_counter(), "timings": {}, "notices": [],
                                 "profile": self.profile(), "session": data.get("session")}
        question = " ".join(plain_text(str(data.get("question") or "")).split())  # "<b>UX</b>" asks about "UX"
        if not question:
            raise ValueError("The question is empty.")
        limit = self.settings.max_question_chars
        if len(question) > limit:
            question = question[:limit]
            state["notices"].append(f"Your message was cut to its first {limit} characters.")
        turns = normalize_history(data.get("history") or ())
        subjects = state["profile"].subjects
        asked, instructed = safety.strip_instructions(question, self.grounder, self.store_similarity)
        if instructed:
            state["notices"].append("Instructions in your message were ignored: I only answer from my sources.")
        about = " ".join(plain_text(str(data.get("about") or "")).split())[:limit]
        # What the person says of themselves is read by its wording only: "I work as a translator" is near a probe.
        about, _ = safety.strip_instructions(about) if about else ("", False)
        state.update(question=question, query=asked or question, rewritten=None, blocked=instructed and not asked,
                     about=about, turns=turns, asked_now=asked or question)
        question = state["query"]
        if needs_rewrite(question, turns, subjects, about):
            t = time.perf_counter()
            # a pronoun the last question's named person settles needs no model
            candidate = person_rewrite(question, turns, subjects)
            if candidate is None and self.engine.chat_model is not None:
                history_text = "\n".join(f"{r}: {x[:300]}" for r, x in turns[-4:])
                try:
                    candidate = self.engine.rewrite(question, history_text, config=config)
                except Exception as exc:  # the rule below still works; say why the model was skipped
                    state["notices"].append(describe_llm_error(exc, self.settings) or "")
            if not acceptable_rewrite(candidate, question, turns):
                candidate = heuristic_rewrite(question, turns, subjects)
            state.update(query=candidate, rewritten=candidate)
            state["timings"]["rewrite_ms"] = (time.perf_counter() - t) * 1000
        others = unresolved_other(question, turns, subjects)
        if others:
            state["notices"].append(f"“The other one” could be {' or '.join(subjects.label(o) for o in others)}: "
                                    "name the career you mean to be sure of the answer.")
        return state

    # ---------------------------------------------------------------- retrieve
    def retrieve(self, state: dict, config: RunnableConfig) -> dict:
        t = time.perf_counter()
        # A retriever that takes no ``session`` ignores it (BaseRetriever passes only what it accepts).
        state["docs"] = list(self.retriever.invoke(with_about(state), config=config, session=state["session"]))
        state["timings"]["retrieval_ms"] = (time.perf_counter() - t) * 1000
        return state

    # ---------------------------------------------------------------- gate
    def gate(self, state: dict) -> dict:
        docs, profile = state["docs"], state["profile"]
        dense = [d.metadata["best_dense"] for d in docs if "best_dense" in d.metadata]
        if docs and not dense:  # a retriever of another kind: measure the passages ourselves
            vectors = self.grounder.embed([with_about(state)] + [d.page_content for d in docs])
            dense = list(vectors[1:] @ vectors[0])
        idf = self.idf(state["session"])  # one read of the vocabulary this session sees, for both checks below
        # A follow-up goes on with a topic the store answered a turn ago ("Where is she originally from?" after
        # "Tell me about Inês Gonçalves."): the gate's score does not refuse it; names the store lacks still do.
        # One that does not go on with it by its words ("…a recipe for banana bread?") is judged by its own words,
        # as alone; when it goes on by its meaning only ("okay, is the work mostly remote?"), it is admitted, and a
        # score its own words miss adds the notice that the sources may not answer it directly.
        asked_now = state["asked_now"]
        follow_up = state.get("rewritten") is not None
        by_words = follow_up and self._continues(asked_now, idf)
        goes_on = by_words or (follow_up and self._near_conversation(asked_now, state["turns"], docs))
        continuing = goes_on and answered_last(state["turns"])
        # only the conversation beside it: the retrieved passages (uploads too) are measured against it alone
        alone = CONTEXT_MARK in (state.get("rewritten") or "") and not by_words
        judged = with_about({**state, "query": state["asked_now"]} if alone else state)
        # A subject's short form counts as its name ("PT" where the passages write "PTs" or "physical therapist"),
        # and one of the store's abbreviations as the words it defines it by.
        spelled = profile.subjects.spell_out(judged, initials=True, glossary=True)
        if alone and docs:
            vectors = self.grounder.embed([spelled] + [d.page_content for d in docs])
            dense = list(vectors[1:] @ vectors[0])
        features = gate.features(spelled, dense, idf)
        state["gate"] = {"best_dense": round(features.best_dense, 4),
                         "keyword_coverage": round(features.keyword_coverage, 4)}
        state["refusal"] = None
        asked_in = language.other_language(state["query"], profile.language)
        scored_in = profile.gate.admits(features)
        state["gate_admits"] = scored_in or continuing
        # An advice question is about the store's own careers: the gate's score does not refuse it; the advise
        # step does when no passage unit reaches what the person says of themselves (advice.MIN_EVIDENCE).
        advising = advice.asks_for_advice(state["query"], state.get("about", ""), profile.subjects)
        # What the person says of themselves ("I speak Basque") is not what they ask about: an advice
        # question's names are looked for in its asking sentence only, without their traits. A follow-up's are
        # those it names itself ("And in Japan?"): a name the conversation carries over ("in the US") was looked
        # for when it was asked.
        asked = advice.asking_part(state["query"], state.get("about", "")) if advising else state["asked_now"]
        uncovered = gate.unmentioned_names(asked, docs, profile.subjects, idf, advising=advising) if docs else []
        reasons = [("instruction", state["blocked"]), ("language", bool(asked_in)), ("no passages", not docs),
                   ("not mentioned", bool(uncovered)),
                   ("gate", bool(docs) and not state["gate_admits"] and not advising)]
        state["refused_because"] = [reason for reason, applies in reasons if applies]
        if state["blocked"]:
            state["refusal"] = safety.INSTRUCTION_REFUSAL
        elif asked_in:
            state["refusal"] = language.message(asked_in, profile.language)
        elif state["refused_because"]:
            state["refusal"] = profile.refusal(uncovered)
        elif continuing and not scored_in:  # admitted as a follow-up only
            state["notices"].append(CONTINUED_NOTICE)
        return state

    @staticmethod
    def _continues(asked: str, idf: dict[str, float]) -> bool:
        """Does a follow-up go on with the conversation whatever the gate's score? When it points back ("What about
        them?", "And in Japan?") or says too little to stand alone (five words, or one word that carries content:
        "How long?", "Who can do the second one?"), yes; a longer one that points nowhere only when every word of
        its own is one the store uses (not "Can you recommend a good recipe for banana bread?", "Can you help me
        with my homework?"). Short questions one after another say as little ("By how much? What's the figure
        now?")."""
        short = all(len(s.split()) <= 5 for s in split_sentences(asked, typed=True) or [asked])
        return (bool(_FOLLOW_UP.search(asked)) or short or len(tokens(asked)) <= 1
                or gate.keyword_coverage(asked, idf) >= 1.0)

    def _near_conversation(self, asked: str, turns: list[tuple[str, str]], docs: Sequence[Document]) -> bool:
        """Is a follow-up nearer in meaning to the conversation (its last exchange, or a passage found for the
        question it continues) than to every question about no job (the gate's unanswerable probes)? Then it goes
        on with it in words of its own ("right, so what happens on a night shift then?"); a recipe or homework help
        stays nearer the probes than to any career answer."""
        last = " ".join(text for _, text in turns[-2:])
        probes = gate.unanswerable_probes()
        if not last.strip() or not probes or not answered_last(turns):  # not after a refusal: nothing to go on with
            return False
        vectors = self.grounder.embed([asked, *probes, last, *(d.page_content for d in docs)])
        similarity = vectors[1:] @ vectors[0]
        return float(similarity[len(probes):].max()) > float(similarity[:len(probes)].max())

    # ---------------------------------------------------------------- advise
    def advise(self, state: dict, config: RunnableConfig) -> dict:
        """An advice question's traits, each looked up on its own (advisor/advice.py): their passages join the
        question's, and what they point to opens the answer of an engine that does not write its own."""
        state["advice"] = None
        if state["refusal"]:
            return state
        t = time.perf_counter()
        state["advice"] = advice.advise(
            self.grounder, state["query"], state.get("about", ""), state["docs"], state["profile"].subjects,
            lambda text: list(self.retriever.invoke(text, config=config, session=state["session"])))
        state["timings"]["advise_ms"] = (time.perf_counter() - t) * 1000
        if not state["gate_admits"] and (state["advice"] is None or not state["advice"].evidence):
            state["refused_because"] = ["gate"]
            state["refusal"] = state["profile"].refusal([])
        return state

    def ranked(self, state: dict) -> list:
        """The passages' units ranked for the question (advisor.selection.rank_sentences), once per question:
        the lead, the small model's prompt, its sentences' check and the extractive answer all read them."""
        if state.get("ranked") is None:
            state["ranked"] = rank_sentences(self.grounder, with_about(state), state["docs"],
                                             state["profile"].subjects)
        return state["ranked"]

    # ---------------------------------------------------------------- draft
    def draft(self, inputs: Iterator, config: RunnableConfig) -> Iterator[list]:
        for kind, state in events(inputs):
            yield [("state", state)]
            if state["refusal"]:
                continue
            counsel = state.get("advice")
            if counsel is not None and getattr(self.engine, "kind", "") != "capable" and counsel.evidence:
                # An engine that quotes or restates: the answer opens with what the person's traits point to,
                # then the passages that say so.
                yield [("opening", (counsel.opening, sorted({d for d, _ in counsel.evidence})))]
                yield [("lead", "".join(f"{text} [{d + 1}]\n" for d, text in counsel.evidence))]
            elif getattr(self.engine, "slow_start", False) and self.settings.lead_sentences > 0:
                # A local model's draft is slow to start and is completed from the sources anyway:
                # the passages' best sentence is shown first, while the model reads its prompt.
                for s in self.ranked(state)[: self.settings.lead_sentences]:
                    yield [("lead", "".join(f"{text} [{s.doc + 1}]\n" for text in s.sentences))]
            try:
                ranked = self.ranked(state) if getattr(self.engine, "kind", "") != "capable" else None
                for delta in self.engine.stream(with_about(state), state["docs"], config=config,
                                                subjects=state["profile"].subjects, ranked=ranked):
                    yield [("delta", delta)]
            except EngineUnavailable as exc:
                yield [("notice", f"{exc} This answer was assembled directly from the sources.")]
            except Exception as exc:  # a failing model must not surface as a stack trace
                message = describe_llm_error(exc, self.settings) or f"The language model failed ({type(exc).__name__})."
                yield [("notice", f"{message} This answer was assembled directly from the sources.")]

    # ---------------------------------------------------------------- compose
    def compose(self, inputs: Iterator, config: RunnableConfig) -> Iterator[AnswerChunk]:
        state: dict = {}
        numbering: dict[int, int] = {}  # passage index -> citation number, in order of first use
        emitted: list[str] = []
        first: list[float] = []
        for kind, value in events(inputs):
            if kind == "state":
                state = value
                if state["refusal"]:
                    yield AnswerChunk(text=state["refusal"])
            elif kind == "sentence":
                text, sources = value
                marks = "".join(f"[{numbering.setdefault(i, len(numbering) + 1)}]" for i in sources)
                emitted.append(f"{text} {marks}\n")
                first = first or [(time.perf_counter() - state["started"]) * 1000]
                yield AnswerChunk(text=emitted[-1])
        if not state:
            return
        if not state["refusal"]:
            note = self._conflict_note(state, numbering, emitted)
            if note:
                emitted.append(note)
                yield AnswerChunk(text=note)
        refused = bool(state["refusal"]) or not emitted
        if refused and not state["refusal"]:  # nothing in the passages held up: say so rather than guess
            state["refusal"] = state["profile"].refusal()
            state["refused_because"] = ["nothing supported"]
            yield AnswerChunk(text=state["refusal"])
        timings = state["timings"]
        timings["first_token_ms"] = first[0] if first else (time.perf_counter() - state["started"]) * 1000
        timings["total_ms"] = (time.perf_counter() - state["started"]) * 1000
        docs = state["docs"]
        checked = state.get("verification") or {"drafted": 0, "kept": 0}
        answer = Answer(
            text=state["refusal"] if refused else "".join(emitted).strip(),
            citations=[] if refused else self._citations(docs, numbering),
            refused=refused,
            refused_because=(state.get("refused_because") or []) if refused else [],
            drafted_sentences=checked["drafted"],
            dropped_sentences=checked["drafted"] - checked["kept"],
            engine=state.get("draft_engine", self.engine.name),
            question=state["question"],
            rewritten_question=state["rewritten"],
            timings_ms=timings,
            notice=" ".join(n for n in state["notices"] if n) or None,
            contexts=[d.page_content for d in docs],
            context_sources=[d.metadata.get("source", "") for d in docs],
        )
        yield AnswerChunk(answer=answer)

    def _conflict_note(self, state: dict, numbering: dict[int, int], emitted: list[str]) -> str:
        """When the passages give different figures for one subject, currency and country, say so and cite each.

        Only for the countries and subjects the question names, when it names any (else the subjects whose figures
        the answer gives): a question about pay in the UK is not answered with a note on how far two US surveys differ.
        """
        if not asks_about_pay(state["query"]):
            return ""
        subjects = state["profile"].subjects
        countries, asked = countries_asked(state["query"], state["docs"], subjects), subjects.find(state["query"])
        already = " ".join(strip_citations(e) for e in emitted)
        stated = money_statements([already], subjects)
        said = {(m.subject, m.currency, v) for m in stated for v in m.values}
        # A question that names none of the store's subjects is about those whose pay the answer gives, if it
        # gives any ("How much do OTs earn?" on a store whose subjects are two other careers, answered with OT
        # figures: not a note on the other careers' pay).
        paid = any(f.is_money for f in figures_in(already))
        about = asked or {m.subject for m in stated} or (None if not paid else set())
        statements = [s for s in conflicting_figures([d.page_content for d in state["docs"]], subjects)
                      if (not countries or s.country in countries) and (about is None or s.subject in about)]
        if not statements:
            return ""
        parts, used, cited = [], set(), set()
        for s in statements:
            sentence = strip_citations(s.sentence).rstrip(".")
            if sentence in used:  # the same sentence in two passages (a file ingested twice): cite it once
                continue
            used.add(sentence)
            n = numbering.setdefault(s.context, len(numbering) + 1)
            cited.add(n)
            if sentence not in already and not all((s.subject, s.currency, v) in said for v in s.values):
                parts.append(f"{sentence} [{n}]")  # a summary line repeating figures the answer gave is not quoted
        sources = sorted(cited)
        # Only what the passages show: that their figures differ (why, and which to trust, is theirs to say).
        head = f"{CONFLICT_NOTE} (compare {', '.join(f'[{n}]' for n in sources)})."
        if parts:
            head += " " + "; ".join(parts) + "."
        return head + "\n"

    @staticmethod
    def _citations(docs: list[Document], numbering: dict[int, int]) -> list[Citation]:
        out = []
        for index, number in sorted(numbering.items(), key=lambda kv: kv[1]):
            meta = docs[index].metadata
            out.append(Citation(
                id=number, source=meta.get("source", ""), title=meta.get("title", ""), text=docs[index].page_content,
                score=float(meta.get("dense_score", 0.0)), section=meta.get("section", ""),
                publication=meta.get("publication", ""), url=meta.get("url", ""),
            ))
        return out


# ------------------------------------------------------------------ components and the API


def shared_grounder() -> Grounder:
    """The process's grounder (its sentence-embedding cache is worth sharing), reading the vectors prepared
    under the current ADVISOR_HOME (a vector is keyed by its text, so switching homes never mixes them up)."""
    global _grounder
    with _components_lock:
        from advisor.embeddings import MODEL_NAME, get_embeddings
        from advisor.vector_cache import VectorCache

        if _grounder is None:
            _grounder = Grounder(get_embeddings())
        path = get_settings().vector_cache
        if _grounder.disk is None or _grounder.disk.path != path:
            _grounder.disk = VectorCache(path, MODEL_NAME, _grounder.embeddings.dimension)
        return _grounder


_grounder: Grounder | None = None
_components_lock = threading.RLock()  # get_advisor builds an Advisor, which asks for the grounder


class Advisor:
    """Grounded answers to career questions: the pipeline with its components, built from Settings.

    Pass ``retriever`` (any ``BaseRetriever``), ``chat_model`` (any ``BaseChatModel``) or
    ``engine`` (a name of advisor.engines.ENGINES, or an engine object) to replace ours.
    """

    def __init__(self, settings: Settings | None = None, engine=None, *, retriever: BaseRetriever | None = None,
                 chat_model: BaseChatModel | None = None) -> None:
        from advisor.retrieval import get_retriever

        self.settings = settings or get_settings()
        self.store_retriever = get_retriever(self.settings)  # the store's own index: profile, gate vocabulary
        self.retriever = retriever or self.store_retriever
        self.grounder = shared_grounder()
        self._engine_choice = engine or self.settings.engine
        self._engine = chat_model and ChatEngine(getattr(chat_model, "_llm_type", "chat"), chat_model, self.grounder)
        if not isinstance(self._engine_choice, str):
            self._engine = self._engine_choice
        self.engine_reason = ""
        self._lock = threading.Lock()
        self._pipeline: Runnable | None = None
        self._profile: StoreProfile | None = None
        self._answering = threading.Condition()  # prepare_passages waits while answers are running
        self._running: dict[object, float] = {}  # each running answer: when its reader last took a part of it

    @property
    def engine(self):
        with self._lock:  # the app's warm-up and a first question may both get here
            if self._engine is None:
                name, self.engine_reason = resolve_engine(self._engine_choice, self.settings)
                self._engine = make_engine(name, self.settings, self.grounder)
            return self._engine

    def store_similarity(self, texts: list[str]) -> list[float]:
        """Each text's cosine to its nearest passage in the shared store (for advisor/safety.py). A store that
        cannot be read counts as close to every text: reading instructions by meaning is then left out."""
        try:
            return [f.best_dense for f in self.store_retriever.gate_features_many(texts)]
        except Exception:  # the retrieve step reports the fault itself, with what to do
            return [1.0] * len(texts)

    def profile(self) -> StoreProfile:
        """The store's profile (subjects, gate, presentation), rebuilt when the store has changed."""
        from advisor.store import revision

        current = revision(self.store_retriever.collection())
        if self._profile is None or self._profile.revision != current:
            self._profile = current_profile(self.store_retriever)
        return self._profile

    @property
    def pipeline(self) -> Runnable:
        if self._pipeline is None:
            engine = self.engine
            self._pipeline = Pipeline(self.settings, self.retriever, engine, self.grounder, self.profile,
                                      lambda session: self.store_retriever.keyword_index(session).idf,
                                      self.store_similarity).runnable()
        return self._pipeline

    def warm_up(self) -> None:
        """Load what a first question needs (store, indexes, embeddings, the chat model) without answering one.

        Answering a question here would hold a local model for a whole answer while the first
        visitor waits; loading it and evaluating its fixed system prompt takes a moment.
        """
        question = (self.profile().starters or ["What do these articles cover?"])[0]
        rank_sentences(self.grounder, question, self.retriever.invoke(question))
        self.pipeline  # noqa: B018 - builds the steps and the engine
        warm = getattr(self.engine, "warm_up", None)
        if warm is not None:
            warm()

    def prepare_passages(self, stop: Callable[[], bool] | None = None) -> tuple[int, int]:
        """Embed, in the background and once, every text that answering embeds for the shared store's passages.

        A question whose passages no earlier question retrieved otherwise waits for them to be embedded
        (most of its time). The work pauses while this advisor is answering, so it never slows an answer
        by more than one batch. Returns (passages read, texts encoded now); texts prepared before, by this
        or another process, are not encoded again (advisor/vector_cache.py). ``stop()`` true ends it early.
        """
        from advisor.store import iter_records, searchable_where

        def before_batch() -> bool:
            with self._answering:
                while not self._answers_idle():
                    self._answering.wait(timeout=1.0)
            return stop is not None and stop()

        subjects = self.profile().subjects
        passages = encoded = 0
        for _, text, metadata in iter_records(self.store_retriever.collection(), ("documents", "metadatas"),
                                              page=200, where=searchable_where()):
            if stop is not None and stop():
                break
            doc = Document(page_content=text or "", metadata=metadata or {})
            # (not through readings_of's cache: a whole store would push out what answering reuses)
            texts = [doc.page_content, *readings_of.__wrapped__(doc.page_content), *passage_texts(doc, subjects)]
            encoded += self.grounder.prepare(texts, before_batch=before_batch)
            passages += 1
        return passages, encoded

    @contextmanager
    def _answer_running(self, streamed: bool = False) -> Iterator[object]:
        """Count an answer as running; a streamed one only while its reader keeps reading (see _answers_idle)."""
        token = object()
        with self._answering:
            self._running[token] = time.monotonic() if streamed else math.inf
        try:
            yield token
        finally:
            with self._answering:
                del self._running[token]
                self._answering.notify_all()

    def _answers_idle(self) -> bool:
        """No answer is running, or only streamed ones whose reader stopped reading STALLED_STREAM_S ago: a
        page that dropped a stream half-read must not hold preparation until the generator is collected."""
        now = time.monotonic()
        return all(now - last > STALLED_STREAM_S for last in self._running.values())

    def ask(self, question: str, history: History = (), config: RunnableConfig | None = None,
            session: str | None = None, about: str = "") -> Answer:
        """The grounded answer; ``session`` names a page session whose private uploads count too, ``about``
        what the person says of themselves (used with the question, never stored)."""
        inputs = {"question": question, "history": list(history or ()), "session": session, "about": about}
        with self._answer_running():
            return self.pipeline.invoke(inputs, config=config).answer

    def stream(self, question: str, history: History = (), config: RunnableConfig | None = None,
               session: str | None = None, about: str = "") -> Iterator[str | Answer]:
        """Yield text deltas of the grounded answer, then the final :class:`Answer`."""
        inputs = {"question": question, "history": list(history or ()), "session": session, "about": about}
        with self._answer_running(streamed=True) as token:
            for chunk in self.pipeline.stream(inputs, config=config):
                self._running[token] = time.monotonic()
                if chunk.text:
                    yield chunk.text
                if chunk.answer is not None:
                    yield chunk.answer


_advisors: dict[str, Advisor] = {}


def get_advisor(engine: str | None = None) -> Advisor:
    """A shared advisor per engine name (models and indexes load once per process)."""
    name = engine or get_settings().engine
    with _components_lock:
        if name not in _advisors:
            _advisors[name] = Advisor(engine=name)
        return _advisors[name]


def reset() -> None:
    """Forget shared advisors and settings (tests and a changed environment)."""
    with _components_lock:
        _advisors.clear()
    get_settings.cache_clear()


def ask(question: str, history: History = (), engine: str | None = None, about: str = "") -> Answer:
    return get_advisor(engine).ask(question, history, about=about)


def stream(question: str, history: History = (), engine: str | None = None, about: str = "") -> Iterator[str | Answer]:
    return get_advisor(engine).stream(question, history, about=about)
