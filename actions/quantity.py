"""Setting the quantity of a cart line instead of adding that many more: "make it 2" at any
time, "sirf 1" / "only 1" / "bas 1" / "सिर्फ़ 1" / "صرف 1" whenever the product is in the cart,
and "2" / "2 chahiye" right after "Added 1 x ..."."""

from __future__ import annotations

import re

from rasa_sdk import Tracker

from actions.common import HINDI_NUMBERS, last_turn, text_patterns
from catalog.digits import ascii_digits
from catalog.search import query_terms

# "make it 2" / "change it to 2" set the quantity whatever was said before
EXPLICIT = re.compile(
    r"(?i)\b(make|change)\b|\b(kar ?do|karo|kar dijiye|kar dijie|kar dein|kar den|"
    r"karni hai|karna hai)\b|कर दीजिए|कर दो|करो|कर दें|کر دیں|کر دو|کرو|کریں"
)
# words that mean "more", so a number adds: "2 more", "aur 2", "और 2", "2 اور"
MORE = re.compile(r"(?i)\b(more|another|extra|aur|add)\b|और|اور|مزید")
# after "Added N x ...": "2", "2 chahiye", "sirf 2", "bas 2 karo", "दो चाहिए", "صرف 2"
SETTING = re.compile(
    r"(?i)^\W*(sirf|bas|only|just|nahi|nahin|nai|nhi|no)?\W*\w+\W*(chahiye|chahie|chaiye|hi|karo|kar do|kardo|"
    r"rakho|please|pls)?\W*$|चाहिए|चाहिये|(?<![\u0900-\u097F])(सिर्फ़?|सिर्फ़|बस)(?![\u0900-\u097F])"
    r"|چاہیے|چاہئے|(?<![\u0600-\u06FF])(صرف|بس)(?![\u0600-\u06FF])"
)
# "only", "just": a number with one of these never adds to a line in the cart ("sirf 1",
# "bas 2", "सिर्फ़ 1", "صرف 1", "mujhe sirf ek shawl chahiye")
ONLY_WORDS = frozenset(
    ["sirf", "sirif", "srf", "bas", "only", "just", "सिर्फ", "सिर्फ\u093c", "सिर\u094d\u095e", "बस",
     "صرف", "بس"]
)  # fmt: skip
# "hi" after a number means "just": "ek hi shawl", "एक ही", "ایک ہی" (just one)
HI = frozenset(["hi", "ही", "ہی"])
# "pairs" after a number word: "کے دو جوڑے چاہییں", "do jode", "दो जोड़े" (two pairs)
PAIRS = frozenset(["pair", "pairs", "jode", "jore", "joda", "jodi", "जोड़े", "जोड़ा", "जोड़ी",
                   "جوڑے", "جوڑا", "جوڑی"])  # fmt: skip
# a number followed by one of these is the one the buyer does not want ("3 nahi", "3 नहीं")
NOT_AFTER = frozenset(["nahi", "nahin", "nai", "नहीं", "नही", "نہیں"])
NOT_BEFORE = frozenset(["not"])  # "not 3, only 1"
# number words: HINDI_NUMBERS and the Urdu ones
NUMBER_WORDS = {**HINDI_NUMBERS, "ایک": 1, "دو": 2, "تین": 3, "چار": 4, "پانچ": 5}
# a message's words and numbers: split at spaces and punctuation (not at \w, which breaks
# Devanagari at its vowel signs); a number is 1-4 digits not part of a code ("KS-101")
_TOKENS = re.compile(r"(?<![\w-])\d{1,4}(?!\d)|[^\s\d.,!?;:،۔।\"'()/-]+")
# the bot's "added" and "now N x" replies, in every language, as patterns
_ADDED = text_patterns(("added", "quantity_set"))


def tokens(text: str) -> list[str]:
    return _TOKENS.findall(ascii_digits(text).lower())


def number_in(text: str) -> int | None:
    """The number a short message gives: digits anywhere, or a number word among its first
    two words or right after "sirf"/"only" ("sirf do", "teen chahiye", "mujhe sirf ek shawl";
    not "haan kar do"). A number the buyer says no to is skipped ("3 nahi", "not 3"); one
    right after "sirf"/"only" comes first ("mujhe sirf ek shawl chahiye, 3 nahi": 1)."""
    words = tokens(text)
    found: list[tuple[bool, int]] = []  # (after "only", the number)
    for i, word in enumerate(words):
        before = words[i - 1] if i > 0 else ""
        after = words[i + 1] if i + 1 < len(words) else ""
        if word.isdecimal():
            value = int(word)
        elif word in NUMBER_WORDS and (
            i < 2 or before in ONLY_WORDS or after in HI or after in PAIRS
        ):
            value = NUMBER_WORDS[word]
        else:
            continue
        if after in NOT_AFTER or before in NOT_BEFORE:
            continue  # "3 nahi": the number the buyer does not want
        found.append((before in ONLY_WORDS or after in HI, value))
    if not found:
        return None
    return next((value for only, value in found if only), found[0][1])


def says_only(text: str) -> bool:
    """Whether the message says "only"/"just" ("sirf", "bas", "सिर्फ़", "صرف"), or "hi" right
    after a number ("ek hi shawl", "एक ही शॉल", "ایک ہی": just one)."""
    words = tokens(text)
    return any(
        word in ONLY_WORDS or (word in HI and i > 0 and is_number(words[i - 1]))
        for i, word in enumerate(words)
    )


def is_number(word: str) -> bool:
    """Whether a token (``tokens``) is a number: digits or a number word ("do", "دو", "तीन")."""
    return word.isdecimal() or word in NUMBER_WORDS


def just_added(tracker: Tracker) -> bool:
    """Whether the bot's last words before this message were "Added N x ..." (or "Now N x")."""
    said = next((e.get("text") or "" for e in last_turn(tracker) if e.get("event") == "bot"), None)
    return said is not None and any(p.fullmatch(said.strip()) for p in _ADDED)


def typed(tracker: Tracker) -> str:
    """The buyer's words: the message, or those the web app sent as a payload ("nahi sirf 1"
    as /inform with its quantity, bot/core/order_words.py), kept in the metadata."""
    text = tracker.latest_message.get("text") or ""
    metadata = tracker.latest_message.get("metadata") or {}
    if (
        text.startswith("/")
        and isinstance(metadata, dict)
        and isinstance(metadata.get("typed"), str)
    ):
        return metadata["typed"]
    return text


def _text(tracker: Tracker) -> str:
    return ascii_digits(typed(tracker)).strip().lower()


def _short_number(text: str) -> int | None:
    """The number of a short message that is no "more" request, else None."""
    if not text or text.startswith("/") or MORE.search(text) or len(text) > 40:
        return None
    return number_in(text)


def new_quantity(tracker: Tracker) -> int | None:
    """N when the buyer sets the quantity rather than adding: "make it N" at any time, a
    short "N" / "N chahiye" / "sirf N" right after an "added" reply, or "sirf N" / "only N" /
    "nahi, bas N" (no product named) with goods in the cart; None otherwise. ("sirf 1 shawl"
    names a product: ``only_quantity``, which sets only a line of the cart it names.)"""
    text = _text(tracker)
    n = _short_number(text)
    if n is None:
        return None
    if EXPLICIT.search(text) or (just_added(tracker) and SETTING.search(text)):
        return n
    if tracker.get_slot("cart") and says_only(text) and not named_words(text):
        return n
    return None


def more_of_added(tracker: Tracker) -> int | None:
    """N of "N more" right after an "added" reply, naming no product ("دو اور چاہیے", "aur 2",
    "2 more please"): N more of what was added; None otherwise."""
    text = _text(tracker)
    if not just_added(tracker) or not MORE.search(text):
        return None
    if [w for w in named_words(text) if not MORE.fullmatch(w)]:
        return None
    return number_in(text)


def only_quantity(tracker: Tracker) -> int | None:
    """N of "sirf N" / "only N" that names a product ("mujhe sirf ek shawl chahiye, 3 nahi",
    "shawl sirf 2"): a line of the cart it names is set to N. None otherwise."""
    text = _text(tracker)
    if not tracker.get_slot("cart") or not says_only(text):
        return None
    return _short_number(text)


def asks_to_set(tracker: Tracker) -> bool:
    """Whether the message says to set a quantity whatever is looked at ("make it 3", "shawl
    2 kar do", or right after "added"), not only "sirf N" (which, about a product not in
    the cart, adds it)."""
    text = _text(tracker)
    return bool(EXPLICIT.search(text)) or (just_added(tracker) and bool(SETTING.search(text)))


# words of a quantity request that name no product ("make the shawls 3", "shawl 2 kar do")
_FILLER_WORDS = (
    "haan han ha ji ok okay yes make made change set it that them this actually quantity qty kar karo kardo karni karna "
    "dijiye dijie dein den hai sirf sirif srf bas only just please pls chahiye chahie chaiye wala wali "
    "mujhe muje mujhko mere mera nahi nahin nai nhi na no not to hi "
    "वाला वाली कर करो दो दें दीजिए करनी करना है सिर्फ सिर्फ़ सिर्फ़ बस चाहिए चाहिये मुझे नहीं नही ही "
    "کر کرو دو دیں کریں ہے صرف بس چاہیے چاہئے والا مجھے نہیں نہ ہی "
    # units and sizes: "one pair in size 8" names no product (not the socks "(pair)")
    "also add bhi size sizes saiz number pair pairs jode jore joda jodi जोड़े जोड़ा जोड़ी साइज़ साइज "
    "جوڑے جوڑا جوڑی سائز"
)
FILLER = frozenset(_FILLER_WORDS.split())


def named_words(text: str) -> list[str]:
    """The search terms of a quantity request that could name a product (no numbers or
    "make"/"kar do" words): ["kullu", "shawl", "wool"] for "kullu shawl wool 2 kar do"."""
    words = query_terms(ascii_digits(text or ""))
    return [w for w in words if w not in FILLER and not w.isdigit() and w not in NUMBER_WORDS]


def matching(words: list[str], product_terms: set[str]) -> int:
    """How many of the words a product's terms have (a word may be the start of a term, or a
    term of three letters or more the start of the word: "shawls" has "shawl")."""

    def has(word: str) -> bool:
        return any(
            term == word or (len(word) >= 3 and term.startswith(word)) or
            (len(term) >= 3 and word.startswith(term))
            for term in product_terms
        )  # fmt: skip

    return sum(1 for word in words if has(word))


def best(scores: dict[str, int]) -> list[str]:
    """The keys with the highest score above zero, in their order."""
    top = max(scores.values(), default=0)
    return [k for k, v in scores.items() if v == top] if top > 0 else []
