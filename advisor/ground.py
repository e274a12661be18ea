"""The ground step: every sentence of a draft is checked before it reaches the reader.

Sentence by sentence, as the draft streams: an instruction is never relayed; a sentence must read as one
where it lands (advisor/form.py); a source's sentence and a small model's must be supported by a passage
(advisor.grounding.ground_sentence) and not contradict it; a capable model's is verified as a claim
against the passages it cites taken together (advisor.grounding.verify_drafted), and, when those do
not hold it, against the store's passages found for it; a small model's must also be on the question.
What the draft left short (a small model) or empty (any model) is completed from the sources.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from itertools import islice

import numpy as np
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import RunnableConfig

from advisor import form, safety
from advisor.config import Settings
from advisor.figures import figures_in, same_value
from advisor.grounding import (GroundedSentence, Grounder, contradicts_sources, denied_by, ground_sentence,
                               verify_drafted)
from advisor.selection import DRAFT_FLOOR, restated_score, selection_floor
from advisor.state import QuestionState, Verification, events, label_of, premise, with_about
from advisor.subjects import Subjects
from advisor.text import citations_in, content_words, split_sentences, strip_citations

NEAR_DUPLICATE = 0.9  # an answer sentence this similar to an earlier one says nothing new
CONTAINED = 0.85  # ...nor does one whose words are this nearly all in one earlier sentence


class GroundStep:
    """The pipeline's ground step (a streaming transform of the draft step's events)."""

    def __init__(self, settings: Settings, grounder: Grounder, retriever: BaseRetriever, engine, extractive,
                 ranked: Callable[[dict], list]) -> None:
        self.settings = settings
        self.grounder = grounder
        self.retriever = retriever
        self.engine = engine
        self.extractive = extractive
        self.ranked = ranked  # the question's ranked passage units, once per question (Pipeline.ranked)

    def run(self, inputs: Iterator, config: RunnableConfig) -> Iterator[list]:
        """The step: the draft step's events in, each kept sentence out as ("sentence", (text, sources))."""
        state: QuestionState | None = None
        buffer, done = "", 0
        contexts: list[str] = []
        subjects = Subjects()
        said: list[str] = []
        seen: set[str] = set()
        lead: list[str] = []  # sentences from the sources, shown before the draft

        sources_said: list[int] = []  # the passage each kept sentence comes from (its first source)
        # The last sentence checked was the model's and was kept, or none was checked yet and nothing shown (so a
        # capable model's "They…" points where the model meant it to: its sentence before, or the question).
        draft_intact = True


        def grounded(sentence: str, finished: bool = True, drafted: bool = False) -> Iterator[list]:
            """Keep a sentence that the passages support and that reads well where it lands in the answer.

            ``finished``: the writer ended it (a line of the draft, a source's sentence); a draft's
            unterminated tail may have been cut off by the token limit and is kept only when whole.
            ``drafted``: a model wrote it; it must also be on the question: the source sentence it
            restates must rank where selection would quote it (a small model drifts to whatever its
            prompt holds).
            """
            nonlocal draft_intact
            if drafted:
                state.verification.drafted += 1
            kept = yield from _checked(sentence, finished, drafted)
            if drafted and kept:
                state.verification.kept += 1
            draft_intact = drafted and kept  # the reader has the draft's sentences so far, in order

        def _checked(sentence: str, finished: bool, drafted: bool):
            """The checks of :func:`grounded`; yields the kept sentence and returns whether it was kept."""
            if safety.is_instruction(sentence):  # never relay an instruction, whoever wrote it
                return False
            # a capable model's sentence, closed by it, may end on a preposition ("…the guide points to.")
            if not form.is_whole(sentence, stranded=drafted and not small_model):
                # A line the writer ended without a full stop is repaired; a lead-in (":"), a torn list
                # item (";", lower-case start) or a tail the token limit cut off is not.
                text = strip_citations(sentence).rstrip()
                repairable = finished and text[-1:].isalnum() and text[:1].isupper()
                repaired = form.as_sentence(text) if repairable else ""
                if not form.is_whole(repaired):
                    return False
                sentence = f"{repaired} {' '.join(f'[{n}]' for n in citations_in(sentence))}".strip()
            if drafted and not small_model:
                result = self._verified(sentence, state, contexts)
            else:
                result = ground_sentence(self.grounder, sentence, contexts, self.settings.support_threshold, subjects)
                if result is not None and drafted and contradicts_sources(self.grounder, result.text, contexts,
                                                                          result.sources, premise(state), subjects):
                    return False
            if result is None or result.text.lower() in seen:
                return False
            if drafted and small_model:
                ranked = self.ranked(state)
                score = restated_score(self.grounder, result.text, ranked, result.sources)
                if score is not None and score < selection_floor(ranked, DRAFT_FLOOR):
                    return False
            own_referent = (drafted and not small_model and draft_intact
                            and not form.opens_with_person_pronoun(result.text))  # "she" needs her name before
            if (form.points_back(result.text) and not (sources_said and result.sources[0] == sources_said[-1])
                    and not own_referent):
                # "She builds…" after a sentence from another passage: "she" would point at the wrong person
                # (a capable model's "They…" right after its own kept sentence points where the model meant it
                # to, and its first one, with nothing before it, at the question: "They are…")
                return False
            if self._repeats(result.text, said, NEAR_DUPLICATE):
                return False
            seen.add(result.text.lower())
            said.append(result.text)
            sources_said.append(result.sources[0])
            yield [("sentence", (result.text, result.sources))]
            return True

        drafted = self.engine is not self.extractive  # a model wrote the deltas: check what they claim
        # A small local model drifts to whatever its prompt holds: its sentences must also be on the question.
        # A capable model's are not held to it (stand-ins, visible half: true sentences kept 24/72 -> 42/72).
        small_model = getattr(self.engine, "slow_start", False)
        for kind, value in events(inputs):
            if kind == "state":
                state = value
                state.verification = Verification()  # a model's sentences checked, and kept
                contexts = [d.page_content for d in state.docs]
                subjects = state.profile.subjects
                yield [("state", state)]
            elif kind == "notice":
                state.notices.append(value)
            elif kind == "opening":  # the advisor's reading of the passages that follow it (advisor/advice.py)
                # Not among what was said for the repeat checks: it quotes the person's own words, and the
                # passage that says the same of a career is its evidence, not a repeat.
                text, sources = value
                sources_said.append(sources[0])
                draft_intact = False
                yield [("sentence", (text, sources))]
            elif kind == "lead":
                before = len(said)
                for sentence in split_sentences(value):
                    yield from grounded(sentence)
                lead += said[before:]
            elif kind == "delta":
                buffer += value
                parts = split_sentences(buffer)
                complete = len(parts) if buffer.endswith("\n") else len(parts) - 1
                while done < complete:
                    if not self._repeats(parts[done], lead):
                        yield from grounded(parts[done], drafted=drafted)
                    else:
                        draft_intact = False  # the reader never sees this sentence of the draft
                    done += 1
        if state is None or state.refusal:
            return
        for sentence in split_sentences(buffer)[done:]:
            if not self._repeats(sentence, lead):
                yield from grounded(sentence, finished=buffer.rstrip().endswith((".", "!", "?", "]", ")")),
                                    drafted=drafted)

        state.draft_engine = self.engine.name
        if self.engine is self.extractive:
            return
        extra = (s for s in self.extractive.stream(with_about(state), state.docs, subjects=subjects,
                                                   ranked=self.ranked(state)))
        if len(said) == len(lead):  # nothing in the draft held up: the answer is extractive
            state.draft_engine = f"{self.engine.name}→extractive"
            for sentence in extra:
                yield from grounded(sentence)
        elif small_model and len(said) < self.settings.min_answer_sentences:
            # A small model often stops after one sentence: complete the answer from the
            # passages' own best sentences, skipping any the draft already said. (A capable model's verified
            # answer is not padded to a sentence count.)
            before = len(said)
            for sentence in islice(self._not_yet_said(extra, said), self.settings.min_answer_sentences - before):
                yield from grounded(sentence)
            if len(said) > before or lead:
                state.draft_engine = f"{self.engine.name}+extractive"
        elif lead:
            state.draft_engine = f"{self.engine.name}+extractive"

    def _verified(self, sentence: str, state: QuestionState, contexts: list[str]):
        """A capable model's sentence checked against the passages it cites (advisor.grounding.verify_drafted);
        when they do not hold it, against the store's passages found for the sentence itself (a model may
        state what another passage of the same article says): one that holds it joins the answer's sources."""
        docs = state.docs
        check = functools.partial(verify_drafted, self.grounder, threshold=self.settings.support_threshold,
                                  subjects=state.profile.subjects, premise=premise(state))
        verdict = check(sentence, contexts, labels=[label_of(d) for d in docs])
        if verdict.kept is not None or verdict.contradicted:
            return verdict.kept
        present = set(contexts)
        found = [d for d in self.retriever.invoke(strip_citations(sentence), session=state.session)
                 if d.page_content not in present]
        if not found:
            return None
        # (a swap is looked for in the passages at hand too: the one saying it of another career is not searched)
        result = check(strip_citations(sentence), [d.page_content for d in found], labels=[label_of(d) for d in found],
                       beside=contexts).kept
        if result is None or denied_by(self.grounder, sentence, contexts + [d.page_content for d in found]):
            return None
        sources = []
        for i in result.sources:
            docs.append(found[i])
            contexts.append(found[i].page_content)
            sources.append(len(docs) - 1)
        return GroundedSentence(result.text, sources)

    def _repeats(self, sentence: str, earlier: list[str], similarity: float = 0.8) -> bool:
        """Whether a sentence says again what an earlier one said (a draft's sentence after the lead: 0.8), or
        restates a part of one: nearly all its words and every figure are in that one sentence (a model's
        "X build algorithms." after "…: X build algorithms; Y integrate models." is shorter, so less similar)."""
        if not earlier:
            return False
        text = strip_citations(sentence)
        words, figures = content_words(text), figures_in(text)
        earlier = [strip_citations(before) for before in earlier]

        def gives_its_figures(before: str) -> bool:  # every figure of the sentence, with the same value
            return all(any(same_value(f, g) for g in figures_in(before)) for f in figures)

        if len(words) >= 3 and any(len(words & content_words(before)) >= CONTAINED * len(words)
                                   and gives_its_figures(before) for before in earlier):
            return True
        # Close in meaning but giving a figure the close one does not: another fact ("Welders earn £31k" after
        # "Electricians earn £38k"), which the embedding barely tells apart.
        close = self.grounder.embed(earlier) @ self.grounder.embed([text])[0] >= similarity
        return any(gives_its_figures(before) for before, near in zip(earlier, close) if near)

    def _not_yet_said(self, candidates: Iterator[str], said: list[str], similarity: float = 0.8) -> Iterator[str]:
        said_vectors = self.grounder.embed(said)
        for sentence in candidates:
            vector = self.grounder.embed([strip_citations(sentence)])[0]
            if len(said_vectors) == 0 or float(np.max(said_vectors @ vector)) < similarity:
                said_vectors = np.vstack([said_vectors, vector]) if len(said_vectors) else vector[None, :]
                yield sentence
