"""The tester's findings of 2026-11-30 (notes/tester_findings.md B1, B2): an Indian address
("H no 45, gali no 3") read as a "no" must not stop the checkout, and typed order words in
Urdu, Hindi and Hinglish start the checkout (or carry it on), whatever the NLU made of them."""

from __future__ import annotations

import pytest
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet

from actions.checkout import ActionStartCheckout, ActionStopCheckout, ValidateCheckoutForm
from actions.form_words import looks_like_address, wants_checkout
from actions.info import ActionFallback
from actions.orders import ActionCancelOrder
from actions.search import ActionSearchProducts
from actions.texts import t
from tests.buyer_support import FORM
from tests.rasa_support import run, tracker

EMPTY = {name: None for name in FORM}
CART = ["KS-101:1"]


def in_form(text: str, asked: str, intent: str, language: str = "hi-Latn", **slots):  # type: ignore[no-untyped-def]
    """The tracker when a rule sends ``text`` (read as ``intent``) to action_stop_checkout
    while the checkout form asks about ``asked``."""
    values = {**EMPTY, **slots, "cart": CART, "language": language, "requested_slot": asked}
    events = [{"event": "user", "text": text}]
    return tracker(text, intent=intent, slots=values, active_loop="checkout_form", events=events)


@pytest.mark.parametrize(
    "address",
    [
        "H no 45, gali no 3, lajpat nagar, new delhi",
        "h no 45 gali no 3 lajpat nagar delhi",
        "plot no 7, sector 5, rohini",
        "makaan no 12 near bus stand",
        "मकान नं 45, गली नं 3, लाजपत नगर",
        "مکان نمبر 5، گلی نمبر 3، ماڈل ٹاؤن لاہور",
    ],
)
@pytest.mark.parametrize("intent", ["deny", "cancel_order"])
async def test_an_address_read_as_no_is_the_address(shop, address: str, intent: str) -> None:
    events, msgs = await run(ActionStopCheckout(), in_form(address, "buyer_address", intent))
    assert SlotSet("buyer_address", address) in events
    assert FollowupAction("checkout_form") in events  # the form asks its next question
    assert ActiveLoop(None) not in events
    assert msgs == []


@pytest.mark.parametrize(
    "said", ["no", "nahi", "cancel", "no thanks", "cancel order 2", "mat bhejo"]
)
async def test_a_no_at_the_address_question_still_stops(shop, said: str) -> None:
    events, msgs = await run(ActionStopCheckout(), in_form(said, "buyer_address", "deny"))
    assert ActiveLoop(None) in events
    assert [m["text"] for m in msgs] == [t("checkout_stopped", "hi-Latn")]


@pytest.mark.parametrize(
    ("said", "language"),
    [
        ("میں آرڈر کرنا چاہتا ہوں", "ur"),
        ("آرڈر کرنا ہے", "ur"),
        ("मैं ऑर्डर करना चाहता हूँ", "hi"),
        ("order karna hai", "hi-Latn"),
        ("i want to place the order", "en"),
    ],
)
async def test_wanting_to_order_at_a_question_asks_it_again(shop, said: str, language: str) -> None:
    trk = in_form(said, "buyer_name", "cancel_order", language)
    events, msgs = await run(ActionStopCheckout(), trk)
    assert events == [FollowupAction("checkout_form")]  # the same question, asked again
    assert [m["text"] for m in msgs] == [t("checkout_go_on", language)]


@pytest.mark.parametrize("said", ["چیک آؤٹ", "آرڈر کرنا ہے", "/checkout"])
async def test_order_words_given_as_a_detail_are_not_the_detail(shop, said: str) -> None:
    """Read as affirm or search, "چیک آؤٹ" would fill the name: asked again instead."""
    values = {**EMPTY, "cart": CART, "language": "ur", "requested_slot": "buyer_name"}
    events = [{"event": "user", "text": said}, SlotSet("buyer_name", said)]
    trk = tracker(said, intent="affirm", slots={**values, "buyer_name": said},
                  active_loop="checkout_form", events=events)  # fmt: skip
    result, msgs = await run(ValidateCheckoutForm(), trk)
    assert result == [SlotSet("buyer_name", None)]
    assert [m["text"] for m in msgs] == [t("checkout_go_on", "ur")]


def typed(text: str, intent: str, cart: list[str]):  # type: ignore[no-untyped-def]
    return tracker(text, intent=intent, slots={"cart": cart, "language": "ur"},
                   events=[{"event": "user", "text": text}])  # fmt: skip


@pytest.mark.parametrize(
    ("action", "said", "intent"),
    [
        (ActionSearchProducts, "آرڈر کرنا ہے", "search_product"),
        (ActionSearchProducts, "آرڈر کر دیں", "search_product"),
        (ActionFallback, "چیک آؤٹ", "nlu_fallback"),
        (ActionFallback, "ऑर्डर करना है", "nlu_fallback"),
        (ActionSearchProducts, "order karna hai", "search_product"),
        (ActionCancelOrder, "میں آرڈر کرنا چاہتا ہوں", "cancel_order"),
    ],
)
async def test_order_words_with_a_cart_start_the_checkout(shop, action, said, intent) -> None:  # type: ignore[no-untyped-def]
    """The action the NLU's intent led to hands over to action_start_checkout, which (not
    after a checkout intent, so no rule follows) starts the form itself."""
    events, msgs = await run(action(), typed(said, intent, CART))
    assert events == [FollowupAction("action_start_checkout")] and msgs == []
    events, msgs = await run(ActionStartCheckout(), typed(said, intent, CART))
    assert SlotSet("cart_ready", True) in events
    assert events[-1] == FollowupAction("checkout_form")
    assert [m["text"] for m in msgs] == [t("checkout_start", "ur")]


async def test_the_checkout_intent_leaves_the_form_to_its_rule(shop) -> None:
    events, _ = await run(ActionStartCheckout(), typed("/checkout", "checkout", CART))
    assert SlotSet("cart_ready", True) in events
    assert FollowupAction("checkout_form") not in events


async def test_order_words_with_an_empty_cart_are_searched_as_before(shop) -> None:
    events, _ = await run(ActionSearchProducts(), typed("آرڈر کرنا ہے", "search_product", []))
    assert FollowupAction("action_start_checkout") not in events


def test_words() -> None:
    assert not looks_like_address("no") and not looks_like_address("nahi chahiye")
    assert looks_like_address("45 Mall Road, Shimla")
    for said in ("cancel my order", "order cancel karna hai", "ऑर्डर नहीं करना है", "آرڈر نہیں کرنا"):
        assert not wants_checkout(said), said


@pytest.mark.parametrize("name", ["Nahid Khan", "Nomi", "नाहिद खान", "رحمت علی"])
async def test_a_name_read_as_no_is_the_name(shop, name: str) -> None:
    """The current model reads "Nahid Khan" (0.70) and "Nomi" (0.56) as deny."""
    events, msgs = await run(ActionStopCheckout(), in_form(name, "buyer_name", "deny"))
    assert SlotSet("buyer_name", name) in events
    assert FollowupAction("checkout_form") in events and ActiveLoop(None) not in events
    assert msgs == []


@pytest.mark.parametrize("said", ["no", "nahi", "not now", "abhi nahi", "نہیں", "नहीं चाहिए"])
async def test_a_no_at_the_name_question_still_stops(shop, said: str) -> None:
    events, msgs = await run(ActionStopCheckout(), in_form(said, "buyer_name", "deny"))
    assert ActiveLoop(None) in events
    assert [m["text"] for m in msgs] == [t("checkout_stopped", "hi-Latn")]


@pytest.mark.parametrize(
    ("said", "asked", "country", "kept"),
    [
        ("LE2 1AB", "buyer_postal_code", "United Kingdom", "LE2 1AB"),
        ("110016", "buyer_postal_code", "India", "110016"),
        ("0300 1234567", "buyer_phone", "Pakistan", "+923001234567"),
    ],
)
async def test_a_code_or_number_read_as_no_is_the_answer(
    shop, said: str, asked: str, country: str, kept: str
) -> None:
    """The postcode "LE2 1AB" was read as a "no" and stopped a UK buyer's checkout."""
    events, msgs = await run(
        ActionStopCheckout(), in_form(said, asked, "deny", buyer_country=country)
    )
    assert SlotSet(asked, kept) in events, events
    assert FollowupAction("checkout_form") in events
    assert ActiveLoop(None) not in events


async def test_no_with_a_number_at_the_postcode_question_still_stops(shop) -> None:
    events, _ = await run(
        ActionStopCheckout(),
        in_form("no, cancel 2", "buyer_postal_code", "deny", buyer_country="India"),
    )
    assert ActiveLoop(None) in events
