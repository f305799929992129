"""Where the buyer says they are: "I live in London", "main Lahore mein rehta hoon",
"لاہور بھیج دیں", "send it to Dubai". The place's country becomes the buyer's country for
prices and for what can reach them (``home_country``), until a checkout takes an address."""

from __future__ import annotations

import re

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import currency_for, is_payload, lang, last_turn, text_patterns
from actions.texts import button, t
from catalog import cities, shipping

# words that make a message a statement of place: living there, coming from there, sending there
FRAMES = frozenset(
    ("live", "living", "stay", "staying", "based", "from", "send", "ship", "deliver",
     "delivery", "rehta", "rehti", "rahta", "rahti", "rehte", "rahte", "bhej", "bhejo", "bhejna",
     "bhejiye", "bhejdo", "bhejdein", "bhejein", "रहता", "रहती", "रहते", "भेज", "भेजें", "भेजो",
     "भेजना", "भेजिए", "رہتا", "رہتی", "رہتے", "بھیج", "بھیجیں", "بھیجو", "بھیجنا", "بھیجیے")
)  # fmt: skip
# words that may stand around the place and the frame word
FILLER = frozenset(
    ("i", "i'm", "im", "am", "we", "are", "in", "at", "to", "me", "my", "it", "them", "please",
     "pls", "plz", "currently", "now", "right", "here", "is", "the", "city", "country", "hi",
     "hello", "sir", "ji", "actually", "main", "mein", "mai", "hoon", "hun", "hu", "hai",
     "ho", "hain", "dena", "dein", "do", "de", "kar", "karo", "mera", "meri", "ghar", "se", "ko",
     "abhi", "yahan", "मैं", "में", "हूँ", "हूं", "है", "हैं", "को", "से", "दें", "दो", "देना", "दीजिए",
     "कर", "मेरा", "घर", "अभी", "میں", "ہوں", "ہے", "ہیں", "کو", "سے", "دیں", "دو", "دینا", "دیجیے",
     "کر", "میرا", "گھر", "ابھی")
)  # fmt: skip
# "from" names where the buyer is only with a subject ("I am from Lahore"); "from kullu" alone
# asks for goods from there
SUBJECT = frozenset(("i", "i'm", "im", "am", "we", "main", "मैं", "میں"))
_WORD = re.compile(r"[^\s.,!?।۔؟،]+")


def said_place(text: str) -> str | None:
    """The ISO code of the place a short message says the buyer is in or wants goods sent to,
    when that is all it says ("I live in London": GB); None for anything else ("kullu shawl",
    "how long to London?", a place named in two countries)."""
    words = _WORD.findall(text.casefold())
    frames = FRAMES.intersection(words)
    if not frames or len(words) > 9:
        return None
    if frames == {"from"} and not SUBJECT.intersection(words):
        return None  # "from kullu": goods from there
    rest = " ".join(w for w in words if w not in FRAMES and w not in FILLER)
    if not rest:
        return None
    return cities.country_of_address(rest) if cities.names_only(rest) else shipping.country_code(rest)


def place_statement(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType] | None:
    """Take the place a buyer's message states (outside a form): say where we will deliver and
    in which currency prices show, and keep it; None when the message is not such a statement."""
    if is_payload(tracker) or (tracker.active_loop or {}).get("name"):
        return None
    text = tracker.latest_message.get("text") or ""
    code = said_place(text)
    asked = code is None and after_split(tracker)
    if asked:  # "UK" answering "Sending it abroad? Tell me the country"
        code = shipping.country_code(text.strip())
    if code is None:
        return None
    language = lang(tracker)
    currency = str(tracker.get_slot("currency") or "").upper() or currency_for(code) or ""
    go_on = button(t("checkout_button", language), "checkout")
    dispatcher.utter_message(
        text=t("place_noted", language, country=shipping.country_name(code, language), currency=currency),
        buttons=[go_on] if asked else [button(t("browse_button", language), "browse_catalog")],
    )
    return [SlotSet("home_country", code)]


_SPLIT = text_patterns(("cart_split",))


def after_split(tracker: Tracker) -> bool:
    """Whether the bot's last turn said a cart from India and Pakistan cannot go in one order
    (which asks a buyer sending it abroad for the country)."""
    said = (e.get("text") or "" for e in last_turn(tracker) if e.get("event") == "bot")
    return any(p.fullmatch(text.strip()) for text in said for p in _SPLIT)
