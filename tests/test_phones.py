"""One phone rule (catalog.phones, by phonenumbers) for buyers' delivery phones and staff ids."""

from __future__ import annotations

import pytest

from actions.checkout import plausible_phone
from catalog import phones
from catalog.errors import InvalidInput
from catalog.staff import normalize_id


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("98765 43210", "+919876543210"),  # Indian mobile without the code
        ("098765-43210", "+919876543210"),  # with the trunk 0
        ("+91 (98765) 43210", "+919876543210"),
        ("0091 98765-43210", "+919876543210"),
        ("+44 7700 900123", "+447700900123"),  # possible, though not an allocated range
        ("+92 300 1234567", "+923001234567"),
        ("011 2345 6789", "+911123456789"),  # a Delhi landline
        ("55555", None),
        ("12345678", None),  # no country code, and not an Indian number
        ("+91 98765 ABCDE", None),  # letters are not read as digits
        ("+999 9999 9999", None),  # no such country code
        ("", None),
    ],
)
def test_a_buyers_phone(typed: str, expected: str | None) -> None:
    assert plausible_phone(typed) == expected
    assert phones.e164(typed, region="IN") == expected


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("+919812345678", "+919812345678"),
        ("whatsapp:+919812345678", "+919812345678"),
        ("919812345678", "+919812345678"),  # the code without its plus
        ("+44 7700 900123", "+447700900123"),
    ],
)
def test_a_staff_whatsapp_id_is_the_same_number(given: str, expected: str) -> None:
    assert normalize_id("whatsapp", given) == expected


@pytest.mark.parametrize("given", ["98123", "+99999999999", "+91 98123 4567x", "0"])
def test_a_staff_whatsapp_id_that_is_no_number_is_refused(given: str) -> None:
    with pytest.raises(InvalidInput, match="country code"):
        normalize_id("whatsapp", given)


@pytest.mark.parametrize(
    ("said", "region", "expected"),
    [
        ("my number is 98765 43210", "IN", "+919876543210"),  # F13: refused before
        ("mera number 0300-1234567 hai", "PK", "+923001234567"),
        ("mera number 0300-1234567 hai", "IN", None),  # not an Indian number, as alone
        ("मेरा नंबर ९८७६५ ४३२१० है", "IN", "+919876543210"),
        ("call me on +44 7700 900123 please", "IN", "+447700900123"),
        ("phone: 098765-43210 (whatsapp)", "IN", "+919876543210"),
        ("pin 171001, mobile 98765 43210", "IN", "+919876543210"),  # the PIN is no phone
        ("my number is 12345", "IN", None),
        ("my number is abc", "IN", None),
        ("+91 98765 ABCDE", "IN", None),
    ],
)
def test_a_number_inside_a_sentence(said: str, region: str, expected: str | None) -> None:
    assert phones.in_text(said, region) == expected
    assert plausible_phone(said, region) == expected


@pytest.mark.parametrize(
    ("number", "shown"),
    [("+919876543210", "+91 98765 43210"), ("+923001234567", "+92 300 1234567"),
     ("+447400123456", "+44 7400 123456"), ("", ""), (None, ""), ("not a number", "not a number")],
)  # fmt: skip
def test_a_number_is_shown_grouped(number: str | None, shown: str) -> None:
    assert phones.shown(number) == shown
