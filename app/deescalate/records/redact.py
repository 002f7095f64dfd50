"""Privacy by default: what is stored about a call never holds a number or address the
customer spoke.

Phone numbers are found by `phonenumbers` (Google's libphonenumber rules, any country's
format, read as written in any of `REGIONS`); card numbers are digit runs that pass the
Luhn check; e-mail addresses (written, or spoken: "john dot smith at gmail dot com"),
dates ("12/03/1985") and spoken digits ("four one one one ...", as a recogniser writes
them) by pattern. Any run of four or more digits left over is redacted too: in a call it
is an account, a date of birth or a code, never something a supervisor needs.
"""

from __future__ import annotations

import re
from typing import Any

import phonenumbers

PHONE, CARD, EMAIL, DATE, DIGITS = "[phone]", "[card]", "[e-mail]", "[date]", "[digits]"
DEFAULT_REGION = "US"
REGIONS = ("US", "GB", "IE", "AU", "IN")
"""Numbers written without a country code are tried as each of these regions' numbers."""

EMAIL_PATTERN = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_SPOKEN_PART = r"[\w+-]+(?: (?:dot|underscore|dash|hyphen) [\w+-]+)*"
SPOKEN_EMAIL = re.compile(
    rf"\b{_SPOKEN_PART} at {_SPOKEN_PART} dot (?:com|net|org|co|io|edu|gov|uk|ie|au|de|fr|info)"
    r"(?: dot (?:uk|au|nz|in))?\b",
    re.I,
)
DATE_PATTERN = re.compile(r"\b(?:\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})|\d{4}-\d{2}-\d{2})\b")
CARD_PATTERN = re.compile(r"\b\d(?:[ -]?\d){12,18}\b")
DIGIT_WORDS = "zero|oh|one|two|three|four|five|six|seven|eight|nine|double|triple"
SPOKEN_DIGITS = re.compile(rf"\b(?:(?:{DIGIT_WORDS})[\s,-]+){{2,}}(?:{DIGIT_WORDS})\b", re.I)
"""Three or more digit words in a row: "four one one", "double seven two"."""
DIGIT_RUN = re.compile(r"\d(?:[ -]?\d){3,}")


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _cards(match: re.Match) -> str:
    digits = re.sub(r"\D", "", match.group())
    return CARD if luhn_valid(digits) else match.group()


def _phones(text: str, region: str) -> str:
    for each in dict.fromkeys((region, *REGIONS)):
        if not any(char.isdigit() for char in text):
            break
        matcher = phonenumbers.PhoneNumberMatcher(text, each, phonenumbers.Leniency.POSSIBLE)
        for match in reversed(list(matcher)):
            text = text[: match.start] + PHONE + text[match.end :]
    return text


def redact(text: str, region: str = DEFAULT_REGION) -> str:
    """`text` with e-mail addresses, dates, card and phone numbers and spoken digits
    replaced."""
    if not text:
        return text
    text = EMAIL_PATTERN.sub(EMAIL, text)
    text = SPOKEN_EMAIL.sub(EMAIL, text)
    text = DATE_PATTERN.sub(DATE, text)
    text = CARD_PATTERN.sub(_cards, text)
    text = _phones(text, region)
    text = SPOKEN_DIGITS.sub(DIGITS, text)
    return DIGIT_RUN.sub(DIGITS, text)


def redact_all(value: Any) -> Any:
    """Every string inside `value` (nested lists, tuples and dicts) redacted."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: redact_all(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact_all(item) for item in value]
    return value
