"""Digits as people type them: Devanagari (०-९), Arabic-Indic (٠-٩) and the Urdu/Persian
forms (۰-۹) read as ASCII 0-9, so "۳۱۲۴۵" is 31245 wherever a number is expected."""

from __future__ import annotations

_TABLE = str.maketrans(
    "०१२३४५६७८९٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹",
    "0123456789" * 3,
)


def ascii_digits(text: str) -> str:
    """``text`` with Devanagari, Arabic-Indic and Urdu digits as ASCII digits; nothing else changes."""
    return text.translate(_TABLE)
