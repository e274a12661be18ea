"""Answer engines behind one interface, and the one registry that names them.

An engine turns (question, numbered passages) into draft text deltas:
``stream(question, docs, config=None, subjects=None)``, where ``subjects`` are the store's
(advisor/subjects.py), which selection uses to read abbreviations and to tell subjects apart.
- ``extractive``: no LLM; picks the passages' sentences that best answer the question;
- ``local``: the packaged llama.cpp model (or any GGUF), offline;
- ``openai``: ChatOpenAI with the ``OPENAI_*`` settings (any OpenAI-compatible server);
- ``llm``: any LangChain provider string in ``ADVISOR_LLM`` (``openai:gpt-4o-mini``, ...),
  built by LangChain's ``init_chat_model``.

Engines only draft. The pipeline grounds every sentence afterwards, whatever the engine.
:data:`ENGINES` is read by the settings, the CLIs and the page; ``auto`` picks one.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from langchain_core.documents import Document
from langchain_core.language_models import BaseChatModel
from langchain_core.output_parsers import StrOutputParser

from advisor import prompts
from advisor.config import Settings
from advisor.grounding import Grounder
from advisor.safety import is_instruction
from advisor.selection import ScoredSentence, rank_sentences, select_sentences
from advisor.subjects import Subjects
from advisor.text import split_sentences

# ------------------------------------------------------------------ engines


class ExtractiveEngine:
    """Answers with the passages' own sentences, each cited. Deterministic; needs no LLM."""

    name = "extractive"
    chat_model = None

    def __init__(self, grounder: Grounder, sentences: int = 6) -> None:
        self.grounder = grounder
        self.sentences = sentences  # at most this many (settings.min_answer_sentences)

    def stream(self, question: str, docs: Sequence[Document], config=None, subjects: Subjects | None = None,
               ranked: Sequence[ScoredSentence] | None = None) -> Iterator[str]:
        for s in select_sentences(self.grounder, question, docs, self.sentences, subjects=subjects, ranked=ranked):
            yield f"{s.text} [{s.doc + 1}]\n"

    def rewrite(self, question: str, history_text: str, config=None) -> str | None:
        return None


def format_sources(grounder: Grounder, question: str, docs: Sequence[Document], per_doc: int = 2,
                   subjects: Subjects | None = None, ranked: Sequence[ScoredSentence] | None = None) -> str:
    """Numbered sources for the prompt: the few most relevant sentences of each passage.

    Sending sentences rather than whole chunks keeps a small local model's prompt
    short (first token within a few seconds on 2 cores) and its attention on the point.
    """
    ranked = rank_sentences(grounder, question, docs, subjects) if ranked is None else ranked
    lines = []
    for d in range(len(docs)):
        positions: dict[int, str] = {}
        for unit in (s for s in ranked if s.doc == d):
            if len(positions) >= per_doc:
                break
            positions.update(zip(unit.positions, unit.sentences))
        text = " ".join(s for _, s in sorted(positions.items()) if not is_instruction(s))
        if text:
            lines.append(f"[{d + 1}] {text}")
    return "\n".join(lines)


def format_passages(docs: Sequence[Document]) -> str:
    """Numbered sources for a capable model's prompt: each passage whole, under its article's title, without
    sentences that read as instructions (they are never relayed, whoever wrote them)."""
    blocks = []
    for d, doc in enumerate(docs):
        lines = (" ".join(s for s in split_sentences(line) if not is_instruction(s)) if line.strip() else ""
                 for line in doc.page_content.split("\n"))
        text = "\n".join(lines).strip()
        title = doc.metadata.get("title") or ""
        if text:
            blocks.append(f"[{d + 1}] " + (f"({title})\n" if title else "") + text)
    return "\n\n".join(blocks)


class ChatEngine:
    """Drafts an answer with any LangChain chat model (llama.cpp, OpenAI, any ``init_chat_model`` provider).

    ``kind`` is the engine class: "small" (the local model: its passages' best sentences, a short prompt, a
    slow start) or "capable" (a model behind a server or provider: whole passages and the prompt that asks for
    a direct answer or recommendation first). Each class has its prompt in advisor/prompts.py.
    """

    def __init__(self, name: str, chat_model: BaseChatModel, grounder: Grounder, per_doc: int = 2,
                 kind: str = "capable", breaker=None) -> None:
        self.name = name
        self.kind = kind
        self.breaker = breaker  # advisor.llm.CircuitBreaker for a model behind a server, else None
        self.chat_model = chat_model
        self.grounder = grounder
        self.per_doc = per_doc  # sentences of each passage in the prompt
        # A model that takes seconds to read its prompt (llama.cpp on a CPU): the pipeline shows
        # the passages' best sentence first (settings.lead_sentences).
        self.slow_start = kind == "small"
        self.prompt = prompts.ANSWER[kind]
        self.chain = (self.prompt | chat_model | StrOutputParser()).with_config(run_name="llm_draft")
        self.rewrite_chain = (prompts.CONDENSE | chat_model.bind(max_tokens=48) | StrOutputParser()).with_config(
            run_name="llm_condense")

    def stream(self, question: str, docs: Sequence[Document], config=None, subjects: Subjects | None = None,
               ranked: Sequence[ScoredSentence] | None = None) -> Iterator[str]:
        sources = (format_sources(self.grounder, question, docs, self.per_doc, subjects, ranked)
                   if self.kind == "small" else format_passages(docs))
        with self._guarded():
            yield from self.chain.stream({"sources": sources, "question": question}, config=config)

    @contextmanager
    def _guarded(self) -> Iterator[None]:
        """A call to the model through the circuit breaker: refused at once while it is open, and a
        timeout or lost connection opens it."""
        if self.breaker is None:
            yield
            return
        self.breaker.before_call()
        try:
            yield
        except Exception as exc:
            self.breaker.record_failure(exc)
            raise

    def warm_up(self) -> None:
        """Load the chat model ahead of the first question (a local model: also evaluate the system prompt)."""
        warm = getattr(self.chat_model, "warm_up", None)
        if warm is not None:
            system = self.prompt.format_messages(sources="", question="")[0]
            warm([system])

    def rewrite(self, question: str, history_text: str, config=None) -> str | None:
        with self._guarded():
            text = self.rewrite_chain.invoke({"history": history_text, "question": question}, config=config)
        return text.strip().split("\n")[0].strip().strip('"') or None


# ------------------------------------------------------------------ the registry


def _local(settings: Settings, grounder: Grounder) -> ChatEngine:
    from advisor.llm import local_chat_model

    return ChatEngine("local", local_chat_model(settings), grounder, settings.local_sentences_per_passage,
                      kind="small")


def _breaker(settings: Settings, provider: str):
    """A circuit breaker for a model server; an OpenAI-compatible one is health-checked at its /models."""
    from advisor.llm import CircuitBreaker, describe_llm_error, openai_reachable

    check = (lambda: openai_reachable(settings, timeout=2.0)) if provider == "openai" else None
    return CircuitBreaker(settings.llm_breaker_s, check, lambda exc: describe_llm_error(exc, settings))


def _openai(settings: Settings, grounder: Grounder) -> ChatEngine:
    from advisor.llm import openai_chat_model

    return ChatEngine("openai", openai_chat_model(settings), grounder, breaker=_breaker(settings, "openai"))


def _llm(settings: Settings, grounder: Grounder) -> ChatEngine:
    from advisor.llm import provider_chat_model

    provider = (settings.llm or "").split(":", 1)[0]
    return ChatEngine(settings.llm or "llm", provider_chat_model(settings), grounder,
                      breaker=_breaker(settings, provider))


# name -> factory(settings, grounder). "auto" is not an engine: resolve_engine picks one.
ENGINES = {
    "extractive": lambda settings, grounder: ExtractiveEngine(grounder, settings.min_answer_sentences),
    "local": _local,
    "openai": _openai,
    "llm": _llm,
}
ENGINE_CHOICES = ("auto", *ENGINES)


def resolve_engine(name: str, settings: Settings) -> tuple[str, str]:
    """(engine name, why) for a configured name; ``auto`` checks what is set up and reachable."""
    from advisor.llm import local_model_available, openai_configured, openai_reachable

    if name != "auto":
        return name, "chosen in the settings"
    if settings.llm:
        return "llm", f"ADVISOR_LLM is set ({settings.llm})"
    skipped = ""
    if openai_configured(settings):
        problem = openai_reachable(settings)  # checked once, when the engine is chosen
        if problem is None:
            return "openai", "OPENAI_API_KEY or OPENAI_BASE_URL is set and the server answers"
        skipped = f"OpenAI is configured but {problem}; "
    if local_model_available(settings):
        return "local", skipped + "the local model is installed"
    return "extractive", skipped + "no language model is configured or installed"


def make_engine(name: str, settings: Settings, grounder: Grounder):
    from advisor.llm import EngineUnavailable

    if name not in ENGINES:
        raise EngineUnavailable(f"Unknown engine '{name}': use one of {', '.join(ENGINE_CHOICES)}.")
    return ENGINES[name](settings, grounder)

