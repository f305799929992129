"""The one table of product categories.

``ALL`` is what a product may be filed under (checked on every write: spreadsheets, the seed,
staff's /add); ``MENU`` is the short list the bot offers when it cannot read the catalog's own
categories (Rasa or the database down), in the order buyers see it. Staff's /add numbers the
categories in ``ALL``'s order, so new ones go at the end.
"""

from __future__ import annotations

ALL = (
    "handloom",
    "furniture",
    "bakery",
    "leather",
    "carpets",
    "pickles",
    "glassware",
    "sports",
    "electricals",
    "pottery",
    "embroidery",
    "clothing",
    "decor",
    "jute",
)
MENU = ("handloom", "clothing", "carpets", "furniture", "pottery", "pickles")

# buyer fixes (session 6): the categories' names for Hindi (Devanagari) and Urdu readers;
# session 10: for Hinglish (romanized Hindi) readers too, the words they would write; English
# readers see the English word with a capital ("Pottery")
NAMES: dict[str, dict[str, str]] = {
    "hi": {
        "handloom": "हथकरघा", "furniture": "फ़र्नीचर", "bakery": "बेकरी", "leather": "चमड़ा",
        "carpets": "कालीन", "pickles": "अचार", "glassware": "काँच का सामान", "sports": "खेल का सामान",
        "electricals": "बिजली का सामान", "pottery": "मिट्टी के बर्तन", "embroidery": "कढ़ाई",
        "clothing": "कपड़े", "decor": "सजावट", "jute": "जूट",
    },
    "hi-Latn": {
        "handloom": "Handloom", "furniture": "Furniture", "bakery": "Bakery",
        "leather": "Chamde ka samaan", "carpets": "Kaleen", "pickles": "Achaar",
        "glassware": "Kaanch ka samaan", "sports": "Khel ka samaan",
        "electricals": "Bijli ka samaan", "pottery": "Mitti ke bartan",
        "embroidery": "Kadhai ka kaam", "clothing": "Kapde", "decor": "Sajawat", "jute": "Jute",
    },
    "ur": {
        "handloom": "ہینڈلوم", "furniture": "فرنیچر", "bakery": "بیکری", "leather": "چمڑا",
        "carpets": "قالین", "pickles": "اچار", "glassware": "شیشے کا سامان", "sports": "کھیلوں کا سامان",
        "electricals": "بجلی کا سامان", "pottery": "مٹی کے برتن", "embroidery": "کڑھائی",
        "clothing": "کپڑے", "decor": "سجاوٹ", "jute": "پٹ سن",
    },
}  # fmt: skip


def display_name(category: str, language: str) -> str:
    """A category as its reader reads it ("अचार", "Achaar", "اچار"); otherwise the stored word
    with a capital, as a name ("Pottery"; a category added since keeps its own capitals)."""
    found = NAMES.get(language, {}).get(category)
    if found:
        return found
    return category[:1].upper() + category[1:]


def code(value: str | None) -> str | None:
    """The category a word names, or None: the NLU's synonym mapper turns "carpets" into
    "carpet" and "pickles" into "pickle" (the product words), so a category entity may be the
    singular of a code ("show me carpets" found nothing: no category "carpet")."""
    word = (value or "").strip().lower()
    for candidate in (word, f"{word}s", word.removesuffix("s")):
        if candidate in ALL:
            return candidate
    return None
