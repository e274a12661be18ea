"""Figures in text: money in the forms articles use, percentages and other values.

A money figure's identity is its value, currency and country: "$120,000 in the
US" and "£60,000 in the UK" never contradict each other; two sources giving
different figures for the same subject, currency and country do. Currency
symbols and ISO 4217 codes, ``k``/``m``/``million``, "per year"/"an hour" and
ranges ("$150,000–$200,000", "$150k-200k") are understood. Nothing here knows
about a field of work.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import dataclass, replace

_SYMBOLS = {"us$": "USD", "c$": "CAD", "ca$": "CAD", "a$": "AUD", "au$": "AUD", "nz$": "NZD", "s$": "SGD",
            "hk$": "HKD", "r$": "BRL", "$": "USD", "£": "GBP", "€": "EUR", "¥": "JPY", "₹": "INR", "₩": "KRW",
            "₽": "RUB", "₺": "TRY", "₪": "ILS", "₱": "PHP", "₦": "NGN", "zł": "PLN", "kr": "SEK", "chf": "CHF"}
_CODES = ("USD", "GBP", "EUR", "JPY", "INR", "CAD", "AUD", "NZD", "CHF", "SEK", "NOK", "DKK", "PLN", "SGD", "HKD",
          "CNY", "RMB", "BRL", "MXN", "ZAR", "KRW", "AED", "SAR", "TRY", "ILS", "PHP", "NGN", "KES", "EGP", "PKR")
# Countries named in text, and the country a currency implies when none is named.
_COUNTRIES = {
    "US": r"United States|U\.S\.A?\.?|USA|US|America|American",
    "GB": r"United Kingdom|U\.K\.|UK|Britain|British|England|Scotland|Wales|London",
    "CA": r"Canada|Canadian", "AU": r"Australia|Australian", "NZ": r"New Zealand|NZ", "IE": r"Ireland|Irish",
    "DE": r"Germany|German", "FR": r"France|French", "NL": r"Netherlands|Dutch", "ES": r"Spain|Spanish",
    "IT": r"Italy|Italian", "IN": r"India|Indian", "JP": r"Japan|Japanese", "CN": r"China|Chinese",
    "SG": r"Singapore", "CH": r"Switzerland|Swiss", "SE": r"Sweden|Swedish", "BR": r"Brazil|Brazilian",
    "MX": r"Mexico|Mexican", "ZA": r"South Africa", "AE": r"United Arab Emirates|UAE|Dubai",
}
_CURRENCY_COUNTRY = {"USD": "US", "GBP": "GB", "CAD": "CA", "AUD": "AU", "NZD": "NZ", "INR": "IN", "JPY": "JP",
                     "CHF": "CH", "SEK": "SE", "SGD": "SG", "BRL": "BR", "MXN": "MX", "ZAR": "ZA", "CNY": "CN",
                     "RMB": "CN", "AED": "AE", "KRW": "KR"}
_COUNTRY = re.compile(r"(?<![\w.])(" + "|".join(f"(?P<{c}>{p})" for c, p in _COUNTRIES.items()) + r")(?![\w])")
# The countries' names alone (no short form, no nationality), for a name typed in lower case.
_NATIONALITY = re.compile(r"(?:ian|can|man|ish|ese|ch|ss)$")
_COUNTRY_NAME = re.compile(r"(?<![\w.])(" + "|".join(
    f"(?P<{c}>{'|'.join(n for n in p.split('|') if not n.isupper() and '.' not in n and not _NATIONALITY.search(n))})"
    for c, p in _COUNTRIES.items()) + r")(?![\w])", re.I)

_SYMBOL = "|".join(re.escape(s) for s in sorted(_SYMBOLS, key=len, reverse=True))
_CODE = "|".join(_CODES)
_NUMBER = re.compile(
    rf"(?P<cur>{_SYMBOL}|\b(?:{_CODE})\b)?\s?(?P<num>\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    rf"(?:\s?(?P<unit>%|k\b|K\b|m\b|M\b|bn\b|million\b|billion\b|thousand\b))?"
    rf"(?:\s?(?P<code>\b(?:{_CODE})\b))?",
    re.I,
)
_RANGE_JOIN = re.compile(r"^\s*(?:-|–|—|to)\s*$")
# A currency written after its amount, as much of Europe writes it ("28 000 €", "30.000 euros", "4 500 zł"). Not
# "dollars" (whose?) nor "kr" (which crown?): with those and "euro" read as money too, blind-media's fact recall
# fell 0.747 -> 0.715; with these alone it held.
_AFTER = {"€": "EUR", "euros": "EUR", "zł": "PLN"}
_AFTER_PATTERN = "|".join(re.escape(s) for s in sorted(_AFTER, key=len, reverse=True))
_TRAILING = re.compile(rf"\s?(?:{_AFTER_PATTERN})(?![\w])", re.I)
# Thousands grouped by a space (any Unicode space), a thin space or a dot, and a decimal comma, beside a currency
# ("28 000 €", "€ 1.500,50", "11,65 € de l'heure", "CHF 100 000", "de 1 800 à 2 500 €"): read as "28,000",
# "1,500.50", "11.65", the same length, so positions hold. Without a currency beside them (or at the end of their
# range) digits so grouped may be two numbers ("in 2019 300 people") and a comma a list's ("1,5 and 7").
_SEP = "[ \u00a0\u202f\u2009.]"
_AMOUNT = rf"(?:\d{{1,3}}(?:{_SEP}\d{{3}})+|\d+)(?:,\d{{1,2}})?"
# the words that join a range's two ends, in the languages whose number words advisor.figures reads
_RANGE_WORD = r"(?:-|–|—|to|and|et|à|a|bis|und|y|e|tot|en|og|och)"
_GROUPED = re.compile(
    rf"(?P<pre>(?:{_SYMBOL}|\b(?:{_CODE})\b)\s?)?(?<![\d.,]){_AMOUNT}(?!\d|,\d)"
    rf"(?P<post>(?=(?:\s?{_RANGE_WORD}\s?{_AMOUNT})?\s?(?:(?:million|billion|thousand|k|m|bn)\s?)?"
    rf"(?:{_AFTER_PATTERN}|\b(?:{_CODE}))(?!\w)))?", re.I)
_RANGE_BETWEEN = re.compile(rf"^\s?{_RANGE_WORD}\s?$", re.I)


def _regrouped(m: re.Match) -> str:
    if m.group("pre") is None and m.group("post") is None:
        return m.group(0)
    pre = m.group("pre") or ""
    number = m.group(0)[len(pre):]
    whole, comma, cents = number.rpartition(",") if re.search(r",\d{1,2}$", number) else (number, "", "")
    return pre + re.sub(_SEP, ",", whole) + ("." + cents if comma else "")


@dataclass(frozen=True)
class Figure:
    value: float
    start: int
    currency: str  # ISO code ("USD", "GBP", ...) or "" for a percentage or a plain number
    is_share: bool = False  # a percentage ("38%")

    @property
    def is_money(self) -> bool:
        return bool(self.currency)


def figures_in(text: str) -> list[Figure]:
    """Numbers that carry a claim: money, percentages and other values (not list numbering or years)."""
    out: list[Figure] = []
    previous = None  # (match, figure) of the last money figure, so "$150k-200k" gives both ends
    text = _GROUPED.sub(_regrouped, text)
    previous_match = None
    for m in _NUMBER.finditer(text):
        if text[max(0, m.start() - 1) : m.start()] == "[":  # a citation mark, not a figure
            continue
        try:
            value = float(m.group("num").replace(",", ""))
        except ValueError:
            continue
        unit = (m.group("unit") or "").lower()
        value *= {"k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6, "bn": 1e9, "billion": 1e9}.get(unit, 1)
        symbol = (m.group("cur") or m.group("code") or "").lower()
        currency = _SYMBOLS.get(symbol) or (symbol.upper() if symbol else "")
        after = _TRAILING.match(text, m.end())
        if not currency and after and unit != "%":
            currency = _AFTER[after.group(0).strip().lower()]
        if currency == "RMB":
            currency = "CNY"
        if not currency and unit != "%" and previous is not None and _RANGE_JOIN.match(text[previous[0].end() : m.start()]):
            currency = previous[1].currency  # the second end of a range
            if not unit and previous[0].group("unit"):
                value *= {"k": 1e3, "m": 1e6}.get(previous[0].group("unit").lower(), 1)
        if not currency and not unit and (value < 10 or (1900 <= value <= 2100 and "." not in m.group("num"))):
            continue  # list numbering, small counts and years say nothing checkable
        figure = Figure(value, m.start(), currency, unit == "%")
        if currency and out and not out[-1].currency and not out[-1].is_share and previous_match is not None \
                and _RANGE_BETWEEN.match(text[previous_match.end():m.start()]) and after:
            out[-1] = replace(out[-1], currency=currency)  # "28 000 - 38 000 €": the low end's currency is at the end
        out.append(figure)
        previous_match = m
        previous = (m, figure) if currency else None
    return out


# Languages whose number words text2num reads; a text in another language keeps its words.
_NUMBER_WORD_LANGUAGES = frozenset({"en", "fr", "es", "pt", "de", "nl", "da", "it"})
_PLAIN_NUMBER = re.compile(r"(?<![\w.,])(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:[.,]\d+)?)(?![\w])")


def _value(number: str) -> float:
    """"12,000" is twelve thousand; "3,5" (a decimal comma) three and a half."""
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", number):
        return float(number.replace(",", ""))
    return float(number.replace(",", "."))


@functools.lru_cache(maxsize=8192)
def with_digits(text: str) -> str:
    """The text with numbers written in words as digits ("five boards" -> "5 boards"; "one" and "two" stay words,
    too often not counts), read by text2num in the text's language."""
    try:
        from text_to_num import alpha2digit
    except ImportError:  # an install without it compares figures written in digits only
        return text
    from advisor.language import detect

    code, probability = detect(text)
    try:
        return alpha2digit(text, code if code in _NUMBER_WORD_LANGUAGES and probability >= 0.85 else "en")
    except Exception:  # noqa: BLE001 - text2num rejects some inputs; the words then stay words
        return text


def _numbers(text: str) -> Counter:
    return Counter(_value(m.group(0)) for m in _PLAIN_NUMBER.finditer(text))


def _counted(text: str) -> list[tuple[float, set[str]]]:
    """(number, the content words of the three words after it) of every number in the text, words as digits."""
    from advisor.text import content_words

    converted = with_digits(text)
    return [(_value(m.group(0)), content_words(" ".join(converted[m.end():].split()[:3])))
            for m in _PLAIN_NUMBER.finditer(converted)]


def counts_held(sentence: str, context: str) -> bool:
    """No count the sentence writes in words ("three certification boards") is counted otherwise in the context
    (a number followed by a word of what it counts: "five NP certification boards"). A count the context does
    not give (a list the sentence counted) is not held against it. Counts in digits are :func:`figures_in`'s;
    small numbers in words are left to this check, which figures_in cannot tell from list numbering."""
    spelled = _numbers(with_digits(sentence)) - _numbers(sentence)
    if not spelled:
        return True
    stated = _counted(context)
    for value, after in _counted(sentence):
        same_thing = {v for v, words in stated if after & words}
        if value in spelled and same_thing and value not in same_thing:
            return False
    return True


_CLAUSE_BREAK = re.compile(r"[;,](?=\s)|\bwhile\b|\bwhereas\b|\bbut\b|\bcompared with\b|\bversus\b|\bvs\b")


def country_of(text: str, figure: Figure) -> str:
    """The country a money figure is about: one named in its clause, else the one its currency implies,
    else the nearest one named in the text."""
    starts = [0] + [m.end() for m in _CLAUSE_BREAK.finditer(text)]
    start = max(s for s in starts if s <= figure.start)
    end = min((m.start() for m in _CLAUSE_BREAK.finditer(text) if m.start() > figure.start), default=len(text))
    in_clause = countries_named(text[start:end])
    if len(in_clause) == 1:
        return next(iter(in_clause))
    if figure.currency in _CURRENCY_COUNTRY:
        return _CURRENCY_COUNTRY[figure.currency]
    best, distance = "", 10**9
    for m in _COUNTRY.finditer(text):
        d = abs(m.start() - figure.start)
        if d < distance:
            best, distance = next(k for k, v in m.groupdict().items() if v), d
    return best


def same_value(a: Figure, b: Figure) -> bool:
    return abs(a.value - b.value) <= 1e-6 * max(1.0, a.value) and a.currency == b.currency


def countries_named(text: str) -> set[str]:
    return {key for m in _COUNTRY.finditer(text) for key, v in m.groupdict().items() if v}


def is_currency_code(word: str) -> bool:
    """Is the word an ISO currency code ("USD", "GBP")? A question's "in USD" names a currency, not a thing."""
    return word.upper() in _CODES


def country_mentions(text: str) -> list[tuple[str, str]]:
    """(words as written, country code) of every country named in the text: as written, and a country's name typed
    in lower case ("can I work in canada"). Lower case reads names only: "us" stays a pronoun and "french" an
    adjective ("a french polisher"), since short forms and nationalities count in capitals only."""
    found = [(m.start(), m.group(0), next(k for k, v in m.groupdict().items() if v)) for m in _COUNTRY.finditer(text)]
    found += [(m.start(), m.group(0), next(k for k, v in m.groupdict().items() if v))
              for m in _COUNTRY_NAME.finditer(text) if m.group(0).islower()]
    return [(written, code) for _, written, code in sorted(found)]


_PAY_WORDS = re.compile(
    r"\b(salar\w*|pay|pays|paid|earn\w*|compensation|wage\w*|income|remuneration)\b"
    # "how much do they make?", "how much a designer makes in London"; not "how much difference it makes"
    r"|\bhow much\b(?! (?:of an? )?(?:difference|sense|impact|progress|change|effort|time|experience|work)\b)"
    r"[^.?!]*\bmakes?\b(?=\s*(?:$|[?.!,;]|per\b|a year|an hour|a month|annually|in\b|on average|at\b|after\b|"
    r"compared\b|than\b))", re.I)


def asks_about_pay(question: str) -> bool:
    return bool(_PAY_WORDS.search(question))
