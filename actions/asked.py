"""What a message asks beyond its intent, read from its words in English, Hinglish, Hindi and
Urdu: about returns ("can I return it", read as cancel_order) or about when something arrives
("when will it come", "kab tak aayega", read as order_status)."""

from __future__ import annotations

import re

from rasa_sdk import Tracker

RETURNS = re.compile(
    r"(?i)\b(return|returns|returned|refund|exchange|replace|replacement)\b"
    r"|واپس|واپسی|वापस|वापसी"
)
WHEN = re.compile(
    r"(?i)\b(when|how long|how many days|kab|kitne din|kitna time|kitne time|tomorrow|tmrw|kal tak)\b"
    r"|کب|کتنے دن|کل تک|कब|कितने दिन|कल तक"
)
CANCEL = re.compile(r"(?i)\b(cancel|radd|band)\b|منسوخ|रद्द|कैंसल|کینسل")


def _text(tracker: Tracker) -> str:
    return tracker.latest_message.get("text") or ""


def about_returns(tracker: Tracker) -> bool:
    """A question about returning or refunding that does not ask to cancel ("can I return it",
    "return karna hai"); "cancel and refund" is a cancel."""
    text = _text(tracker)
    return bool(RETURNS.search(text)) and not CANCEL.search(text) and not text.startswith("/")


def about_arrival(tracker: Tracker) -> bool:
    """When an order will come: "when will it come", "kab tak aayega", "کب تک آئے گا"."""
    text = _text(tracker)
    return bool(WHEN.search(text)) and not text.startswith("/")
