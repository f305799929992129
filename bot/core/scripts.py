"""Which writing systems the assistant reads: Latin (English, Hinglish), Devanagari, Arabic (Urdu).

A message written mostly in another script (Tamil, Bengali, Gurmukhi, Chinese...) would only
reach Rasa as noise, so it gets a short reply saying which languages we read instead.
"""

from __future__ import annotations

import unicodedata

SERVED = ("LATIN", "DEVANAGARI", "ARABIC")

UNSERVED_REPLY_TEXT = (
    "Sorry, I can read English, Hindi (हिंदी or Hinglish) and Urdu (اردو) only. "
    "Please write in one of them."
)


def _script(ch: str) -> str | None:
    """The script of a letter from its Unicode name ("TAMIL LETTER KA" -> "TAMIL")."""
    if not ch.isalpha():
        return None
    name = unicodedata.name(ch, "")
    return name.split(" ", 1)[0] if name else None


def unserved(text: str) -> bool:
    """True when most letters of ``text`` are in a script we do not read."""
    scripts = [s for s in map(_script, text) if s is not None]
    if not scripts:
        return False  # digits, emoji, punctuation: let the assistant decide
    foreign = sum(s not in SERVED for s in scripts)
    return foreign * 2 > len(scripts)


def main_script(text: str) -> str | None:
    """The script most letters of ``text`` are in ("LATIN", "DEVANAGARI", "ARABIC"...)."""
    scripts = [s for s in map(_script, text) if s is not None]
    return max(set(scripts), key=scripts.count) if scripts else None
