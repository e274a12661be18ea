"""The answer pipeline as composed LangChain Runnables, and the ``ask``/``stream`` API over it.

    condense ─► retrieve ─► gate ─► advise ─► draft ─► ground ─► compose

- condense: a follow-up becomes a standalone question (the chat model, checked; else a rule: advisor/followup.py);
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
(text deltas, the last one carrying the :class:`Answer`). The steps pass one typed
:class:`advisor.state.QuestionState` along.
"""

from __future__ import annotations

import asyncio
import math
import queue
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace

from langchain_core.documents import Document
from langchain_core.language_models import BaseChatModel
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable, RunnableConfig, RunnableGenerator, RunnableLambda
from pydantic import BaseModel, Field

from advisor import advice, gate, language, safety
from advisor.answer import Answer, AnswerChunk, Citation
from advisor.config import Settings, get_settings
from advisor.engines import ChatEngine, ExtractiveEngine, make_engine, resolve_engine
from advisor.figures import asks_about_pay, figures_in
from advisor.followup import (CONTEXT_MARK, FOLLOW_UP, History, acceptable_rewrite, answered_last, heuristic_rewrite,
                              needs_rewrite, normalize_history, person_rewrite, unresolved_other)
from advisor.ground import GroundStep
from advisor.grounding import Grounder, conflicting_figures, money_statements, readings_of
from advisor.llm import EngineUnavailable, describe_llm_error
from advisor.profile import StoreProfile, current_profile
from advisor.selection import countries_asked, passage_texts, rank_sentences
from advisor.state import QuestionState, events, with_about
from advisor.text import plain_text, split_sentences, strip_citations, tokens

STALLED_STREAM_S = 30.0  # a streamed answer its reader has not read from for this long no longer pauses preparation

# The note that quotes disagreeing figures, each source's statement after it, separated by "; ".
CONFLICT_NOTE = "Note: the sources disagree on these figures"


class AdvisorInput(BaseModel):
    """What the pipeline takes: a question and the conversation so far."""

    question: str
    history: list = Field(default_factory=list)
    session: str | None = None  # a page session: its private uploads are searched as well
    about: str = ""  # what the person says of themselves ("About you": skills, likes, country)


# Said when a follow-up is answered because the conversation's topic was, not because the store clearly holds it.
CONTINUED_NOTICE = "My sources may not answer this directly: this is what they say on the topic we were discussing."


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
    def condense(self, data: dict | AdvisorInput, config: RunnableConfig) -> QuestionState:
        data = data.model_dump() if isinstance(data, BaseModel) else dict(data)
        started, notices, profile = time.perf_counter(), [], self.profile()
        question = " ".join(plain_text(str(data.get("question") or "")).split())  # "<b>UX</b>" asks about "UX"
        if not question:
            raise ValueError("The question is empty.")
        limit = self.settings.max_question_chars
        if len(question) > limit:
            question = question[:limit]
            notices.append(f"Your message was cut to its first {limit} characters.")
        turns = normalize_history(data.get("history") or ())
        subjects = profile.subjects
        asked, instructed = safety.strip_instructions(question, self.grounder, self.store_similarity)
        if instructed:
            notices.append("Instructions in your message were ignored: I only answer from my sources.")
        about = " ".join(plain_text(str(data.get("about") or "")).split())[:limit]
        # What the person says of themselves is read by its wording only: "I work as a translator" is near a probe.
        about, _ = safety.strip_instructions(about) if about else ("", False)
        state = QuestionState(question=question, query=asked or question, asked_now=asked or question,
                              profile=profile, about=about, turns=turns, session=data.get("session"),
                              started=started, notices=notices, blocked=instructed and not asked)
        question = state.query
        if needs_rewrite(question, turns, subjects, about):
            t = time.perf_counter()
            # a pronoun the last question's named person settles needs no model
            candidate = person_rewrite(question, turns, subjects)
            if candidate is None and self.engine.chat_model is not None:
                history_text = "\n".join(f"{r}: {x[:300]}" for r, x in turns[-4:])
                try:
                    candidate = self.engine.rewrite(question, history_text, config=config)
                except Exception as exc:  # the rule below still works; say why the model was skipped
                    state.notices.append(describe_llm_error(exc, self.settings) or "")
            if not acceptable_rewrite(candidate, question, turns):
                candidate = heuristic_rewrite(question, turns, subjects)
            state.query = state.rewritten = candidate
            state.timings["rewrite_ms"] = (time.perf_counter() - t) * 1000
        others = unresolved_other(question, turns, subjects)
        if others:
            state.notices.append(f"“The other one” could be {' or '.join(subjects.label(o) for o in others)}: "
                                 "name the career you mean to be sure of the answer.")
        return state

    # ---------------------------------------------------------------- retrieve
    def retrieve(self, state: QuestionState, config: RunnableConfig) -> QuestionState:
        t = time.perf_counter()
        # A retriever that takes no ``session`` ignores it (BaseRetriever passes only what it accepts).
        state.docs = list(self.retriever.invoke(with_about(state), config=config, session=state.session))
        state.timings["retrieval_ms"] = (time.perf_counter() - t) * 1000
        return state

    # ---------------------------------------------------------------- gate
    def gate(self, state: QuestionState) -> QuestionState:
        docs, profile = state.docs, state.profile
        dense = [d.metadata["best_dense"] for d in docs if "best_dense" in d.metadata]
        if docs and not dense:  # a retriever of another kind: measure the passages ourselves
            vectors = self.grounder.embed([with_about(state)] + [d.page_content for d in docs])
            dense = list(vectors[1:] @ vectors[0])
        idf = self.idf(state.session)  # one read of the vocabulary this session sees, for both checks below
        # A follow-up goes on with a topic the store answered a turn ago ("Where is she originally from?" after
        # "Tell me about Inês Gonçalves."): the gate's score does not refuse it; names the store lacks still do.
        # One that does not go on with it by its words ("…a recipe for banana bread?") is judged by its own words,
        # as alone; when it goes on by its meaning only ("okay, is the work mostly remote?"), it is admitted, and a
        # score its own words miss adds the notice that the sources may not answer it directly.
        asked_now = state.asked_now
        follow_up = state.rewritten is not None
        by_words = follow_up and self._continues(asked_now, idf)
        goes_on = by_words or (follow_up and self._near_conversation(asked_now, state.turns, docs))
        continuing = goes_on and answered_last(state.turns)
        # only the conversation beside it: the retrieved passages (uploads too) are measured against it alone
        alone = CONTEXT_MARK in (state.rewritten or "") and not by_words
        judged = with_about(replace(state, query=state.asked_now) if alone else state)
        # A subject's short form counts as its name ("PT" where the passages write "PTs" or "physical therapist"),
        # and one of the store's abbreviations as the words it defines it by.
        spelled = profile.subjects.spell_out(judged, initials=True, glossary=True)
        if alone and docs:
            vectors = self.grounder.embed([spelled] + [d.page_content for d in docs])
            dense = list(vectors[1:] @ vectors[0])
        features = gate.features(spelled, dense, idf)
        state.gate = {"best_dense": round(features.best_dense, 4),
                         "keyword_coverage": round(features.keyword_coverage, 4)}
        state.refusal = None
        asked_in = language.other_language(state.query, profile.language)
        scored_in = profile.gate.admits(features)
        state.gate_admits = scored_in or continuing
        # An advice question is about the store's own careers: the gate's score does not refuse it; the advise
        # step does when no passage unit reaches what the person says of themselves (advice.MIN_EVIDENCE).
        advising = advice.asks_for_advice(state.query, state.about, profile.subjects)
        # What the person says of themselves ("I speak Basque") is not what they ask about: an advice
        # question's names are looked for in its asking sentence only, without their traits. A follow-up's are
        # those it names itself ("And in Japan?"): a name the conversation carries over ("in the US") was looked
        # for when it was asked.
        asked = advice.asking_part(state.query, state.about) if advising else state.asked_now
        uncovered = gate.unmentioned_names(asked, docs, profile.subjects, idf, advising=advising) if docs else []
        reasons = [("instruction", state.blocked), ("language", bool(asked_in)), ("no passages", not docs),
                   ("not mentioned", bool(uncovered)),
                   ("gate", bool(docs) and not state.gate_admits and not advising)]
        state.refused_because = [reason for reason, applies in reasons if applies]
        if state.blocked:
            state.refusal = safety.INSTRUCTION_REFUSAL
        elif asked_in:
            state.refusal = language.message(asked_in, profile.language)
        elif state.refused_because:
            state.refusal = profile.refusal(uncovered)
        elif continuing and not scored_in:  # admitted as a follow-up only
            state.notices.append(CONTINUED_NOTICE)
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
        return (bool(FOLLOW_UP.search(asked)) or short or len(tokens(asked)) <= 1
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
    def advise(self, state: QuestionState, config: RunnableConfig) -> QuestionState:
        """An advice question's traits, each looked up on its own (advisor/advice.py): their passages join the
        question's, and what they point to opens the answer of an engine that does not write its own."""
        state.advice = None
        if state.refusal:
            return state
        t = time.perf_counter()
        state.advice = advice.advise(
            self.grounder, state.query, state.about, state.docs, state.profile.subjects,
            lambda text: list(self.retriever.invoke(text, config=config, session=state.session)))
        state.timings["advise_ms"] = (time.perf_counter() - t) * 1000
        if not state.gate_admits and (state.advice is None or not state.advice.evidence):
            state.refused_because = ["gate"]
            state.refusal = state.profile.refusal([])
        return state

    def ranked(self, state: QuestionState) -> list:
        """The passages' units ranked for the question (advisor.selection.rank_sentences), once per question:
        the lead, the small model's prompt, its sentences' check and the extractive answer all read them."""
        if state.ranked is None:
            state.ranked = rank_sentences(self.grounder, with_about(state), state.docs,
                                             state.profile.subjects)
        return state.ranked

    # ---------------------------------------------------------------- draft
    def draft(self, inputs: Iterator, config: RunnableConfig) -> Iterator[list]:
        for kind, state in events(inputs):
            yield [("state", state)]
            if state.refusal:
                continue
            counsel = state.advice
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
                for delta in self.engine.stream(with_about(state), state.docs, config=config,
                                                subjects=state.profile.subjects, ranked=ranked):
                    yield [("delta", delta)]
            except EngineUnavailable as exc:
                yield [("notice", f"{exc} This answer was assembled directly from the sources.")]
            except Exception as exc:  # a failing model must not surface as a stack trace
                message = describe_llm_error(exc, self.settings) or f"The language model failed ({type(exc).__name__})."
                yield [("notice", f"{message} This answer was assembled directly from the sources.")]

    # ---------------------------------------------------------------- compose
    def compose(self, inputs: Iterator, config: RunnableConfig) -> Iterator[AnswerChunk]:
        state: QuestionState | None = None
        numbering: dict[int, int] = {}  # passage index -> citation number, in order of first use
        emitted: list[str] = []
        first: list[float] = []
        for kind, value in events(inputs):
            if kind == "state":
                state = value
                if state.refusal:
                    yield AnswerChunk(text=state.refusal)
            elif kind == "sentence":
                text, sources = value
                marks = "".join(f"[{numbering.setdefault(i, len(numbering) + 1)}]" for i in sources)
                emitted.append(f"{text} {marks}\n")
                first = first or [(time.perf_counter() - state.started) * 1000]
                yield AnswerChunk(text=emitted[-1])
        if state is None:
            return
        if not state.refusal:
            note = self._conflict_note(state, numbering, emitted)
            if note:
                emitted.append(note)
                yield AnswerChunk(text=note)
        refused = bool(state.refusal) or not emitted
        if refused and not state.refusal:  # nothing in the passages held up: say so rather than guess
            state.refusal = state.profile.refusal()
            state.refused_because = ["nothing supported"]
            yield AnswerChunk(text=state.refusal)
        timings = state.timings
        timings["first_token_ms"] = first[0] if first else (time.perf_counter() - state.started) * 1000
        timings["total_ms"] = (time.perf_counter() - state.started) * 1000
        docs = state.docs
        checked = state.verification
        answer = Answer(
            text=state.refusal if refused else "".join(emitted).strip(),
            citations=[] if refused else self._citations(docs, numbering),
            refused=refused,
            refused_because=(state.refused_because or []) if refused else [],
            drafted_sentences=checked.drafted,
            dropped_sentences=checked.drafted - checked.kept,
            engine=state.draft_engine or self.engine.name,
            question=state.question,
            rewritten_question=state.rewritten,
            timings_ms=timings,
            notice=" ".join(n for n in state.notices if n) or None,
            contexts=[d.page_content for d in docs],
            context_sources=[d.metadata.get("source", "") for d in docs],
        )
        yield AnswerChunk(answer=answer)

    def _conflict_note(self, state: QuestionState, numbering: dict[int, int], emitted: list[str]) -> str:
        """When the passages give different figures for one subject, currency and country, say so and cite each.

        Only for the countries and subjects the question names, when it names any (else the subjects whose figures
        the answer gives): a question about pay in the UK is not answered with a note on how far two US surveys differ.
        """
        if not asks_about_pay(state.query):
            return ""
        subjects = state.profile.subjects
        countries, asked = countries_asked(state.query, state.docs, subjects), subjects.find(state.query)
        already = " ".join(strip_citations(e) for e in emitted)
        stated = money_statements([already], subjects)
        said = {(m.subject, m.currency, v) for m in stated for v in m.values}
        # A question that names none of the store's subjects is about those whose pay the answer gives, if it
        # gives any ("How much do OTs earn?" on a store whose subjects are two other careers, answered with OT
        # figures: not a note on the other careers' pay).
        paid = any(f.is_money for f in figures_in(already))
        about = asked or {m.subject for m in stated} or (None if not paid else set())
        statements = [s for s in conflicting_figures([d.page_content for d in state.docs], subjects)
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
