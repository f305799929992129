"""Words the checkout form listens for besides the answer it asked for: a detail the buyer wants
to change ("change name", "naam badlo", "नाम बदलो", "نام بدلیں"), and signs that the buyer has
moved on to something else ("show my cart", "help", "back"). No database: plain text."""

from __future__ import annotations

import re

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction

from actions.common import is_payload, last_turn
from bot.core.order_words import STOP_WORDS, wants_checkout

FORM_SLOTS = ["buyer_name", "buyer_phone", "buyer_address", "buyer_country", "buyer_postal_code"]

# words naming one detail, in English, Hinglish, Hindi and Urdu; the address also takes the
# country and postal code with it (a new address is usually somewhere else)
NAMED = (
    (re.compile(r"(?i)\b(address|addr|pata|adress)\b|पता|پتہ|پتا"),
     ("buyer_address", "buyer_country", "buyer_postal_code")),
    (re.compile(r"(?i)\b(phone|mobile|number|nambar)\b|फ़ोन|फोन|नंबर|فون|نمبر"), ("buyer_phone",)),
    (re.compile(r"(?i)\b(name|naam)\b|नाम|نام"), ("buyer_name",)),
    (re.compile(r"(?i)\b(country|desh|mulk)\b|देश|ملک"), ("buyer_country", "buyer_postal_code")),
    (re.compile(r"(?i)\b(pin|pincode|postcode|zip)\b|पिन|پن کوڈ|پوسٹل"), ("buyer_postal_code",)),
)  # fmt: skip
# all of them at once: "change details", "details badalni hain", "विवरण बदलें", "تفصیلات بدلیں"
ALL_DETAILS = re.compile(r"(?i)\b(details?|detail)\b|विवरण|तफ़सील|تفصیلات|تفصیل")
# asking for a change: change/edit/fix, badlo/badalna, बदलो/बदलना, بدلیں/تبدیل, galat/wrong
CHANGE = re.compile(
    r"(?i)\b(change|edit|update|fix|correct|wrong|badal\w*|badlo|badli\w*|galat|ghalat)\b"
    r"|बदल|गलत|ग़लत|بدل|تبدیل|غلط"
)


def named_slots(text: str) -> list[str]:
    """The buyer_* slots a message names ("change address": the address, country and postal
    code); every one when it names none (the button, "change details")."""
    if text.startswith("/"):
        return list(FORM_SLOTS)
    found: list[str] = []
    for pattern, slots in NAMED:
        if pattern.search(text):
            found += [s for s in slots if s not in found]
    return [s for s in FORM_SLOTS if s in found] or list(FORM_SLOTS)


# words that may stand beside a detail's name in a message naming only it ("my address", "the
# phone number please", "mera pata")
_FILLER = re.compile(
    r"(?i)\b(my|the|a|your|please|pls|mera|meri|mere|ka|ki|ke)\b|मेरा|मेरी|का|की|میرا|میری|کا|کی"
)


def names_a_detail(text: str) -> bool:
    """A short message that only names a delivery detail ("address", "phone number", "pata",
    "पता", "پتہ"): at the name question it is no name but the detail the buyer means to change."""
    if len(text) > 40:
        return False
    rest, named = text, False
    for pattern, _ in NAMED:
        rest, found = pattern.subn(" ", rest)
        named = named or found > 0
    return named and not re.sub(r"[\W_]+", "", _FILLER.sub(" ", rest))


def change_request(text: str) -> list[str]:
    """The details a short message asks to change ("change name", "naam badlo", "नाम बदलो",
    "نام بدلیں": the name; "details badalni hain": all), else []. Only a short message without
    digits: an answer such as an address ("12 Badal Nagar") is never taken for a request."""
    text = text.strip()
    if not text or len(text) > 40 or re.search(r"\d", text) or not CHANGE.search(text):
        return []
    named = any(pattern.search(text) for pattern, _ in NAMED)
    if not named and not ALL_DETAILS.search(text):
        return []
    return named_slots(text)


# the buyer has moved on, whatever the NLU made of it: their cart, the menu or help, going back
CART_WORDS = re.compile(r"(?i)\b(cart|basket|trolley|kart)\b|कार्ट|کارٹ")
MENU_WORDS = re.compile(
    r"(?i)^\W*(help|menu|back|go back|main menu|start over|madad|wapas|wapis|peeche|piche)\W*$"
    r"|^\W*(मदद|मेनू|वापस|पीछे|مدد|مینو|واپس|پیچھے)\W*$"
)
# words no name is made of: the shop's own ("order 1", "show shawls", "kitne ka hai")
SHOP_WORDS = re.compile(
    r"(?i)\b(cart|order|checkout|show|price|buy|help|menu|back|dikha\w*|chahiye|chahie|kitne|"
    r"kitna|kharid\w*|wapas)\b|दिखा|चाहिए|कार्ट|ऑर्डर|ऑडर|कितने|دکھا|چاہیے|کارٹ|آرڈر|کتنے"
)


def change_at_summary(tracker: Tracker) -> list[EventType] | None:
    """ "naam badlo", "नाम बदलो", "نام بدلیں" answering the checkout summary when the NLU took it
    for something else (a bare answer, a message not understood): hand over to
    action_change_details (which then runs the form). None otherwise."""
    text = tracker.latest_message.get("text") or ""
    if is_payload(tracker) or not change_request(text):
        return None
    shown = any(
        e.get("event") == "action" and e.get("name") == "action_order_summary"
        for e in last_turn(tracker)
    )
    return [FollowupAction("action_change_details")] if shown else None


# what addresses are made of, in India and Pakistan: house, street, lane, block, sector, flat,
# plot, floor, road, colony, nagar, town... in English, Hinglish, Hindi and Urdu. "H no 45, gali
# no 3" says "no" twice, and an NLU may take that for a "no": such an answer is the address.
ADDRESS_WORDS = re.compile(
    r"(?i)\b(h\.? ?no|house|home|flat|plot|gali|galli|street|st|road|rd|lane|marg|sector|sec|"
    r"block|blk|floor|apartment|apt|colony|nagar|town|vihar|enclave|mohalla|mohallah|makaan|"
    r"makan|chowk|bazaar|bazar|village|gaon|gram|tehsil|district|distt|dist|near|opp|opposite|"
    r"behind|phase|ward|society|tower|building|bldg|khasra|post|po)\b"
    r"|मकान|गली|सेक्टर|फ्लैट|फ़्लैट|प्लॉट|मोहल्ला|नगर|कॉलोनी|रोड|मार्ग|गांव|गाँव|ब्लॉक|मंज़िल|मंजिल|पास"
    r"|مکان|گلی|سیکٹر|فلیٹ|پلاٹ|محلہ|نگر|کالونی|روڈ|سڑک|گاؤں|بلاک|ٹاؤن|منزل|بازار|چوک|کے پاس"
)


def looks_like_address(text: str) -> bool:
    """Whether an answer to the address question is an address, whatever an NLU made of it:
    address words ("H no 45, gali no 3, lajpat nagar"), or a number among several words or
    parts ("45 Mall Road, Shimla"). A bare "no", "cancel" or "nahi" is none of these."""
    text = text.strip()
    if not text or text.startswith("/"):
        return False
    words = re.findall(r"\w+", text)
    if ADDRESS_WORDS.search(text) and len(words) >= 2:
        return True
    if any(w.strip(".,!?;:'\"()،۔।").lower() in NO_WORDS for w in text.split()):
        return False  # "cancel order 2"
    digits = re.search(r"\d", text) is not None
    return digits and (len(words) >= 3 or "," in text or "،" in text)


# words of a "no", a stop or a "later": a name is made of none of them (whole words, so that
# "नाहिद" or "رحمت" are not taken for "ना" or "مت")
NO_WORDS = frozenset(
    ["no", "nope", "nah", "na", "nahi", "nahin", "nai", "not", "cancel", "stop", "later", "baad",
     "leave", "forget", "skip", "quit", "exit", "bas", "chhodo", "chodo", "chhod", "rehne",
     "rahne", "abhi", "never", "nevermind", "wait", "ruko", "mat", "band", "radd", "rok", "roko",
     "dont", "don't", "नहीं", "नही", "ना", "मत", "रद्द", "रोको", "रोक", "बंद", "छोड़ो", "रहने", "बाद",
     "बस", "अभी", "कैंसल", "نہیں", "نہ", "نا", "مت", "منسوخ", "روکیں", "روکو", "بند", "چھوڑیں",
     "چھوڑو", "رہنے", "بعد", "بس", "ابھی", "کینسل"]
)  # fmt: skip


def looks_like_name(text: str) -> bool:
    """Whether an answer to the name question is a name, whatever an NLU made of it ("Nahid
    Khan" and "Nomi" read as a "no"): one to five words of letters, none of them a no, a stop
    or the shop's own words."""
    text = text.strip()
    words = [w.strip(".,!?;:'\"()،۔।").lower() for w in text.split()]
    return (
        0 < len(words) <= 5
        and 2 <= len(text) <= 60
        and not re.search(r"[\d/]", text)
        and not any(w in NO_WORDS for w in words)
        and SHOP_WORDS.search(text) is None
    )


def checkout_instead(tracker: Tracker) -> list[EventType] | None:
    """ "آرڈر کرنا ہے", "order karna hai", "चेकआउट" typed with goods in the cart, whatever the
    NLU made of it (a search, a message not understood, a cancel): start the checkout as the
    /checkout button does (``action_start_checkout``, which then runs the form). None
    otherwise, and always while the form asks its questions (its validation answers them)."""
    text = "" if is_payload(tracker) else (tracker.latest_message.get("text") or "")
    if tracker.active_loop_name or not tracker.get_slot("cart") or not wants_checkout(text):
        return None
    return [FollowupAction("action_start_checkout")]


def changed_mind(text: str) -> bool:
    """ "never mind, I don't want to buy now", "rehne do", "नहीं चाहिए" given to the name or
    address question: a stop, no name or address (no digits, no address words)."""
    return (
        STOP_WORDS.search(text) is not None
        and not re.search(r"\d", text)
        and ADDRESS_WORDS.search(text) is None
    )


def looks_like_code_or_number(text: str) -> bool:
    """An answer to the phone or postal code question, whatever the NLU made of it: digits and
    no stop word ("LE2 1AB", read as a "no"; "0300 1234567"). The question's own check decides
    whether it is a valid one."""
    return bool(re.search(r"\d", text)) and STOP_WORDS.search(text) is None
