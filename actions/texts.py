"""What the actions say, in the buyer's language: one catalog per language (actions/texts_en.py,
texts_hi.py, texts_hi_latn.py, texts_ur.py), every key in all four (tests/test_texts.py checks)."""

from __future__ import annotations

import json

from actions import texts_en, texts_hi, texts_hi_latn, texts_ur

EN, HI, HI_LATN, UR = "en", "hi", "hi-Latn", "ur"
# English; Hindi in Devanagari; romanized Hindi/Hinglish in Latin letters; Urdu in Arabic script
LANGUAGES = (EN, HI, HI_LATN, UR)
CATALOGS: dict[str, dict[str, str]] = {
    EN: texts_en.TEXTS,
    HI: texts_hi.TEXTS,
    HI_LATN: texts_hi_latn.TEXTS,
    UR: texts_ur.TEXTS,
}
# key -> {language: text}
TEXTS: dict[str, dict[str, str]] = {
    key: {code: catalog[key] for code, catalog in CATALOGS.items() if key in catalog}
    for key in texts_en.TEXTS
}


def t(key: str, lang: str | None, **values: object) -> str:
    """The text for ``key`` in ``lang`` (English for an unknown language), filled with ``values``."""
    catalog = CATALOGS.get(lang or EN, texts_en.TEXTS)
    return catalog.get(key, texts_en.TEXTS[key]).format(**values)


def payload(intent: str, **entities: object) -> str:
    """A button payload ``/intent{...}`` in full, whatever its length: the channels own their
    limits (Telegram's adapter sends payloads over 64 bytes as a short token)."""
    ents = {k: str(v) for k, v in entities.items() if v is not None}
    return f"/{intent}" + (
        json.dumps(ents, ensure_ascii=False, separators=(",", ":")) if ents else ""
    )


def button(title: str, intent: str, **entities: object) -> dict[str, str]:
    return {"title": title[:60], "payload": payload(intent, **entities)}
