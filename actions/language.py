"""The buyer's language: detected from each message, or set explicitly; kept in a slot and on
the customer (for notifications sent later).

Four reply languages, one per script a buyer writes in:

- ``hi``: Hindi in Devanagari, for a message with Devanagari in it;
- ``ur``: Urdu in Arabic script, for a message with Arabic script in it;
- ``hi-Latn``: romanized Hindi (Hinglish), for Hindi words in Latin letters ("kullu shawl
  dikhao", "namaste, peshawari chappal hai?"); romanized Urdu gets the same replies;
- ``en``: English.

Asked by name (intent ``change_language``), Hindi comes in the script of the request: "हिंदी में
बात करो" gives Devanagari, "hindi mein baat karo" or "reply in hindi" Hinglish; "devanagari" or
"hindi script" asks for Devanagari, "hinglish" or "roman" for Latin letters. A language asked
for by name stays until the buyer asks for another or writes in another script (Devanagari or
Arabic): Latin-script messages no longer move it, so a buyer who asked for Urdu or Devanagari
but types in Latin letters keeps getting it. A short yes, no or thanks ("haan", "ok", "haan ji",
"thank you") keeps the language the buyer is being answered in; a message in another script
moves it from that message on.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import db
from actions.texts import EN, HI, HI_LATN, UR, t
from catalog import customers
from catalog.db import transaction

ROMAN_HINDI = frozenset(
    [
        "mujhe",
        "muje",
        "mujhko",
        "chahiye",
        "chahie",
        "chaiye",
        "dikhao",
        "dikha",
        "dikhaiye",
        "dikhayen",
        "batao",
        "bataiye",
        "kitne",
        "kitna",
        "kitni",
        "kya",
        "hai",
        "hain",
        "nahi",
        "nahin",
        "haan",
        "han",
        "ji",
        "kaise",
        "kaisa",
        "kahan",
        "kab",
        "mera",
        "meri",
        "mere",
        "apna",
        "wala",
        "wali",
        "wale",
        "bhej",
        "bhejo",
        "karo",
        "kijiye",
        "dijiye",
        "dena",
        "chahte",
        "chahta",
        "chahti",
        "aur",
        "bhai",
        "yeh",
        "woh",
        "kab",
        "tak",
        "kaun",
        "sa",
        "konsa",
        "accha",
        "acha",
        "theek",
        "thik",
        "shukriya",
        "dhanyavad",
        "namaste",
        "paisa",
        "kar",
        "do",
        # function words of a plain sentence ("main Lahore mein rehta hoon", a tester's)
        "mein",
        "hoon",
        "hun",
        "rehta",
        "rehti",
        "rahta",
        "rahti",
        "raha",
        "rahi",
        "hum",
        "aap",
        "aapka",
        "aapki",
        "aapke",
        "kuch",
        "abhi",
        "bhi",
        "liye",
        "lena",
        "lekin",
        "agar",
        "kyun",
        "kyon",
        "karna",
        "karni",
        "hoga",
        "hogi",
        "gaya",
        "gayi",
        "kal",
        "aaj",
        "kaunsa",
        "kaunse",
        "pehle",
        "baad",
        "bahut",
        "zyada",
        "ghar",
        "yahan",
        "wahan",
        "hamara",
        "hamare",
        "milega",
        "milegi",
    ]
)
ENGLISH = frozenset(
    [
        "i",
        "me",
        "my",
        "you",
        "your",
        "the",
        "a",
        "an",
        "is",
        "are",
        "what",
        "which",
        "how",
        "show",
        "want",
        "need",
        "please",
        "can",
        "do",
        "does",
        "have",
        "price",
        "order",
        "cart",
        "checkout",
        "hello",
        "hi",
        "thanks",
        "thank",
        "yes",
        "no",
        "where",
        "when",
        "buy",
        "shipping",
        "pay",
        "payment",
        "status",
        "cancel",
        "about",
        "with",
        "for",
        "of",
        "to",
        "in",
        "from",
        # everyday English a phone buyer types (issue B6: "do u sell matress", "hv u got")
        "u",
        "ur",
        "r",
        "pls",
        "plz",
        "plzz",
        "pl",
        "hv",
        "hav",
        "got",
        "get",
        "sell",
        "sells",
        "any",
        "some",
        "this",
        "that",
        "it",
        "and",
        "or",
        "not",
        "there",
        "here",
        "we",
        "would",
        "like",
        "looking",
        "much",
        "many",
        "cost",
        "send",
        "deliver",
        "delivery",
        "wanna",
        "gimme",
        "thx",
        "thnx",
        "tell",
        "know",
        "will",
        "did",
        "im",
        "dont",
        "cant",
        "wat",
        "wht",
        "abt",
        "hii",
        "hey",
    ]
)
# words both English and romanized Hindi ("do u sell", "kar do"): no sign of Hindi from a
# buyer answered in English, who stays English unless a Hindi word comes
BOTH = ROMAN_HINDI & ENGLISH
# a platform's language code (Telegram's language_code), for a first message in Latin letters
# that says nothing either way: Hindi or Urdu speakers get Hinglish, others English
HINTS = {"hi": HI_LATN, "ur": HI_LATN, "en": EN}
# English words Hindi speakers use as they are ("order 2", "cart dikhao"): no sign of English alone
LOANWORDS = frozenset(
    ["order", "cart", "checkout", "price", "status", "cancel", "payment", "pay", "shipping",
     "please", "yes", "no", "hi", "hello", "thanks", "thank", "buy", "a", "do"]
)  # fmt: skip
# A short reply made only of these ("haan", "ok", "haan ji", "thank you", "nahi") says yes, no
# or thanks in any language: it keeps the language the buyer is being answered in
SHORT_REPLIES = frozenset(
    ["haan", "han", "ha", "haa", "haanji", "ji", "jee", "ok", "okay", "k", "accha", "acha",
     "achha", "theek", "thik", "hai", "nahi", "nahin", "na", "yes", "yeah", "yep", "no", "nope",
     "sure", "thanks", "thank", "you", "shukriya", "done", "hmm"]
)  # fmt: skip
# A quantity in English words and a number ("make it 2", "only 1", "just 3 please"): a Hinglish,
# Hindi or Urdu buyer setting a cart line stays in their language, as with "order 2"
QUANTITY_WORDS = frozenset(
    ["make", "it", "only", "just", "set", "change", "to", "please", "pls", "plz", "qty",
     "quantity", "one", "two", "three", "four", "five"]
)  # fmt: skip
_NUMBER_WORDS = frozenset(["one", "two", "three", "four", "five"])
_DEVANAGARI = re.compile(r"[\u0900-\u097F]")
_ARABIC = re.compile(r"[\u0600-\u06FF]")
_WORD = re.compile(r"[a-z]+")


def non_latin(text: str) -> str | None:
    """hi or ur when the message is (partly) in Devanagari or Arabic script, else None."""
    if _DEVANAGARI.search(text):
        return HI
    if _ARABIC.search(text):
        return UR
    return None


def detect(text: str, current: str | None = None, hint: str | None = None) -> str | None:
    """hi, ur, hi-Latn or en from the script and words of a message; None when it gives no sign.

    ``hint``: the platform's language code for the buyer's first message (Telegram's
    ``language_code``), deciding a tie or a message with no sign."""
    if not text or text.startswith("/"):
        return None
    script = non_latin(text)
    if script:
        return script
    words = _WORD.findall(text.lower())
    if current is not None and words and len(words) <= 3 and set(words) <= SHORT_REPLIES:
        return None  # "haan" to an Urdu or English buyer: no sign of another language
    if (
        current is not None
        and words
        and len(words) <= 4
        and set(words) <= QUANTITY_WORDS | SHORT_REPLIES
        and (re.search(r"\d", text) or _NUMBER_WORDS & set(words))
    ):
        return None  # "make it 2" from a Hinglish buyer: a quantity, no sign of English
    hindi_words = ROMAN_HINDI - BOTH if current in (None, EN) else ROMAN_HINDI
    hindi = sum(w in hindi_words for w in words)
    english_words = ENGLISH - LOANWORDS if current in (HI, HI_LATN, UR) else ENGLISH
    english = sum(w in english_words for w in words)
    guess = HINTS.get((hint or "").split("-")[0].lower())
    if hindi and hindi == english and guess is not None:
        return guess
    if hindi and hindi >= english:
        return HI_LATN
    if english:
        return EN
    return guess


_DEVANAGARI_ASKED = ("devanagari", "देवनागरी", "hindi script", "hindi lipi", "हिंदी लिपि", "शुद्ध")
_LATIN_ASKED = ("hinglish", "roman", "english letters", "english alphabet", "latin")


def explicit(text: str) -> str | None:
    """The language a change_language message asks for (see the module's docstring)."""
    low = text.lower()
    if "urdu" in low or "اردو" in low:
        return HI_LATN if "roman" in low else UR
    if any(word in low for word in _LATIN_ASKED):
        return HI_LATN
    if any(word in low for word in _DEVANAGARI_ASKED):
        return HI
    if "hindi" in low or "हिंदी" in low or "हिन्दी" in low:
        return HI if _DEVANAGARI.search(text) else HI_LATN
    if "english" in low or "angrezi" in low or "अंग्रेज़ी" in low or "अंग्रेजी" in low:
        return EN
    return None


def chosen(tracker: Tracker) -> str | None:
    """The language the buyer last asked for by name in this conversation, else None."""
    for event in reversed(tracker.events or []):
        if event.get("event") != "user":
            continue
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if intent == "change_language":
            found = explicit(event.get("text") or "")
            if found:
                return found
    return None


def first_message(tracker: Tracker) -> bool:
    """Whether the latest message is the buyer's first one in this conversation."""
    return sum(e.get("event") == "user" for e in tracker.events or []) <= 1


def remember(sender: str, language: str) -> None:
    """Store the language on the customer, for notifications sent later."""
    with transaction(db.factory()) as session:
        customers.set_language(session, sender, language)


class ActionSetLanguage(Action):
    """Slot mapping action run on every user turn: follow the language of the latest message."""

    def name(self) -> str:
        return "action_set_language"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):  # type: ignore[no-untyped-def]
        current = tracker.get_slot("language")
        text = tracker.latest_message.get("text") or ""
        metadata = tracker.latest_message.get("metadata") or {}
        metadata = metadata if isinstance(metadata, dict) else {}
        if text.startswith("/") and isinstance(metadata.get("typed"), str):
            text = metadata["typed"]  # "چیک آؤٹ" sent as /checkout by the web app
        intent = tracker.get_intent_of_latest_message() or (
            (tracker.latest_message.get("intent") or {}).get("name")
        )
        found = explicit(text) if intent == "change_language" else None
        if found is None:
            hint = metadata.get("language_code") if first_message(tracker) else None
            found = detect(text, current, hint if isinstance(hint, str) else None)
            if found in (EN, HI_LATN) and chosen(tracker) is not None:
                found = None  # asked for by name: only another script moves it
        greeted = metadata.get("greeting")  # "namaste, PC-101": the request says nothing
        if greeted and found is None and current in (None, EN):  # of the language: the
            found = detect(str(greeted), current)  # greeting does (actions/greeting.py)
        if found is None or found == current:
            return []
        remember(tracker.sender_id, found)
        return [SlotSet("language", found)]


class ActionChangeLanguage(Action):
    """Confirm an explicit language change."""

    def name(self) -> str:
        return "action_change_language"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):  # type: ignore[no-untyped-def]
        text = tracker.latest_message.get("text") or ""
        lang = explicit(text) or tracker.get_slot("language") or EN
        dispatcher.utter_message(text=t("language_set", lang))
        if lang != tracker.get_slot("language"):
            remember(tracker.sender_id, lang)
            return [SlotSet("language", lang)]
        return []
