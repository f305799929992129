"""Normalising words for search: one canonical form for every way buyers write a thing.

English, romanized Hindi/Urdu and Devanagari/Urdu script all fold onto the same terms, so
"shal", "शॉल" and "shawls" all find a Kullu shawl.
"""

from __future__ import annotations

import unicodedata

# Variant -> canonical term. Canonical terms are the English words products are indexed by.
SYNONYMS: dict[str, str] = {
    # handloom
    "shal": "shawl",
    "shaal": "shawl",
    "shawal": "shawl",
    "शॉल": "shawl",
    "शाल": "shawl",
    "शॉल्स": "shawl",
    "شال": "shawl",
    "dushala": "shawl",
    "दुशाला": "shawl",
    "stol": "stole",
    "स्टोल": "stole",
    "topi": "cap",
    "टोपी": "cap",
    "ٹوپی": "cap",
    "moje": "socks",
    "moze": "socks",
    "mooje": "socks",
    "मोजे": "socks",
    "sock": "socks",
    "jaket": "jacket",
    "जैकेट": "jacket",
    "sweter": "sweater",
    "स्वेटर": "sweater",
    "kambal": "blanket",
    "कंबल": "blanket",
    "कम्बल": "blanket",
    "کمبل": "blanket",
    "hathkargha": "handloom",
    "हथकरघा": "handloom",
    # furniture
    "kursi": "chair",
    "कुर्सी": "chair",
    "mez": "table",
    "मेज": "table",
    "मेज़": "table",
    "almari": "cupboard",
    "almirah": "cupboard",
    "अलमारी": "cupboard",
    "farnichar": "furniture",
    "फर्नीचर": "furniture",
    # bakery
    "biskut": "biscuits",
    "biscuit": "biscuits",
    "बिस्किट": "biscuits",
    "cookies": "biscuits",
    "double roti": "bread",
    "ब्रेड": "bread",
    "केक": "cake",
    "chocolates": "chocolate",
    "चॉकलेट": "chocolate",
    # leather
    "chappals": "chappal",
    "chapal": "chappal",
    "chappl": "chappal",
    "चप्पल": "chappal",
    "چپل": "chappal",
    "sandal": "chappal",
    "sandals": "chappal",
    "boot": "boots",
    "joote": "shoes",
    "joota": "shoes",
    "जूते": "shoes",
    "जूता": "shoes",
    "shoe": "shoes",
    "juti": "shoes",
    "jutti": "shoes",
    "जूती": "shoes",
    "belts": "belt",
    "बेल्ट": "belt",
    "patta": "belt",
    "batua": "purse",
    "बटुआ": "purse",
    "پرس": "purse",
    "wallet": "purse",
    "chamda": "leather",
    "चमड़ा": "leather",
    "چمڑا": "leather",
    # carpets
    "kaleen": "carpet",
    "kalin": "carpet",
    "qaleen": "carpet",
    "कालीन": "carpet",
    "قالین": "carpet",
    "rug": "carpet",
    "rugs": "carpet",
    "carpets": "carpet",
    "dari": "durrie",
    "durry": "durrie",
    "dhurrie": "durrie",
    "दरी": "durrie",
    "durries": "durrie",
    # food
    "achaar": "pickle",
    "achar": "pickle",
    "aachar": "pickle",
    "अचार": "pickle",
    "اچار": "pickle",
    "pickles": "pickle",
    # glass, sports, lights, clay
    "kaanch": "glass",
    "kanch": "glass",
    "कांच": "glass",
    "glassware": "glass",
    "chime": "chimes",
    "futbol": "football",
    "फुटबॉल": "football",
    "ball": "football",
    "bulb": "led",
    "bulbs": "led",
    "बल्ब": "led",
    "batti": "led",
    "mitti": "clay",
    "मिट्टी": "clay",
    "pottery": "pottery",
    "bartan": "utensils",
    "बर्तन": "utensils",
    "diya": "diya",
    "diye": "diya",
    "दीया": "diya",
    "दिया": "diya",
    "lalten": "lantern",
    "लालटेन": "lantern",
    # embroidery and clothes
    "zari": "zardozi",
    "zardosi": "zardozi",
    "ज़री": "zardozi",
    "जरी": "zardozi",
    "कढ़ाई": "embroidery",
    "kadhai": "embroidery",
    "kashida": "embroidery",
    "کڑھائی": "embroidery",
    "khadi": "khaddar",
    "khaddi": "khaddar",
    "खादी": "khaddar",
    "کھدر": "khaddar",
    "kapde": "clothing",
    "कपड़े": "clothing",
    "kurta": "kurta",
    "कुर्ता": "kurta",
    # places
    "up": "uttar pradesh",
    "hp": "himachal pradesh",
    "himachal": "himachal pradesh",
    "kp": "khyber pakhtunkhwa",
    "kpk": "khyber pakhtunkhwa",
    "पेशावर": "peshawar",
    "پشاور": "peshawar",
    "कुल्लू": "kullu",
    "kulu": "kullu",
}

STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "i",
        "me",
        "my",
        "we",
        "you",
        "your",
        "is",
        "are",
        "am",
        "be",
        "to",
        "of",
        "for",
        "in",
        "on",
        "at",
        "and",
        "or",
        "with",
        "please",
        "pls",
        "plz",
        "want",
        "need",
        "show",
        "see",
        "some",
        "any",
        "get",
        "give",
        "buy",
        "order",
        "looking",
        "look",
        "find",
        "have",
        "has",
        "do",
        "does",
        "can",
        "could",
        "would",
        "like",
        "this",
        "that",
        "these",
        "those",
        "it",
        "what",
        "which",
        "how",
        "much",
        "many",
        "price",
        "cost",
        "size",  # "caps size?" listed the football "(size 5)"
        "sizes",
        "saiz",
        "साइज़",
        "سائز",
        "under",
        "below",
        "upto",
        "mujhe",
        "muje",
        "mujhko",
        "hame",
        "humein",
        "chahiye",
        "chaiye",
        "chahie",
        "dikhao",
        "dikha",
        "dikhaiye",
        "batao",
        "bataye",
        "kya",
        "hai",
        "hain",
        "ka",
        "ki",
        "ke",
        "ko",
        "se",
        "me",
        "mein",
        "wala",
        "wali",
        "wale",
        "koi",
        "kuch",
        "aur",
        "ya",
        "bhi",
        "kitne",
        "kitna",
        "kitni",
        "kaisa",
        "मुझे",
        "चाहिए",
        "दिखाओ",
        "दिखाइए",
        "क्या",
        "है",
        "हैं",
        "का",
        "की",
        "के",
        "को",
        "से",
        "में",
        "वाला",
        "वाली",
        "कोई",
        "कुछ",
        "और",
        "कितने",
        "कितना",
        "mujhay",
        "chahiye",
        "dikhayen",
        "ہے",
        "کا",
        "کی",
        "کے",
    ]
)

_STRIP = {"P", "S", "Z", "C"}


class _Separators(dict[int, str]):
    """``str.translate`` table: punctuation, symbols, spaces and controls become a space,
    other characters stay; the Unicode category of each character up to U+2FFF (Latin,
    Devanagari, Arabic, punctuation) is looked up once, so the table stays small."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        out = " " if unicodedata.category(ch)[0] in _STRIP else ch
        if code < 0x3000:
            self[code] = out
        return out


_SEPARATORS = _Separators()


def tokens(text: str) -> list[str]:
    """Split into lower-case words, dropping punctuation but keeping Devanagari vowel signs."""
    return unicodedata.normalize("NFKC", text).casefold().translate(_SEPARATORS).split()


def _stem(word: str) -> str:
    if word.isascii() and len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def canonical(word: str) -> str:
    if word in SYNONYMS:
        return SYNONYMS[word]
    stem = _stem(word)
    return SYNONYMS.get(stem, stem)


def terms(text: str, *, drop_stopwords: bool = False) -> list[str]:
    """Canonical search terms of a text, in order, without repeats.

    Multi-word canonicals ("uttar pradesh") are split, so both sides of a search agree.
    """
    out: list[str] = []
    seen: set[str] = set()
    words = tokens(text)
    i = 0
    while i < len(words):
        pair = f"{words[i]} {words[i + 1]}" if i + 1 < len(words) else None
        if pair and pair in SYNONYMS:
            found, i = SYNONYMS[pair], i + 2
        else:
            word, i = words[i], i + 1
            if drop_stopwords and word in STOPWORDS:
                continue
            found = canonical(word)
        for part in found.split():
            if part not in seen:
                seen.add(part)
                out.append(part)
    return out
