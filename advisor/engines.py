"""Answer engines behind one interface, and the one registry that names them.

An engine turns (question, numbered passages) into draft text deltas:
- ``extractive``: no LLM; picks the passages' sentences that best answer the question;
- ``local``: the packaged llama.cpp model (or any GGUF), offline;
- ``openai``: ChatOpenAI with the ``OPENAI_*`` settings (any OpenAI-compatible server);
- ``llm``: any LangChain provider string in ``ADVISOR_LLM`` (``openai:gpt-4o-mini``, ...),
  built by LangChain's ``init_chat_model``.

Engines only draft. The pipeline grounds every sentence afterwards, whatever the engine.
:data:`ENGINES` is read by the settings, the CLIs and the page; ``auto`` picks one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from langchain_core.documents import Document
from langchain_core.language_models import BaseChatModel
from langchain_core.output_parsers import StrOutputParser

from advisor import prompts
from advisor.config import Settings
from advisor.figures import asks_about_pay, figures_in
from advisor.grounding import Grounder, is_claim
from advisor.safety import is_instruction
from advisor.text import content_words, split_sentences

# ------------------------------------------------------------------ sentence selection


@dataclass
class ScoredSentence:
    doc: int
    position: int
    text: str
    score: float


_DEBRIS = re.compile(r"upgrade now|subscribe|sign up|click here|log in|cookie", re.I)
_LIST_ITEM = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
MAX_LIST_WORDS = 70
_ASKS_NUMBER = re.compile(r"\bhow (many|much|long|often|fast)\b|\bwhat (share|percentage|proportion)\b|"
                          r"\bnumber of\b|\bmost common\b|\bgrowth\b|\boutlook\b", re.I)


def join_lists(text: str) -> str:
    """A list's lead-in and its items as one line ("Lead-in: a; b; c."), so a list is quoted whole or not at all.

    Lists longer than ``MAX_LIST_WORDS`` keep their items apart and lose the lead-in,
    which says nothing on its own.
    """
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.rstrip().endswith(":") and not _LIST_ITEM.match(line):
            items = []
            j = i + 1
            while j < len(lines) and (_LIST_ITEM.match(lines[j]) or (not lines[j].strip() and not items)):
                if lines[j].strip():
                    items.append(_LIST_ITEM.sub("", lines[j]).strip().rstrip("."))
                j += 1
            if items and len(" ".join([line, *items]).split()) <= MAX_LIST_WORDS:
                out.append(f"{line.strip()} {'; '.join(items)}.")
                i = j
                continue
            if items:  # too long to quote whole: the items stand alone, the lead-in goes
                i += 1
                continue
        out.append(line)
        i += 1
    return "\n".join(out)


def rank_sentences(grounder: Grounder, question: str, docs: Sequence[Document]) -> list[ScoredSentence]:
    """Every usable sentence of the passages, scored by how well it answers the question.

    Word overlap with the question is weighted by how rare each word is among the
    candidates, so the subjects every passage names count for little.
    """
    candidates: list[ScoredSentence] = []
    for d, doc in enumerate(docs):
        for p, sentence in enumerate(split_sentences(join_lists(doc.page_content))):
            if len(sentence.split()) < 6 or not is_claim(sentence) or _DEBRIS.search(sentence):
                continue
            if sentence.rstrip().endswith(":") or sentence.lstrip().startswith("|"):  # a bare lead-in, a table row
                continue
            candidates.append(ScoredSentence(d, p, sentence, 0.0))
    if not candidates:
        return []
    vectors = grounder.embed([c.text for c in candidates])
    q_vector = grounder.embed([question])[0]
    q_words = content_words(question)
    words_of = [content_words(c.text) for c in candidates]
    weight = {w: math.log((1 + len(candidates)) / (1 + sum(w in ws for ws in words_of))) + 1.0 for w in q_words}
    wants_figures = asks_about_pay(question)
    wants_number = bool(_ASKS_NUMBER.search(question))
    for c, v, words in zip(candidates, vectors, words_of):
        overlap = sum(weight[w] for w in q_words & words) / sum(weight.values()) if q_words else 0.0
        # Earlier passages ranked higher in retrieval: a small prior keeps that order.
        c.score = float(v @ q_vector) + 0.3 * overlap - 0.02 * c.doc
        if len(c.text.split()) < 10:
            c.score -= 0.15  # short sentences are mostly scene-setting ("In the video, Sam is an analyst.")
        figures = figures_in(c.text)
        if wants_figures and any(f.is_money for f in figures):
            c.score += 0.2  # a pay question is answered by the figures, not by talk about them
        elif wants_number and figures:
            c.score += 0.15  # "how many", "what share": a sentence with the number answers it
    return sorted(candidates, key=lambda c: c.score, reverse=True)


def select_sentences(grounder: Grounder, question: str, docs: Sequence[Document], limit: int = 5,
                     redundancy: float = 0.8) -> list[ScoredSentence]:
    """The best non-redundant sentences, in reading order (passage, then position)."""
    ranked = rank_sentences(grounder, question, docs)
    if not ranked:
        return []
    vectors = dict(zip((id(c) for c in ranked), grounder.embed([c.text for c in ranked])))
    chosen: list[ScoredSentence] = []
    floor = ranked[0].score * 0.5
    for c in ranked:
        if len(chosen) >= limit or c.score < floor:
            break
        if any(float(vectors[id(c)] @ vectors[id(s)]) > redundancy for s in chosen):
            continue
        chosen.append(c)
    return sorted(chosen, key=lambda c: (c.doc, c.position))


# ------------------------------------------------------------------ engines


class ExtractiveEngine:
    """Answers with the passages' own sentences, each cited. Deterministic; needs no LLM."""

    name = "extractive"
    chat_model = None

    def __init__(self, grounder: Grounder) -> None:
        self.grounder = grounder

    def stream(self, question: str, docs: Sequence[Document], config=None) -> Iterator[str]:
        for s in select_sentences(self.grounder, question, docs):
            yield f"{s.text} [{s.doc + 1}]\n"

    def rewrite(self, question: str, history_text: str, config=None) -> str | None:
        return None


def format_sources(grounder: Grounder, question: str, docs: Sequence[Document], per_doc: int = 2) -> str:
    """Numbered sources for the prompt: the few most relevant sentences of each passage.

    Sending sentences rather than whole chunks keeps a small local model's prompt
    short (first token within a few seconds on 2 cores) and its attention on the point.
    """
    ranked = rank_sentences(grounder, question, docs)
    lines = []
    for d, doc in enumerate(docs):
        best = sorted([s for s in ranked if s.doc == d][:per_doc], key=lambda s: s.position)
        text = " ".join(s.text for s in best if not is_instruction(s.text))
        if text:
            lines.append(f"[{d + 1}] {text}")
    return "\n".join(lines)


class ChatEngine:
    """Drafts an answer with any LangChain chat model (llama.cpp, OpenAI, any ``init_chat_model`` provider)."""

    def __init__(self, name: str, chat_model: BaseChatModel, grounder: Grounder, per_doc: int = 2,
                 slow_start: bool = False) -> None:
        self.name = name
        self.chat_model = chat_model
        self.grounder = grounder
        self.per_doc = per_doc  # sentences of each passage in the prompt
        # A model that takes seconds to read its prompt (llama.cpp on a CPU): the pipeline shows
        # the passages' best sentence first (settings.lead_sentences).
        self.slow_start = slow_start
        self.chain = (prompts.ANSWER | chat_model | StrOutputParser()).with_config(run_name="llm_draft")
        self.rewrite_chain = (prompts.CONDENSE | chat_model.bind(max_tokens=48) | StrOutputParser()).with_config(
            run_name="llm_condense")

    def stream(self, question: str, docs: Sequence[Document], config=None) -> Iterator[str]:
        sources = format_sources(self.grounder, question, docs, self.per_doc)
        yield from self.chain.stream({"sources": sources, "question": question}, config=config)

    def warm_up(self) -> None:
        """Load the chat model ahead of the first question (a local model: also evaluate the system prompt)."""
        warm = getattr(self.chat_model, "warm_up", None)
        if warm is not None:
            system = prompts.ANSWER.format_messages(sources="", question="")[0]
            warm([system])

    def rewrite(self, question: str, history_text: str, config=None) -> str | None:
        text = self.rewrite_chain.invoke({"history": history_text, "question": question}, config=config)
        return text.strip().split("\n")[0].strip().strip('"') or None


# ------------------------------------------------------------------ the registry


def _local(settings: Settings, grounder: Grounder) -> ChatEngine:
    from advisor.llm import local_chat_model

    return ChatEngine("local", local_chat_model(settings), grounder, settings.local_sentences_per_passage,
                      slow_start=True)


def _openai(settings: Settings, grounder: Grounder) -> ChatEngine:
    from advisor.llm import openai_chat_model

    return ChatEngine("openai", openai_chat_model(settings), grounder)


def _llm(settings: Settings, grounder: Grounder) -> ChatEngine:
    from advisor.llm import provider_chat_model

    return ChatEngine(settings.llm or "llm", provider_chat_model(settings), grounder)


# name -> factory(settings, grounder). "auto" is not an engine: resolve_engine picks one.
ENGINES = {
    "extractive": lambda settings, grounder: ExtractiveEngine(grounder),
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

