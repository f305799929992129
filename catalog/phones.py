"""Phone numbers, decided by ``phonenumbers`` (Google's libphonenumber): the one rule for a
buyer's delivery phone and a staff member's WhatsApp id.

A number written with its country code is accepted when it is *possible* for that country (the
right length for its plan), not only when it is in a range already allocated: allocation data
lags, and ranges such as the UK's 07700 900xxx are not "valid". A number written without one
(read as ``region``'s) must be valid there, so eight random digits are not taken for a phone.
"""

from __future__ import annotations

import re

import phonenumbers

# What people type around the digits; letters are refused (phonenumbers would read "1-800-FLOWERS").
_TYPED = re.compile(r"\+?[\d\s\-().]+")


def e164(text: str, region: str | None = None) -> str | None:
    """The number as E.164 (``+919812345678``), or None when it is not a possible number.

    ``region`` (ISO 3166, e.g. "IN") reads numbers written without a country code as that
    country's (a buyer typing "98765 43210"); without it a number needs its country code, and a
    bare run of digits is read as one ("919812345678": WhatsApp ids are international).
    A WhatsApp address ("whatsapp:+91...") is read as its number.
    """
    raw = text.strip().removeprefix("whatsapp:").strip()
    if not raw or len(raw) > 40 or not _TYPED.fullmatch(raw):
        return None
    if raw.startswith("00"):
        raw = "+" + raw[2:]  # the international prefix most countries dial
    elif region is None and raw[0].isdigit():
        raw = "+" + raw
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    international = raw.startswith("+")
    if not phonenumbers.is_possible_number(number):
        return None
    if not international and not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


MAX_SENTENCE = 300  # characters of a message searched for a number in it


def in_text(text: str, region: str | None = None) -> str | None:
    """The phone number a buyer wrote, as E.164: the whole text when it is a number, else the
    first number inside a sentence that ``e164`` takes ("my number is 98765 43210", "mera
    number 0300-1234567 hai"); None when there is none. phonenumbers finds the candidates
    (digits with their spaces, dashes, brackets and +), ``e164`` decides as for a bare number,
    so a sentence never makes a number acceptable that would not be acceptable alone."""
    found = e164(text, region)
    if found is not None or len(text) > MAX_SENTENCE:
        return found
    candidates = phonenumbers.PhoneNumberMatcher(
        text, region or "ZZ", leniency=phonenumbers.Leniency.POSSIBLE
    )
    return next(filter(None, (e164(m.raw_string, region) for m in candidates)), None)


# how people in a country write a mobile number, where it reads better than libphonenumber's
# example ("081234 56789": Indians write their ten digits without the 0)
_WRITTEN = {"IN": "98765 43210"}


def example(region: str | None) -> str | None:
    """A mobile number as written in ``region`` ("0301 2345678" in Pakistan), or None."""
    region = (region or "").upper()
    if region in _WRITTEN:
        return _WRITTEN[region]
    number = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    if number is None:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def shown(number: str | None) -> str:
    """An E.164 number grouped as people read it ("+91 98765 43210"); anything else as it is."""
    try:
        parsed = phonenumbers.parse(number or "", None)
    except phonenumbers.NumberParseException:
        return number or ""
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def region(number: str | None) -> str | None:
    """The country of an E.164 number ("+923001234567" -> "PK"), or None."""
    if not number:
        return None
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(number, None)) or None
    except phonenumbers.NumberParseException:
        return None
