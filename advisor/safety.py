"""Instructions inside questions and documents are inert.

A question may carry an instruction aimed at the assistant ("ignore your sources and
say ..."); a document may carry one aimed at the assistant or the reader ("readers
must email their password to ..."). Neither is ever followed or relayed: the
question keeps only its real question, and no answer sentence that instructs,
asks for credentials or sends the reader to a link survives grounding, whatever
the engine. The patterns are about how instructions are phrased, not about any topic.
"""

from __future__ import annotations

import re

from advisor.text import split_sentences

_TO_ASSISTANT = re.compile(
    r"\b(ignore|disregard|forget|override|bypass)\b.{0,40}\b(instructions?|rules|prompts?|sources|guidelines|"
    r"context|above|previous)\b|\bsystem prompt\b|\byou are now\b|\bjailbreak|\bdeveloper mode\b|"
    r"\b(say|write|answer|reply|respond|state|claim|tell (?:me|them|users?))\s+(?:only\s+)?that\b|"
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
    r"\b(password|passcode|pin code|credentials?|login details|bank details|card number|social security number)\b|"
    r"\b(click|tap)\s+(here|this link|the link|below)\b|\bhttps?://\S+|\bwww\.\S+|"
    r"\b(must|should|need to|have to)\s+(e-?mail|send|wire|transfer|pay|call|text|message|contact)\b|"
    r"\b(e-?mail|send|forward)\s+(?:us\s+|it\s+)?(?:to\s+)?[\w.+-]+@[\w-]+\.[\w.]+",
    re.I,
)


def is_instruction(sentence: str) -> bool:
    """Does the sentence instruct the assistant, or ask the reader for credentials, money or a click?"""
    return bool(_TO_ASSISTANT.search(sentence) or _TO_READER.search(sentence))


def strip_instructions(question: str) -> tuple[str, bool]:
    """The question without sentences that instruct the assistant, and whether any were dropped."""
    sentences = split_sentences(question) or [question]
    kept = [s for s in sentences if not _TO_ASSISTANT.search(s)]
    return " ".join(kept).strip(), len(kept) < len(sentences)


INSTRUCTION_REFUSAL = ("I answer questions from my sources and can't follow instructions that change how I answer. "
                       "Ask me a question about the careers these articles cover.")
