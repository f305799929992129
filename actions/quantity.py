"""Setting the quantity of the line just added ("make it 2", "sirf 2", or "2 chahiye" right
after "Added 1 x ..."), instead of adding that many more."""

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
    r"(?i)^\W*(sirf|bas|only|just|nahi|no)?\W*\w+\W*(chahiye|chahie|chaiye|hi|karo|kar do|kardo|"
    r"rakho|please|pls)?\W*$|चाहिए|सिर्फ|बस|चाहिये|چاہیے|چاہئے|صرف|بس"
)
# the bot's "added" and "now N x" replies, in every language, as patterns
_ADDED = text_patterns(("added", "quantity_set"))


def number_in(text: str) -> int | None:
    """The number a short message gives: digits anywhere, or a number word among its first
    two words ("sirf do", "teen chahiye"; not "haan kar do")."""
    found = re.search(r"(?<![\w-])\d{1,4}(?!\d)", text)  # not the 101 of "KS-101"
    if found:
        return int(found.group())
    for word in re.findall(r"\w+", text)[:2]:
        if word in HINDI_NUMBERS:
            return HINDI_NUMBERS[word]
    return None


def just_added(tracker: Tracker) -> bool:
    """Whether the bot's last words before this message were "Added N x ..." (or "Now N x")."""
    said = next((e.get("text") or "" for e in last_turn(tracker) if e.get("event") == "bot"), None)
    return said is not None and any(p.fullmatch(said.strip()) for p in _ADDED)


def new_quantity(tracker: Tracker) -> int | None:
    """N when the buyer sets the quantity rather than adding: "make it N" at any time, or a
    short "N" / "N chahiye" / "sirf N" right after an "added" reply; None otherwise."""
    text = ascii_digits(tracker.latest_message.get("text") or "").strip().lower()
    if not text or text.startswith("/") or MORE.search(text) or len(text) > 40:
        return None
    n = number_in(text)
    if n is None:
        return None
    if EXPLICIT.search(text) or (just_added(tracker) and SETTING.search(text)):
        return n
    return None


# words of a quantity request that name no product ("make the shawls 3", "shawl 2 kar do")
_FILLER_WORDS = (
    "haan han ha ji ok okay yes make made change set it that them this actually quantity qty kar karo kardo karni karna "
    "dijiye dijie dein den hai sirf bas only just please pls chahiye chahie chaiye wala wali "
    "वाला वाली कर करो दो दें दीजिए करनी करना है सिर्फ बस चाहिए کر کرو دو دیں کریں ہے صرف بس چاہیے والا"
)
FILLER = frozenset(_FILLER_WORDS.split())


def named_words(text: str) -> list[str]:
    """The search terms of a quantity request that could name a product (no numbers or
    "make"/"kar do" words): ["kullu", "shawl", "wool"] for "kullu shawl wool 2 kar do"."""
    words = query_terms(ascii_digits(text or ""))
    return [w for w in words if w not in FILLER and not w.isdigit() and w not in HINDI_NUMBERS]


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
