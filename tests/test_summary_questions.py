"""A question at the order summary, before Confirm: the answer is followed by the summary again
(``FollowupAction("action_order_summary")``), so Confirm still places the order; the same
question elsewhere is answered alone. (End to end through Rasa: tests/test_rasa_buyer_fixes.py.)"""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.events import FollowupAction

from actions.catalog import ActionAskPrice
from actions.info import (
    ActionFallback,
    ActionInfoAnswer,
    ActionOutOfScope,
    ActionPaymentMethods,
    ActionShippingInfo,
)
from tests.rasa_support import run, tracker


def _after(previous: str, text: str, intent: str):  # type: ignore[no-untyped-def]
    said: list[dict[str, Any]] = [
        {"event": "action", "name": previous},
        {"event": "bot", "text": "..."},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": text},
    ]
    slots = {"cart": ["KS-101:1"], "current_sku": "KS-101", "language": "en"}
    return tracker(text, intent=intent, slots=slots, events=said)


@pytest.mark.parametrize(
    ("action", "text", "intent"),
    [(ActionPaymentMethods, "do u accept upi?", "payment_methods"),
     (ActionShippingInfo, "how long will delivery take?", "ask_shipping"),
     (ActionAskPrice, "is there any discount?", "ask_price"),
     (ActionOutOfScope, "کیا آپ جاز کیش لیتے ہیں؟", "out_of_scope"),
     (ActionFallback, "hmm ok wait", "nlu_fallback"),
     (ActionInfoAnswer, "is gift wrapping available?", "gift"),
     (ActionInfoAnswer, "return policy kya hai", "returns_policy")],
)  # fmt: skip
async def test_the_summary_follows_an_answer_given_at_it(shop, action, text, intent) -> None:  # type: ignore[no-untyped-def]
    events, _ = await run(action(), _after("action_order_summary", text, intent))
    assert events[-1] == FollowupAction("action_order_summary"), events
    events, _ = await run(action(), _after("action_view_cart", text, intent))
    assert FollowupAction("action_order_summary") not in events


@pytest.mark.parametrize(
    ("intent", "response"),
    [("gift", "utter_gift"), ("returns_policy", "utter_returns_policy"),
     ("about_initiative", "utter_about_initiative")],
)  # fmt: skip
async def test_the_info_answer_is_the_intents_response(shop, intent: str, response: str) -> None:
    _, msgs = await run(ActionInfoAnswer(), _after("action_view_cart", "?", intent))
    assert [m.get("response") for m in msgs] == [response]


async def test_not_understood_at_the_summary_has_no_buttons_of_its_own(shop) -> None:
    """ "👍" at the summary: the menu's three buttons, then the summary's, numbered 4-6 on
    WhatsApp, so a typed "1" meant Browse, not Confirm."""
    _, msgs = await run(ActionFallback(), _after("action_order_summary", "hmm", "nlu_fallback"))
    assert msgs[0]["buttons"] == [], msgs
    _, msgs = await run(ActionFallback(), _after("action_view_cart", "hmm", "nlu_fallback"))
    assert len(msgs[0]["buttons"]) == 3, msgs
