"""Order references as people see and type them: ``KG-0042`` for order 42 (issue 12).

An order's database id (1, 2, 3...) looks exactly like a WhatsApp menu choice ("Reply 1"),
so a buyer or staff member reading "Order 2" cannot tell it from option 2. Every order number
shown to a person is therefore ``ref(id)``: the prefix ``KG-`` (Kaarigar) and the id
zero-padded to at least four digits. The prefix alone makes it impossible to mistake for a
menu number; the padding keeps references the same width in lists and makes even order 1
(``KG-0001``) read as a reference rather than a count. Ids past 9999 simply grow
(``KG-10042``), so the reference always maps back to exactly one id with no lookup table.

``parse_ref`` reads what people type: ``KG-0042``, ``kg 42``, ``kg42``, ``KG-42``, ``#42``,
``42``, in any case and spacing (and with the dashes phone keyboards substitute). Junk,
zero, and absurd lengths are refused (None), so nothing past the database's integers is
ever looked up.

Internal identifiers (gateway reference ids, invoice payloads, idempotency keys, logs) keep
the plain id; this module is only for people.
"""

from __future__ import annotations

import re

PREFIX = "KG-"
WIDTH = 4
MAX_TEXT = 32  # longer input is not an order reference
MAX_DIGITS = 12  # significant digits; order ids are int4, so anything longer is junk

_REF = re.compile(r"(?:KG\s*[-‐‑–—#]?\s*|#\s*)?(\d+)")


def ref(order_id: int) -> str:
    """The reference people see for an order id: 42 -> ``KG-0042``, 10042 -> ``KG-10042``."""
    return f"{PREFIX}{int(order_id):0{WIDTH}d}"


def parse_ref(text: str | int | None) -> int | None:
    """The order id in a typed reference, or None if the text is not one.

    Accepts ``KG-0042``, ``kg 42``, ``kg42``, ``KG-42``, ``#42`` and ``42`` in any case and
    with any spacing around the prefix and dash ("Kg - 0042"); the digits themselves must be
    one run ("42 43" is two numbers, not 4243). Only ASCII digits count ("²" is no digit)."""
    if text is None:
        return None
    if isinstance(text, int):
        return text if text > 0 else None
    if len(text) > MAX_TEXT:
        return None
    match = _REF.fullmatch(text.strip().upper())
    if match is None or not match.group(1).isascii():
        return None
    digits = match.group(1).lstrip("0")
    if not digits or len(digits) > MAX_DIGITS:
        return None
    return int(digits)


def is_bare(text: str | None) -> bool:
    """True if the text is digits only (maybe with spaces): "2" may be a quantity, "KG-2" may not."""
    return bool(text) and re.fullmatch(r"\s*\d+\s*", text or "") is not None
