"""Tester findings F1-F3 (a WhatsApp buyer writing Hinglish): "sirf 1" / "only 1" / "bas 1" /
"सिर्फ़ 1" / "صرف 1" sets the cart line of a product already in the cart, it never adds; "nahi
sirf 1" right after "added" sets it too; "shawl 1 kar do" and "mujhe sirf ek shawl chahiye, 3
nahi" set the shawl's line whichever action the NLU sends them to; the reply stays Hinglish."""

from __future__ import annotations

import pytest
from rasa_sdk.events import SlotSet

from actions.cart import ActionAddToCart, ActionInform, ActionProductDetails
from actions.checkout import ValidateCheckoutForm
from actions.info import ActionFallback
from actions.language import detect
from actions.quantity import number_in
from actions.search import ActionSearchProducts
from actions.texts import EN, HI, HI_LATN, UR
from tests.rasa_support import run, tracker

ACTIONS = {
    "product_details": ActionProductDetails,
    "inform": ActionInform,
    "add_to_cart": ActionAddToCart,
    "search_product": ActionSearchProducts,
    "nlu_fallback": ActionFallback,
}
SET_ONE = {
    EN: "Now 1 x Kullu Shawl (Wool) in your cart. Cart total: ₹2,400.",
    HI_LATN: "Ab cart mein 1 x Kullu Shawl (Wool). Cart ka total: ₹2,400.",
}


def cart(events: list) -> list[str] | None:
    found = [e["value"] for e in events if e.get("event") == "slot" and e.get("name") == "cart"]
    return sorted(found[-1]) if found else None


def after_price(text: str, intent: str, language: str = HI_LATN, qty: int = 2, **kw):  # type: ignore[no-untyped-def]
    """F1: 2 x KS-101 in the cart, then "price kitna hua total?" showed its price."""
    events = [
        {"event": "user", "text": "price kitna hua total?"},
        {"event": "action", "name": "action_ask_price"},
        {"event": "bot", "text": "Kullu Shawl (Wool): ₹2,400"},
        {"event": "user", "text": text},
    ]
    slots = {"cart": [f"KS-101:{qty}"], "current_sku": "KS-101", "language": language}
    return tracker(text, intent=intent, slots=slots, events=events, **kw)


def after_added(text: str, intent: str, **kw):  # type: ignore[no-untyped-def]
    events = [
        {"event": "user", "text": "2 cart mein daalo"},
        {
            "event": "bot",
            "text": "2 x Kullu Shawl (Wool) cart mein daal diya. Cart ka total: ₹4,800.",
        },
        {"event": "user", "text": text},
    ]
    slots = {"cart": ["KS-101:2"], "current_sku": "KS-101", "language": HI_LATN}
    return tracker(text, intent=intent, slots=slots, events=events, **kw)


@pytest.mark.parametrize("intent", list(ACTIONS))
@pytest.mark.parametrize(
    "text", ["sirf 1", "only 1", "bas 1", "just 1", "सिर्फ़ 1", "صرف 1", "sirf ek"]
)
async def test_only_n_after_the_price_sets_the_line(shop, text, intent) -> None:
    """F1 (money): "sirf 1" added a third shawl."""
    entities = {"quantity": "1"} if intent != "nlu_fallback" else {}
    events, msgs = await run(ACTIONS[intent](), after_price(text, intent, entities=entities))
    assert cart(events) == ["KS-101:1"], (events, msgs)
    assert msgs[0]["text"] == SET_ONE[HI_LATN], msgs


@pytest.mark.parametrize("intent", list(ACTIONS))
@pytest.mark.parametrize(
    "text", ["sirf 1", "nahi sirf 1", "nahi, sirf 1 chahiye", "no, only 1", "nai 1 hi", "nhi 1 hi"]
)
async def test_only_n_right_after_added_sets_the_line(shop, text, intent) -> None:
    """F2: "nahi sirf 1" after "added 2" searched for it and found nothing."""
    events, msgs = await run(ACTIONS[intent](), after_added(text, intent))
    assert cart(events) == ["KS-101:1"], (events, msgs)
    assert msgs[0]["text"] == SET_ONE[HI_LATN], msgs


@pytest.mark.parametrize("intent", list(ACTIONS))
@pytest.mark.parametrize(
    ("text", "n"),
    [
        ("shawl 1 kar do", 1),
        ("shawl 2 kar do", 2),
        ("mujhe sirf ek shawl chahiye, 3 nahi", 1),
        ("sirf 1 shawl", 1),
        ("shawl sirf 2", 2),
        ("ek hi shawl chahiye", 1),
        ("नहीं, रुको, एक ही शॉल चाहिए", 1),
    ],
)
async def test_a_named_line_is_set_whatever_the_intent(shop, text, n, intent) -> None:
    """F3: with 3 x KS-101 in the cart and something else looked at, these searched."""
    slots = {"cart": ["KS-101:3", "EP-101:1"], "current_sku": "EP-101", "language": HI_LATN}
    entities = {"product": "shawl"} if intent != "nlu_fallback" else {}
    trk = tracker(text, intent=intent, entities=entities, slots=slots)
    events, msgs = await run(ACTIONS[intent](), trk)
    assert cart(events) == sorted([f"KS-101:{n}", "EP-101:1"]), (events, msgs)
    assert msgs[0]["text"].startswith(f"Ab cart mein {n} x Kullu Shawl (Wool)."), msgs


@pytest.mark.parametrize("intent", list(ACTIONS))
async def test_the_line_a_word_of_its_name_picks_is_set(shop, intent) -> None:
    """ "ऊनी शॉल सिर्फ़ एक कर दो" with the woollen and the Nahan shawl in the cart opened the
    Nahan shawl's card (read as product_details): the woollen one's line is set to 1."""
    slots = {"cart": ["KS-101:3", "KS-103:1"], "language": HI}
    trk = tracker("ऊनी शॉल सिर्फ़ एक कर दो", intent=intent, slots=slots,
                  entities={"product": "ऊनी शॉल"} if intent != "nlu_fallback" else {})  # fmt: skip
    events, msgs = await run(ACTIONS[intent](), trk)
    assert cart(events) == ["KS-101:1", "KS-103:1"], (events, msgs)


async def test_only_n_of_a_product_not_in_the_cart_adds_it(shop) -> None:
    """ "sirf 1" about the product looked at, not in the cart: one of it is added; the
    shawl already in the cart is left alone."""
    events = [
        {"event": "user", "text": "achar dikhao"},
        {"event": "action", "name": "action_product_details"},
        {"event": "bot", "text": "Mango Achar ..."},
        {"event": "user", "text": "sirf 1"},
    ]
    slots = {"cart": ["KS-101:2"], "current_sku": "EP-101", "language": HI_LATN}
    trk = tracker("sirf 1", intent="inform", slots=slots, events=events)
    got, msgs = await run(ActionInform(), trk)
    assert cart(got) == sorted(["KS-101:2", "EP-101:1"]), msgs


async def test_only_with_an_empty_cart_is_still_a_search(shop) -> None:
    trk = tracker(
        "mujhe sirf ek shawl chahiye", intent="search_product", slots={"language": HI_LATN}
    )
    got, msgs = await run(ActionSearchProducts(), trk)
    assert cart(got) is None, msgs


@pytest.mark.parametrize(
    ("text", "n"),
    [
        ("mujhe sirf ek shawl chahiye, 3 nahi", 1),
        ("3 nahi, 1", 1),
        ("not 3, only 1", 1),
        ("nahi sirf 1", 1),
        ("sirf do", 2),
        ("KS-101 2 kardo", 2),
        ("3 नहीं, सिर्फ़ 1", 1),
        ("दो चाहिए", 2),
        ("صرف ایک", 1),
        ("sirf 1 nahi, 2 chahiye", 2),
        ("nahi ruko, ek hi chahiye", 1),
        ("ایک ہی شال چاہیے", 1),
    ],
)
def test_the_number_meant(text, n) -> None:
    assert number_in(text) == n


@pytest.mark.parametrize("text", ["make it 1", "only 1", "just 2", "make it 3 please"])
def test_a_quantity_command_keeps_the_language(text) -> None:
    """F3: "make it 1" switched a Hinglish buyer to English."""
    for current in (HI_LATN, HI, UR):
        assert detect(text, current) is None
    assert detect(text, None) in (EN, None)


@pytest.mark.parametrize("slot", ["buyer_name", "buyer_phone", "buyer_address"])
@pytest.mark.parametrize("intent", ["inform", "nlu_fallback", "search_product", "add_to_cart"])
@pytest.mark.parametrize(
    ("text", "n"),
    [("shawl 1 kar do", 1), ("sirf 1", 1), ("nahi sirf 2", 2), ("नहीं, रुको, एक ही शॉल चाहिए", 1)],
)
async def test_a_quantity_request_at_a_checkout_question_sets_the_line(
    shop, slot, intent, text, n
) -> None:
    """Asked a detail, the buyer changes the cart instead: the line is set and the checkout
    goes on (the same question is asked again), without the cart's buttons; it used to pause
    until "checkout" was typed again."""
    slots = {"cart": ["KS-101:3"], "current_sku": "KS-101", "language": HI_LATN,
             "requested_slot": slot, slot: text}  # fmt: skip
    trk = tracker(text, intent=intent, slots=slots, active_loop="checkout_form",
                  events=[{"event": "user", "text": text}, SlotSet(slot, text)])  # fmt: skip
    trk.latest_message["intent"]["confidence"] = 0.9
    events, msgs = await run(ValidateCheckoutForm(), trk)
    assert cart(events) == [f"KS-101:{n}"], (events, msgs)
    assert [m["text"].split(".")[0] for m in msgs] == [f"Ab cart mein {n} x Kullu Shawl (Wool)"]
    assert msgs[0]["buttons"] == [] and SlotSet(slot, None) in events
    assert not any(e.get("name") == "requested_slot" for e in events), events


@pytest.mark.parametrize("intent", ["inform", "add_to_cart", "search_product"])
async def test_only_n_sets_the_size_in_the_cart(shop, intent) -> None:
    events = [
        {"event": "user", "text": "price?"},
        {"event": "action", "name": "action_ask_price"},
        {"event": "bot", "text": "Peshawari Chappal: PKR 3,500"},
        {"event": "user", "text": "sirf 1"},
    ]
    slots = {"cart": ["PC-101/9:2"], "current_sku": "PC-101", "language": HI_LATN}
    trk = tracker("sirf 1", intent=intent, slots=slots, events=events)
    got, msgs = await run(ACTIONS[intent](), trk)
    assert cart(got) == ["PC-101/9:1"], msgs
    assert msgs[0]["text"].startswith("Ab cart mein 1 x Peshawari Chappal (size 9)."), msgs


@pytest.mark.parametrize(
    ("text", "payload"),
    [
        ("nahi sirf 1", '/inform{"quantity":"1"}'),
        ("no, only 2", '/inform{"quantity":"2"}'),
        ("sirf ek", '/inform{"quantity":"1"}'),
        ("सिर्फ़ 1", '/inform{"quantity":"1"}'),
        ("نہیں صرف ایک", '/inform{"quantity":"1"}'),
        ("bas 2 chahiye", '/inform{"quantity":"2"}'),
        ("sirf 1 shawl", None),
        ("nahi", None),
        ("sirf 0", None),
        ("bas", None),
    ],
)
def test_only_n_alone_goes_to_rasa_as_a_quantity(text, payload) -> None:
    """F2: the NLU reads "nahi sirf 1" as a no (the menu); the web app sends it as /inform
    with its quantity, the words as metadata (as with "چیک آؤٹ" and /checkout)."""
    from bot.core.order_words import typed_quantity

    assert typed_quantity(text) == payload


def sent_as_payload(trk, typed: str, quantity: str):  # type: ignore[no-untyped-def]
    trk.latest_message["text"] = f'/inform{{"quantity":"{quantity}"}}'
    trk.latest_message["metadata"] = {"typed": typed}
    return trk


@pytest.mark.parametrize("before", ["added", "price"])
async def test_nahi_sirf_1_sent_as_inform_sets_the_line(shop, before) -> None:
    made = after_added if before == "added" else after_price
    trk = sent_as_payload(
        made("nahi sirf 1", "inform", entities={"quantity": "1"}), "nahi sirf 1", "1"
    )
    events, msgs = await run(ActionInform(), trk)
    assert cart(events) == ["KS-101:1"], (events, msgs)
    assert msgs[0]["text"] == SET_ONE[HI_LATN], msgs


async def test_sirf_1_sent_as_inform_with_an_empty_cart_adds_the_product_shown(shop) -> None:
    events = [
        {"event": "user", "text": "kullu shawl"},
        {"event": "action", "name": "action_product_details"},
        {"event": "bot", "text": "Kullu Shawl (Wool) ..."},
        {"event": "user", "text": "sirf 1"},
    ]
    trk = tracker("sirf 1", intent="inform", entities={"quantity": "1"}, events=events,
                  slots={"current_sku": "KS-101", "language": HI_LATN})  # fmt: skip
    got, msgs = await run(ActionInform(), sent_as_payload(trk, "sirf 1", "1"))
    assert cart(got) == ["KS-101:1"], msgs


async def test_nahi_sirf_1_sent_as_inform_at_a_checkout_question(shop) -> None:
    text = '/inform{"quantity":"1"}'
    slots = {"cart": ["KS-101:3"], "current_sku": "KS-101", "language": HI_LATN,
             "requested_slot": "buyer_address", "buyer_address": text}  # fmt: skip
    trk = tracker(text, intent="inform", entities={"quantity": "1"}, slots=slots,
                  active_loop="checkout_form",
                  events=[{"event": "user", "text": text}, SlotSet("buyer_address", text)])  # fmt: skip
    trk.latest_message["metadata"] = {"typed": "nahi sirf 1"}
    events, msgs = await run(ValidateCheckoutForm(), trk)
    assert cart(events) == ["KS-101:1"], (events, msgs)
    assert msgs[0]["text"].startswith("Ab cart mein 1 x Kullu Shawl (Wool)."), msgs


@pytest.mark.parametrize(
    ("said", "sent"),
    [("nahi sirf 1", '/inform{"quantity":"1"}'), ("sirf 1 shawl", "sirf 1 shawl")],
)
async def test_the_web_app_sends_only_n_as_a_quantity(fake_rasa, said: str, sent: str) -> None:
    import httpx

    from bot.core.conversation import Conversation
    from bot.core.rasa_client import RasaClient
    from bot.core.state import MemoryStore
    from bot.handlers.whatsapp import to_inbound

    async with httpx.AsyncClient() as http:
        conv = Conversation(RasaClient(http, fake_rasa.url), MemoryStore(), "test-secret")
        await conv.handle(
            to_inbound({"From": "whatsapp:+919876543210", "Body": said, "MessageSid": "SM9"})
        )
    (_, _, _, body) = fake_rasa.calls[0]
    assert body["message"] == sent
    assert body["metadata"].get("typed") == (said if sent != said else None)
