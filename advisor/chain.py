"""The retrieval chain: rewrite follow-up → retrieve → relevance gate → draft → ground.

Every caller (UI, CLI, evals, benchmarks) goes through :class:`Advisor`. The
engine only drafts; grounding is enforced here, sentence by sentence, as the
draft streams: unsupported sentences are dropped, citations fixed and
renumbered in order of use, and conflicting salary figures pointed out.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator, Sequence
from functools import lru_cache
from itertools import islice

import numpy as np
from langchain_core.documents import Document

from advisor.answer import REFUSAL, Answer, Citation
from advisor.config import Settings, get_settings
from advisor.engines import ChatEngine, ExtractiveEngine
from advisor.grounding import (
    Grounder,
    asks_about_pay,
    conflicting_figures,
    content_words,
    ground_sentence,
    roles_in,
    split_sentences,
    strip_citations,
)
from advisor.llm import (
    EngineUnavailable,
    describe_llm_error,
    local_chat_model,
    local_model_available,
    openai_chat_model,
    openai_configured,
)
from advisor.retrieval import HybridRetriever, RetrievalResult

History = Sequence[tuple[str, str]] | Sequence[dict]


# ------------------------------------------------------------------ follow-up questions

_FOLLOW_UP = re.compile(
    r"^(and|but|so|also|what about|how about|then)\b|\b(they|them|their|theirs|it|its|this|that|these|those|"
    r"he|she|his|her|the role|this role|that role|either|both|which one)\b",
    re.I,
)
_ROLE_NAMES = {"ai": "AI engineers", "ml": "ML engineers"}


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


def needs_rewrite(question: str, turns: list[tuple[str, str]]) -> bool:
    if not any(r == "user" for r, _ in turns):
        return False
    return bool(_FOLLOW_UP.search(question)) or (len(question.split()) <= 5 and not roles_in(question))


def heuristic_rewrite(question: str, turns: list[tuple[str, str]]) -> str:
    """Make a follow-up standalone: name the roles the conversation was about."""
    topic_roles: set[str] = set()
    topic = ""
    for role, text in reversed(turns):
        if role == "user":
            topic = topic or text
            topic_roles = roles_in(text)
            if topic_roles:
                break
    if roles_in(question) or not topic_roles:
        return f"{question.rstrip()} (context: {topic.strip()})" if topic else question
    subject = " and ".join(_ROLE_NAMES[r] for r in sorted(topic_roles))
    rewritten = re.sub(r"\b(they|them)\b", subject, question, count=1, flags=re.I)
    rewritten = re.sub(r"\btheir\b", f"{subject}'", rewritten, count=1, flags=re.I)
    if rewritten == question:
        rewritten = f"{question.rstrip(' ?')} for {subject}?"
    return re.sub(r"^(and|but|so|also|then)\s+", "", rewritten, flags=re.I).strip()


def _acceptable_rewrite(rewritten: str | None, question: str) -> bool:
    """A small model's rewrite is used only if it still looks like the question it replaces."""
    if not rewritten or len(rewritten) > 3 * len(question) + 80 or "[" in rewritten:
        return False
    # Every content word of the follow-up ("earn" in "how much do they earn?") must survive:
    # a rewrite that drops one answers a different question.
    return bool(roles_in(rewritten)) and content_words(question) <= content_words(rewritten)


# ------------------------------------------------------------------ the advisor


@lru_cache(maxsize=1)
def _shared_grounder() -> Grounder:
    from advisor.embeddings import get_embeddings

    return Grounder(get_embeddings())


class Advisor:
    """Grounded answers to career questions. ``engine`` is a name or an engine object (tests)."""

    def __init__(self, settings: Settings | None = None, engine=None) -> None:
        self.settings = settings or get_settings()
        self.retriever = HybridRetriever(settings=self.settings)
        self.grounder = _shared_grounder()
        self.extractive = ExtractiveEngine(self.grounder, self.settings)
        self._engine_choice = engine or self.settings.engine
        self._engine = None if isinstance(self._engine_choice, str) else self._engine_choice
        self._engine_lock = threading.Lock()

    # ---------------------------------------------------------------- engine
    @property
    def engine(self):
        with self._engine_lock:  # the app's warm-up and a first question may both get here
            if self._engine is None:
                self._engine = self._make_engine(self._engine_choice)
            return self._engine

    def _make_engine(self, name: str):
        if name == "auto":
            if openai_configured(self.settings):
                name = "openai"
            elif local_model_available(self.settings):
                name = "local"
            else:
                name = "extractive"
        if name == "extractive":
            return self.extractive
        if name == "local":
            return ChatEngine("local", local_chat_model(self.settings), self.grounder, self.settings)
        if name == "openai":
            return ChatEngine("openai", openai_chat_model(self.settings), self.grounder, self.settings)
        raise EngineUnavailable(f"Unknown engine '{name}': use auto, local, openai or extractive.")

    # ---------------------------------------------------------------- API
    def ask(self, question: str, history: History = ()) -> Answer:
        answer = None
        for item in self.stream(question, history):
            if isinstance(item, Answer):
                answer = item
        assert answer is not None
        return answer

    def retrieve(self, query: str) -> RetrievalResult:
        """Search the store as every answer does."""
        if not asks_about_pay(query):
            return self.retriever.search(query)
        # Pay questions rarely name the word the articles use; widen them so both
        # dense and keyword search reach the passages with the figures. The gate
        # still judges the question as asked: the added words would make any pay
        # question ("a firefighter's salary?") look relevant.
        result = self.retriever.search(f"{query} salary median average figures US UK")
        result.best_dense, result.keyword_coverage = self.retriever.gate_features(query)
        return result

    def passes_gate(self, result: RetrievalResult) -> bool:
        """The relevance gate: is anything retrieved close enough to the question to answer from?"""
        s = self.settings
        return bool(result.docs) and result.relevance(s.relevance_keyword_weight) >= s.relevance_threshold

    def stream(self, question: str, history: History = ()) -> Iterator[str | Answer]:
        """Yield text deltas of the grounded answer, then the final :class:`Answer`."""
        started = time.perf_counter()
        timings: dict[str, float] = {}
        notices: list[str] = []
        question = " ".join((question or "").split())
        if not question:
            raise ValueError("The question is empty.")
        if len(question) > self.settings.max_question_chars:
            question = question[: self.settings.max_question_chars]
            notices.append(f"Your message was cut to its first {self.settings.max_question_chars} characters.")

        engine = self.engine
        turns = normalize_history(history)
        search_query, rewritten = question, None
        if needs_rewrite(question, turns):
            t = time.perf_counter()
            rewritten = self._rewrite(engine, question, turns)
            search_query = rewritten
            timings["rewrite_ms"] = (time.perf_counter() - t) * 1000

        t = time.perf_counter()
        result = self.retrieve(search_query)
        timings["retrieval_ms"] = (time.perf_counter() - t) * 1000
        docs = result.docs
        base = dict(engine=engine.name, question=question, rewritten_question=rewritten,
                    contexts=[d.page_content for d in docs], context_sources=[d.metadata.get("source", "") for d in docs])

        if not self.passes_gate(result):
            timings["total_ms"] = (time.perf_counter() - started) * 1000
            yield REFUSAL
            yield Answer(text=REFUSAL, refused=True, timings_ms=timings, notice=" ".join(notices) or None, **base)
            return

        numbering: dict[int, int] = {}  # passage index -> citation number, in order of first use
        emitted: list[str] = []
        first_token: list[float] = []

        def emit(sentences: Iterator[str]) -> Iterator[str]:
            for text in self._grounded(sentences, docs, numbering):
                if not first_token:
                    first_token.append((time.perf_counter() - started) * 1000)
                emitted.append(text)
                yield text

        draft_engine = engine
        try:
            yield from emit(self._sentences(engine.stream(search_query, docs)))
        except EngineUnavailable as exc:
            notices.append(f"{exc} This answer was assembled directly from the sources.")
        except Exception as exc:  # an LLM server failing must not surface as a stack trace
            message = describe_llm_error(exc, self.settings)
            if message is None:
                raise
            notices.append(f"{message} This answer was assembled directly from the sources.")
        supplemented = False
        if not emitted and engine is not self.extractive:
            draft_engine = self.extractive
            yield from emit(self._sentences(self.extractive.stream(search_query, docs)))
        elif engine is not self.extractive and len(emitted) < self.settings.min_answer_sentences:
            # A small model often stops after one sentence. Complete the answer with the
            # passages' own best sentences, skipping any the draft already said.
            before = len(emitted)
            extra = self._not_yet_said(self._sentences(self.extractive.stream(search_query, docs)), emitted)
            yield from emit(islice(extra, self.settings.min_answer_sentences - before))
            supplemented = len(emitted) > before

        note = self._conflict_note(search_query, docs, numbering, emitted)
        if note:
            yield note
            emitted.append(note)

        if not emitted:  # nothing in the passages holds up: say so rather than guess
            yield REFUSAL
            timings["total_ms"] = (time.perf_counter() - started) * 1000
            yield Answer(text=REFUSAL, refused=True, timings_ms=timings, notice=" ".join(notices) or None, **base)
            return

        timings["first_token_ms"] = first_token[0] if first_token else timings["retrieval_ms"]
        timings["total_ms"] = (time.perf_counter() - started) * 1000
        if draft_engine is not engine:
            base["engine"] = f"{engine.name}→extractive"
        else:
            base["engine"] = f"{engine.name}+extractive" if supplemented else engine.name
        yield Answer(
            text="".join(emitted).strip(),
            citations=self._citations(docs, numbering),
            timings_ms=timings,
            notice=" ".join(notices) or None,
            **base,
        )

    # ---------------------------------------------------------------- steps
    def _rewrite(self, engine, question: str, turns: list[tuple[str, str]]) -> str:
        history_text = "\n".join(f"{r}: {t[:300]}" for r, t in turns[-4:])
        try:
            candidate = engine.rewrite(question, history_text)
        except Exception:  # a failing LLM must not stop the answer; the heuristic still works
            candidate = None
        if _acceptable_rewrite(candidate, question):
            return candidate
        return heuristic_rewrite(question, turns)

    def _not_yet_said(self, candidates: Iterator[str], said: list[str], similarity: float = 0.8) -> Iterator[str]:
        """The candidate sentences that do not repeat one already in the answer."""
        said_vectors = self.grounder.embed([strip_citations(s) for s in said])
        for sentence in candidates:
            vector = self.grounder.embed([strip_citations(sentence)])[0]
            if len(said_vectors) == 0 or float(np.max(said_vectors @ vector)) < similarity:
                said_vectors = np.vstack([said_vectors, vector]) if len(said_vectors) else vector[None, :]
                yield sentence

    @staticmethod
    def _sentences(deltas: Iterator[str]) -> Iterator[str]:
        """Complete sentences from a stream of text deltas, as soon as each one ends."""
        buffer, done = "", 0
        for delta in deltas:
            buffer += delta
            parts = split_sentences(buffer)
            complete = len(parts) if buffer.endswith("\n") else len(parts) - 1
            while done < complete:
                yield parts[done]
                done += 1
        parts = split_sentences(buffer)
        yield from parts[done:]

    def _grounded(self, sentences: Iterator[str], docs: list[Document], numbering: dict[int, int]) -> Iterator[str]:
        contexts = [d.page_content for d in docs]
        seen: set[str] = set()
        for sentence in sentences:
            grounded = ground_sentence(self.grounder, sentence, contexts, self.settings.support_threshold)
            if grounded is None or grounded.text.lower() in seen:
                continue
            seen.add(grounded.text.lower())
            marks = "".join(f"[{numbering.setdefault(i, len(numbering) + 1)}]" for i in grounded.sources)
            yield f"{grounded.text} {marks}\n"

    def _conflict_note(self, question: str, docs: list[Document], numbering: dict[int, int], emitted: list[str]) -> str:
        """When the passages give different pay figures for a role, say so and cite each figure."""
        if not asks_about_pay(question):
            return ""
        statements = conflicting_figures([d.page_content for d in docs])
        if not statements:
            return ""
        already = " ".join(strip_citations(e) for e in emitted)
        parts, used = [], set()
        for s in statements:
            sentence = strip_citations(s.sentence).rstrip(".")
            if sentence in used:
                continue
            used.add(sentence)
            n = numbering.setdefault(s.context, len(numbering) + 1)
            if sentence not in already:
                parts.append(f"{sentence} [{n}]")
        sources = sorted({numbering[s.context] for s in statements})
        head = (
            "Note: the sources disagree on salaries, so no single figure is reliable "
            f"(compare {', '.join(f'[{n}]' for n in sources)})."
        )
        if parts:
            head += " " + "; ".join(parts) + "."
        return head + "\n"

    @staticmethod
    def _citations(docs: list[Document], numbering: dict[int, int]) -> list[Citation]:
        out = []
        for index, number in sorted(numbering.items(), key=lambda kv: kv[1]):
            doc = docs[index]
            meta = doc.metadata
            out.append(Citation(
                id=number, source=meta.get("source", ""), title=meta.get("title", ""), text=doc.page_content,
                score=float(meta.get("dense_score", 0.0)), section=meta.get("section", ""),
                publication=meta.get("publication", ""), url=meta.get("url", ""),
            ))
        return out


_advisors: dict[str, Advisor] = {}


def get_advisor(engine: str | None = None) -> Advisor:
    """A shared advisor per engine name (models and indexes load once per process)."""
    name = engine or get_settings().engine
    if name not in _advisors:
        _advisors[name] = Advisor(engine=name)
    return _advisors[name]


def ask(question: str, history: History = (), engine: str | None = None) -> Answer:
    return get_advisor(engine).ask(question, history)


def stream(question: str, history: History = (), engine: str | None = None) -> Iterator[str | Answer]:
    return get_advisor(engine).stream(question, history)
