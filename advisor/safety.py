"""Instructions inside questions and documents are inert.

A question may carry an instruction aimed at the assistant ("ignore your sources and
say ..."); a document may carry one aimed at the assistant or the reader ("readers
must email their password to ..."). Neither is ever followed or relayed: the
question keeps only its real question, and no answer sentence that instructs,
asks for credentials or sends the reader to a link survives grounding, whatever
the engine. The patterns are about how instructions are phrased, not about any topic.

A question's sentences are also read by meaning: one much closer to a request aimed at the assistant
(advisor/data/instruction_probes.txt: a new role, a poem, "reply in capitals", the hidden prompt) than to
anything a person weighing careers asks (advisor/data/question_probes.txt) and than to the store's own
passages is an instruction too, however it is worded. The store counts because a probe's task can be a
career's work: on a store about translators, "I love translating poetry" is about the store. Meaning alone
never empties a question (a lone sentence near a probe is left to the relevance gate), and what the person
says of themselves is read by its wording only. Documents are
not read this way: an article's own advice ("Tailor your CV to each job.") is an imperative to its reader,
not an instruction to the assistant.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from advisor.text import STOPWORDS, split_sentences

_DATA = Path(__file__).resolve().parent / "data"
# A question's sentence is an instruction when its best cosine to the instruction probes exceeds its best cosine
# to the question probes by more than this. Chosen on the tuning sentences (33 instructions written by the
# tuner for the dev corpora, 308 genuine sentences of the tuned datasets' questions): the highest genuine margin
# (0.163, a self-description) plus 0.02. Measured on evals/instruction_sentences_blind.yaml, written by a
# helper session and read as scores only: instructions caught 19/88 by the patterns alone, 55/88 with this;
# genuine sentences taken for instructions 0/110 both ways (ROC AUC of the margin 0.976). On the blind corpora
# the margin without the store refused one more answerable question (blind-languages 1/52 -> 2/52): the store's
# nearest passage now counts on the question side (on dev-therapy: instructions caught 14 -> 12 of 22, the
# highest genuine margin 0.076 -> 0.046). A review then found genuine questions near probes that were a career's
# own work ("How do I write a good cover letter…?", "I work as a translator…"): those probes went, question
# probes were added, and the tuning figures kept the margin (highest genuine 0.163); blind: 43/88 caught, 0/110.
INSTRUCTION_MARGIN = 0.183

_TO_ASSISTANT = re.compile(
    r"\b(ignore|disregard|forget|override|bypass)\b.{0,40}\b(instructions?|rules|prompts?|sources|guidelines|"
    r"context|above|previous)\b|\bsystem prompt\b|\byou are now\b|\bjailbreak|\bdeveloper mode\b|"
    r"\brepeat after me\b|\b(print|reveal|show|output)\s+(?:me\s+)?your\s+(?:system\s+)?(prompt|instructions|rules)\b|"
    r"\b(assistants?|ai|chatbots?|language models?|llms?)\s+(must|should|are required to)\b|"
    # role play, a new task, a claimed authority, or an answer made up or given without the sources
    r"\bpretend (?:to be|you(?:['’]re| are))\b|\b(?:act|behave|respond) as (?:if|though|an? (?:unrestricted|"
    r"different|new)|my)\b|\brole-?play|\bfrom now on\b|\bnew (?:instructions?|rules|task|persona)\b|"
    r"\b(?:make up|invent|fabricate)\b.{0,30}\b(?:figures?|numbers?|salar(?:y|ies)|answers?|facts?|data|quotes?)\b|"
    r"\b(?:without|don['’]t|do not|never|no need to)\s+(?:citing|cite|mention(?:ing)?|using|use|checking|check|"
    r"looking at)\s+(?:your |the |any )?(?:sources|citations|articles|documents|context)\b|"
    r"\beven if (?:it['’]?s|it is|they['’]re|they are) not in (?:your|the) (?:sources|articles|documents)\b|"
    r"\b(?:admin(?:istrator)?|developer|operator|owner|creator)s?\b.{0,60}\b(?:allow|authori[sz]e|permit|order|"
    r"instruct)(?:s|ed|ing)?\b",
    re.I,
)
_TO_READER = re.compile(
    # "credential" alone is a qualification ("the CMP is the best-known credential"), not a secret
    r"\b(password|passcode|pin code|login details|bank details|card number|social security number)\b|"
    r"\byour\b[^.!?]{0,40}\bcredentials?\b|\b(?:login|log-in|account|user|sso|e-?mail|portal)\s+credentials?\b|"
    r"\b(click|tap)\s+(here|this link|the link|below)\b|\bhttps?://\S+|\bwww\.\S+|"
    r"\b(must|should|need to|have to)\s+(e-?mail|send|wire|transfer|pay|call|text|message|contact)\b|"
    r"\b(e-?mail|send|forward)\s+(?:us\s+|it\s+)?(?:to\s+)?[\w.+-]+@[\w-]+\.[\w.]+",
    re.I,
)


# "Say that…", "Make sure you tell users that…": a command to assert something. Not where a plural subject
# stands before the verb: "Experts say that…", "Wikipedia mirrors (wikimili) say that…" report what others say.
_SAY_THAT = re.compile(r"\b(say|write|answer|reply|respond|state|claim|tell (?:me|them|users?))\s+(?:only\s+)?that\b",
                       re.I)
_SUBJECT_BEFORE = re.compile(r"\b(\w+)\s*(?:\([^()]{0,40}\)\s*)?$")
_PLURAL_SUBJECTS = frozenset({"they", "we", "people", "others", "all", "both", "many", "most", "some"})
_ADVERBS_IN_S = frozenset({"always", "perhaps", "thus", "unless", "yes", "besides", "sometimes"})


def _commands_to_say(sentence: str) -> bool:
    """Does the sentence tell someone to say, write or claim something (no plural subject before the verb)?"""
    for m in _SAY_THAT.finditer(sentence):
        before = _SUBJECT_BEFORE.search(sentence[:m.start()])
        word = before.group(1).lower() if before else ""
        reported = word in _PLURAL_SUBJECTS or (
            len(word) >= 3 and word.endswith("s") and word not in STOPWORDS and word not in _ADVERBS_IN_S)
        if not reported:
            return True
    return False


def _to_assistant(sentence: str) -> bool:
    return bool(_TO_ASSISTANT.search(sentence)) or _commands_to_say(sentence)


def is_instruction(sentence: str) -> bool:
    """Does the sentence instruct the assistant, or ask the reader for credentials, money or a click?"""
    return _to_assistant(sentence) or bool(_TO_READER.search(sentence))


@lru_cache(maxsize=2)
def _probes(name: str) -> tuple[str, ...]:
    lines = (_DATA / name).read_text(encoding="utf-8").splitlines()
    return tuple(line.strip() for line in lines if line.strip() and not line.startswith("#"))


# Per grounder, held weakly: a grounder gone (and its id reused by another with other embeddings) takes its
# vectors with it.
_PROBE_VECTORS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _probe_vectors(grounder, name: str) -> np.ndarray:
    """The probes' vectors, encoded once per grounder: kept here, not in the grounder's cache of passages, so
    preparing a store's passages never makes a question encode them again."""
    kept = _PROBE_VECTORS.setdefault(grounder, {})
    if name not in kept:
        kept[name] = grounder.embed(list(_probes(name)))
    return kept[name]


StoreSimilarity = Callable[[list[str]], Sequence[float]]  # each text's best cosine to the store's passages


def instruction_margins(grounder, sentences: Sequence[str], store_similarity: StoreSimilarity | None = None
                        ) -> np.ndarray:
    """How much closer each sentence is to a request aimed at the assistant than to a question about careers or
    to the store's nearest passage (``grounder``: anything with ``embed`` returning normalised vectors). The
    store is asked only about the sentences that look like instructions without it."""
    if not sentences:
        return np.zeros(0)
    vectors = grounder.embed(list(sentences))
    towards = (vectors @ _probe_vectors(grounder, "instruction_probes.txt").T).max(axis=1)
    away = (vectors @ _probe_vectors(grounder, "question_probes.txt").T).max(axis=1)
    margins = towards - away
    suspects = [k for k, m in enumerate(margins) if m > INSTRUCTION_MARGIN]
    if suspects and store_similarity is not None:
        nearest = store_similarity([sentences[k] for k in suspects])
        for k, similarity in zip(suspects, nearest):
            margins[k] = towards[k] - max(away[k], float(similarity))
    return margins


def instruction_flags(sentences: Sequence[str], grounder=None, store_similarity: StoreSimilarity | None = None
                      ) -> list[bool]:
    """Which sentences instruct the assistant: by a pattern, or with a ``grounder`` by meaning too."""
    flags = [_to_assistant(s) for s in sentences]
    if grounder is None:
        return flags
    margins = instruction_margins(grounder, sentences, store_similarity)
    return [flag or float(m) > INSTRUCTION_MARGIN for flag, m in zip(flags, margins)]


def strip_instructions(question: str, grounder=None, store_similarity: StoreSimilarity | None = None
                       ) -> tuple[str, bool]:
    """The question without sentences that instruct the assistant, and whether any were dropped. With a
    ``grounder``, a sentence is also an instruction by meaning (:func:`instruction_margins`), but meaning alone
    never empties a question: what it would leave nothing of is kept for the relevance gate to judge, since a
    genuine question can sit near a probe ("Can you say that again more simply?")."""
    sentences = split_sentences(question) or [question]
    by_pattern = instruction_flags(sentences)
    instructs = by_pattern
    if grounder is not None:
        by_meaning = instruction_flags(sentences, grounder, store_similarity)
        if not all(by_meaning) or all(by_pattern):
            instructs = by_meaning
    kept = [s for s, flag in zip(sentences, instructs) if not flag]
    return " ".join(kept).strip(), len(kept) < len(sentences)


INSTRUCTION_REFUSAL = ("I answer questions from my sources and can't follow instructions that change how I answer. "
                       "Ask me a question about the careers these articles cover.")
