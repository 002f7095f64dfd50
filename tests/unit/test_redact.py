"""What is stored never holds a number or address the customer spoke."""

from __future__ import annotations

import pytest

from deescalate.records.redact import redact, redact_all


@pytest.mark.parametrize(
    ("spoken", "kept", "gone"),
    [
        ("the card ends up 5555-5555-5555-4444 declined", "declined", "5555"),
        ("amex 378282246310005 please", "amex", "378282246310005"),
        ("ring my office (212) 555-0187 after lunch", "after lunch", "555-0187"),
        ("the Berlin line +49 30 901820 is dead", "Berlin line", "901820"),
        ("send it to anna.kowalska+work@firma.pl today", "today", "firma.pl"),
        ("account is seven seven three oh two nine", "account is", "seven seven three"),
        ("pin 8812 was refused", "was refused", "8812"),
    ],
)
def test_numbers_and_addresses_are_replaced_and_the_rest_stays(spoken, kept, gone):
    stored = redact(spoken)
    assert gone not in stored
    assert kept in stored


def test_a_sixteen_digit_number_that_is_not_a_card_is_still_not_stored():
    stored = redact("reference 1234 5678 9012 3456 noted")
    assert "[card]" not in stored and "9012" not in stored


@pytest.mark.parametrize(
    "words",
    [
        "I want to speak to one of your managers",
        "I have called you two times in three weeks",
        'threat "I will hurt you"',
        "on hold for 20 minutes",
    ],
)
def test_ordinary_words_and_small_numbers_are_kept(words):
    assert redact(words) == words


def test_nested_event_data_is_redacted_everywhere():
    data = {"reasons": [{"cue": "threat", "words": "call 0207 946 0018 now", "points": 40.0}]}
    stored = redact_all(data)
    assert "946" not in stored["reasons"][0]["words"]
    assert stored["reasons"][0]["points"] == 40.0 and stored["reasons"][0]["cue"] == "threat"


@pytest.mark.parametrize(
    ("spoken", "stored"),
    [
        ("it's john dot smith at gmail dot com thanks", "it's [e-mail] thanks"),
        ("mail anna underscore b at firma dot co dot uk now", "mail [e-mail] now"),
        ("born 12/03/1985 in Leeds", "born [date] in Leeds"),
        ("date of birth 1985-03-12 ok", "date of birth [date] ok"),
        ("my mobile is 07700 900123 ok", "my mobile is [phone] ok"),
        ("call 020 7946 0018 please", "call [phone] please"),
    ],
)
def test_spoken_addresses_dates_and_uk_numbers_are_named_for_what_they_are(spoken, stored):
    assert redact(spoken) == stored
