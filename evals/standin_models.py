"""Stand-in chat models: hand-written answers of a capable model, true sentences and planted falsehoods,
to test that verification keeps the true ones and drops the false ones (issue 23).

``evals/standins/CORPUS.yaml`` holds the answers (written by a separate author from the corpus files,
each sentence labelled true or false with its kind, in a ``visible`` half and a ``heldout`` half that
gates CI and is not read by whoever tunes verification). :class:`ScriptedChatModel` replies to the
advisor's prompt with the answer for its question, citing each sentence by the numbers the prompt
gives the passages of the files it cites, as a real model would. :func:`run_standins` asks every
question through ``Advisor(chat_model=...)`` and counts which sentences reached the reader.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult

from advisor.figures import figures_in, same_value
from advisor.grounding import negated_words
from advisor.text import content_words, fold, split_sentences, strip_citations

STANDINS = Path(__file__).resolve().parent / "standins"
KEPT = 0.9  # share of a drafted sentence's content words an answer sentence must hold to count as it


@dataclass
class StandInSentence:
    text: str
    cites: list[str]
    truth: bool
    kind: str


@dataclass
class StandInAnswer:
    question: str
    sentences: list[StandInSentence]
    half: str = "visible"
    about: str = ""
    history: list = field(default_factory=list)


def load_standins(corpus: str) -> list[StandInAnswer]:
    """The corpus's stand-in answers: the first author's (a visible and a held-out half), a second author's
    visible set (``standins/extra/CORPUS.yaml``), written later to tune on without reading the held-out half, and
    a third author's ``blind`` set (``standins/blind/CORPUS.yaml``), whose answers the tuning session never read."""
    return [answer for path in (STANDINS / f"{corpus}.yaml", STANDINS / "extra" / f"{corpus}.yaml",
                                STANDINS / "blind" / f"{corpus}.yaml")
            if path.is_file() for answer in _load(path)]


def _load(path: Path) -> list[StandInAnswer]:
    return [StandInAnswer(item["question"], [StandInSentence(s["text"], list(s.get("cites") or []), bool(s["truth"]),
                                                             s.get("kind", "")) for s in item["sentences"]],
                          item.get("half", "visible"), item.get("about") or "",
                          [tuple(t) for t in item.get("history") or []])
            for item in yaml.safe_load(path.read_text(encoding="utf-8"))]


class ScriptedChatModel(BaseChatModel):
    """Answers the prompt's question with its hand-written answer; cites passages by the prompt's numbers."""

    answers: list
    folder: str  # the corpus folder, to tell which numbered source comes from which file

    @property
    def _llm_type(self) -> str:
        return "stand-in"

    def _generate(self, messages: list[BaseMessage], stop=None, run_manager=None, **kwargs) -> ChatResult:
        prompt = str(messages[-1].content)
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=self.reply(prompt)))])

    def reply(self, prompt: str) -> str:
        sources, _, asked = prompt.rpartition("Question:")
        if not sources:  # the condense prompt: no rewrite
            return ""
        words = content_words(asked)
        overlap = [(len(words & content_words(a.question)) / max(1, len(content_words(a.question))), i)
                   for i, a in enumerate(self.answers)]
        best, index = max(overlap)
        if best < 0.5:  # a rewritten follow-up far from every scripted question
            return ""
        answer = self.answers[index]
        numbered = _numbered_sources(sources)
        files = {p.name: fold(p.read_text(encoding="utf-8")) for p in Path(self.folder).iterdir() if p.is_file()}
        lines = []
        for sentence in answer.sentences:
            numbers = [n for n, text in numbered for name in sentence.cites
                       if name in files and _from_file(text, files[name])]
            marks = "".join(f"[{n}]" for n in dict.fromkeys(numbers)) or "[1]"
            lines.append(f"{sentence.text} {marks}")
        return "\n".join(lines)


def _numbered_sources(block: str) -> list[tuple[int, str]]:
    """The prompt's numbered sources: "[n] text", where a whole passage may run over several lines and open
    with its article's title in parentheses."""
    out: list[tuple[int, str]] = []
    for line in block.split("\n"):
        line = line.strip()
        number, _, text = line[1:].partition("]") if line.startswith("[") else ("", "", "")
        if number.isdigit() and len(number) <= 3:
            out.append((int(number), text.strip()))
        elif out and line and not (out[-1][1] and not out[-1][1].startswith("(")):
            out[-1] = (out[-1][0], line)  # the passage's first line after its title
    return out


def _from_file(text: str, file_text: str) -> bool:
    """Does a numbered source's text come from this file (its first sentence, without markup, is in it)?"""
    first = (split_sentences(text) or [text])[0]
    words = [w for w in fold(first).replace("*", "").split() if w.isalnum()][:8]
    return bool(words) and all(w in file_text for w in words)


def reached(sentence: str, answer_sentences: list[str], subjects=None) -> bool:
    """Did the drafted sentence reach the reader: nearly all its words, and every figure, in one answer sentence
    (a swapped figure is not reached by the true figure in the same words), negated alike ("Not every NP is a
    nurse first" is not reached by "Every NP is a nurse first") and saying what it says of the same careers
    (``subjects``, the store's: "Howell says AI engineers build algorithms…, while ML engineers integrate…" is
    not reached by the source's own sentence with the careers the other way round)."""
    words, figures = content_words(sentence), figures_in(sentence)
    return bool(words) and any(len(words & content_words(a)) >= KEPT * len(words)
                               and all(any(same_value(f, g) for g in figures_in(a)) for f in figures)
                               and _negated_alike(sentence, a)
                               and (subjects is None or _same_roles(sentence, a, subjects))
                               for a in answer_sentences)


def _negated_alike(sentence: str, answer: str) -> bool:
    """The answer sentence negates the drafted sentence's words it holds as the drafted one does ("Every NP is a
    nurse first" is in "…not really alternatives: every NP is a nurse first"; "Not every NP…" is not)."""
    words = content_words(sentence)
    return negated_words(sentence) & words == negated_words(answer) & words


def _same_roles(sentence: str, answer: str, subjects) -> bool:
    """The answer sentence names the drafted sentence's careers in the same order and ties each clause to the
    same one (advisor.subjects.Subjects.swapped)."""
    def order(text: str) -> list[str]:
        return list(dict.fromkeys(subject for _, _, subject in sorted(subjects.mentions(text))))

    drafted, said = order(sentence), order(answer)
    if len(drafted) >= 2 and set(drafted) == set(said) and drafted != said:
        return False
    # each figure tied to the same career ("X roles grew 45%" is not in "X roles grew 35% and Y roles 45%")
    for f in figures_in(sentence):
        owner = subjects.near(sentence, f.start)
        if owner and not any(same_value(f, g) and subjects.near(answer, g.start) in (owner, None)
                             for g in figures_in(answer)):
            return False
    return not subjects.swapped(sentence, subjects.clauses(answer))


def _answer_sentences(text: str) -> list[str]:
    """The answer's sentences; the conflict note's quotes each on its own (they are the sources' statements, one
    after another, not one sentence that could hold a drafted one's words and figures)."""
    from advisor.chain import CONFLICT_NOTE

    out = []
    for line in text.split("\n"):
        pieces = line.split("; ") if line.startswith(CONFLICT_NOTE) else [line]
        out += [strip_citations(s) for piece in pieces for s in split_sentences(piece)]
    return out


def run_standins(corpus: str, folder: Path, settings) -> dict:
    """Ask every stand-in question; count true kept, true dropped, false kept, false dropped, per half."""
    from advisor.chain import Advisor

    answers = load_standins(corpus)
    if not answers:
        return {}
    model = ScriptedChatModel(answers=answers, folder=str(folder))
    advisor = Advisor(settings=settings, chat_model=model)
    subjects = advisor.profile().subjects
    counts: dict[str, Counter] = defaultdict(Counter)
    kinds: dict[str, Counter] = defaultdict(Counter)
    for item in answers:
        model.answers = [item]  # two authors may ask alike: the model answers the question being asked
        got = advisor.ask(item.question, item.history, about=item.about)
        said = [] if got.refused else _answer_sentences(got.text)
        for sentence in item.sentences:
            kept = reached(sentence.text, said, subjects)
            key = f"{'true' if sentence.truth else 'false'}_{'kept' if kept else 'dropped'}"
            counts[item.half][key] += 1
            if (sentence.truth and not kept) or (not sentence.truth and kept):
                kinds[item.half][f"{key}:{sentence.kind}"] += 1
    out = {}
    for half, c in counts.items():
        true, false = c["true_kept"] + c["true_dropped"], c["false_kept"] + c["false_dropped"]
        out[half] = {**{k: c[k] for k in ("true_kept", "true_dropped", "false_kept", "false_dropped")},
                     "true_kept_rate": c["true_kept"] / true if true else None,
                     "false_dropped_rate": c["false_dropped"] / false if false else None,
                     "misjudged_kinds": dict(kinds[half])}
    return out
