"""Which writing systems the assistant reads: Latin (English, Hinglish), Devanagari, Arabic (Urdu).

A message written mostly in another script (Tamil, Bengali, Gurmukhi, Chinese...) would only
reach Rasa as noise, so it gets a short reply saying which languages we read instead; so does a
message in Latin letters whose words are those of French, Spanish, Portuguese, German or
Italian ("Bonjour, je cherche un châle").
"""

from __future__ import annotations

import re
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


# everyday words of European languages written in Latin letters that are neither English nor
# Hinglish (no "de", "se", "me", "la", "do", "des": Hinglish has them; no "pour": English), nor
# articles that place names carry ("Los Angeles", "Les Mureaux", "Puerto de la Cruz")
OTHER_LATIN_WORDS = frozenset(
    """
    bonjour bonsoir merci je vous nous avec cherche voudrais suis avez pouvez livrez combien
    c'est oui très ça hola buenos buenas gracias quiero tienen usted ustedes está estoy por
    favor cuánto cuanto necesito envían olá obrigado obrigada você não quero vocês ich nicht und
    ist haben danke bitte guten möchte suche ciao grazie voglio vorrei avete quanto
    """.split()  # noqa: SIM905 - a word list reads best as words
)
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


def other_latin_language(text: str) -> bool:
    """True when a Latin-script message is written in a language we do not read: at least two
    of its words, and a third of them, are everyday words of French, Spanish, Portuguese,
    German or Italian ("vous livrez en France?")."""
    words = [w.lower() for w in _WORD.findall(text)]
    foreign = sum(w in OTHER_LATIN_WORDS for w in words)
    return foreign >= 2 and foreign * 3 >= len(words)
