"""The buyer's language: detected from each message, or set explicitly; kept in a slot and on the customer."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import db
from actions.texts import t
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
    ]
)
# English words Hindi speakers use as they are ("order 2", "cart dikhao"): no sign of English alone
LOANWORDS = frozenset(
    ["order", "cart", "checkout", "price", "status", "cancel", "payment", "pay", "shipping",
     "please", "yes", "no", "hi", "hello", "thanks", "thank", "buy", "a", "do"]
)  # fmt: skip
_DEVANAGARI = re.compile(r"[\u0900-\u097F]")
_ARABIC = re.compile(r"[\u0600-\u06FF]")
_WORD = re.compile(r"[a-z]+")


def detect(text: str, current: str | None = None) -> str | None:
    """hi, ur or en from the script and words of a message; None when it gives no sign."""
    if not text or text.startswith("/"):
        return None
    if _DEVANAGARI.search(text):
        return "hi"
    if _ARABIC.search(text):
        return "ur"
    words = _WORD.findall(text.lower())
    hindi = sum(w in ROMAN_HINDI for w in words)
    english_words = ENGLISH - LOANWORDS if current in ("hi", "ur") else ENGLISH
    english = sum(w in english_words for w in words)
    if hindi and hindi >= english:
        return "hi"
    if english:
        return "en"
    return None


def explicit(text: str) -> str | None:
    """The language a change_language message asks for."""
    low = text.lower()
    if "hindi" in low or "हिंदी" in low or "हिन्दी" in low:
        return "hi"
    if "urdu" in low or "اردو" in low:
        return "ur"
    if "english" in low or "angrezi" in low or "अंग्रेज़ी" in low or "अंग्रेजी" in low:
        return "en"
    return None


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
        found = (
            explicit(text) if tracker.get_intent_of_latest_message() == "change_language" else None
        )
        found = found or detect(text, current)
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
        lang = explicit(text) or tracker.get_slot("language") or "en"
        reply = "hi" if lang == "hi" else "en"
        dispatcher.utter_message(text=t("language_set", reply))
        if lang != tracker.get_slot("language"):
            remember(tracker.sender_id, lang)
            return [SlotSet("language", lang)]
        return []
