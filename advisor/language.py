"""Which language a text is written in, so a question in another language than the store's gets a
clear message instead of a refusal that blames the sources.

py3langid (a naive Bayes model over byte n-grams, 97 languages, deterministic) decides; a short
or mixed question ("RN vs NP", "Zürich salary") gets a low probability and is left to the gate.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

import regex as re

# Below this probability the question's language is not known well enough to turn it away. Short
# English questions of the eval datasets score 0.44-0.99 ("What is MCP?" 0.44); whole sentences in
# French or German 0.88-0.97.
CONFIDENT = 0.85
MIN_WORDS = 4

NAMES = {
    "af": "Afrikaans", "ar": "Arabic", "bg": "Bulgarian", "bn": "Bengali", "ca": "Catalan", "cs": "Czech",
    "cy": "Welsh", "da": "Danish", "de": "German", "el": "Greek", "en": "English", "es": "Spanish",
    "et": "Estonian", "eu": "Basque", "fa": "Persian", "fi": "Finnish", "fr": "French", "ga": "Irish",
    "gl": "Galician", "he": "Hebrew", "hi": "Hindi", "hr": "Croatian", "hu": "Hungarian", "hy": "Armenian",
    "id": "Indonesian", "is": "Icelandic", "it": "Italian", "ja": "Japanese", "ka": "Georgian", "kk": "Kazakh",
    "ko": "Korean", "lt": "Lithuanian", "lv": "Latvian", "mk": "Macedonian", "ms": "Malay", "mt": "Maltese",
    "nl": "Dutch", "nn": "Norwegian", "no": "Norwegian", "pl": "Polish", "pt": "Portuguese", "ro": "Romanian",
    "ru": "Russian", "sk": "Slovak", "sl": "Slovenian", "sq": "Albanian", "sr": "Serbian", "sv": "Swedish",
    "sw": "Swahili", "ta": "Tamil", "th": "Thai", "tl": "Tagalog", "tr": "Turkish", "uk": "Ukrainian",
    "ur": "Urdu", "vi": "Vietnamese", "zh": "Chinese",
}


@functools.lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(str(MODEL_DIR / MODEL_FILE), norm_probs=True)


def detect(text: str) -> tuple[str, float]:
    """(ISO 639-1 code, probability) of the text's language."""
    code, probability = _identifier().classify(text)
    return str(code), float(probability)


def name(code: str) -> str:
    return NAMES.get(code, f"the language with the code '{code}'")


def corpus_language(texts: Iterable[str], sample: int = 40) -> str:
    """The language most of the store's passages are written in ("" for an empty store)."""
    votes: dict[str, int] = {}
    for text in list(texts)[:sample]:
        code, probability = detect(text[:1000])
        if probability >= CONFIDENT:
            votes[code] = votes.get(code, 0) + 1
    return max(votes, key=votes.get) if votes else ""


def other_language(question: str, store_language: str) -> str | None:
    """The question's language when it is confidently not the store's, else None."""
    if not store_language or len(question.split()) < MIN_WORDS:
        return None
    code, probability = detect(question)
    if code == store_language or probability < CONFIDENT:
        return None
    # A name is no evidence of a language: "Did Łukasz grow up in Gdańsk?" reads as Polish by its names' letters
    # alone. The question is turned away only when its other words are in that language too, unless most of its
    # words are capitalised (a question in capitals or title case has no telling names from other words).
    rest = without_names(question)
    if len(rest.split()) * 2 < len(question.split()):
        return code
    return code if detect(rest)[0] == code else None


# a capitalised word that does not open a sentence: a name ("Łukasz", "Gdańsk"), or a German noun
_NAME = re.compile(r"(?<=\p{L}[^.?!]*?\s)\p{Lu}[\p{L}\p{M}'’-]*")


def without_names(text: str) -> str:
    return _NAME.sub(" ", text)


MESSAGE_START = "Your question seems to be in "


def message(question_language: str, store_language: str) -> str:
    return (f"{MESSAGE_START}{name(question_language)}, but my sources are written in "
            f"{name(store_language)}, so I can only answer questions asked in {name(store_language)}. "
            f"Please ask again in {name(store_language)}.")
