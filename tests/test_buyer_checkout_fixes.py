"""Issue 12, a tester chatting with the bot: the checkout's questions (change details one at a
time, names that are not names or are a detail's name, the phone question a buyer could not
leave, "order 2" after a list, a cart from India and Pakistan at once)."""

from __future__ import annotations

import pytest
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet

from actions.cart import ActionAddToCart, ActionInform, ActionViewCart
from actions.checkout import (
    ActionAskBuyerCountry,
    ActionOrderSummary,
    ActionStartCheckout,
    ValidateCheckoutForm,
)
from actions.details import ActionChangeDetails
from actions.info import ActionFallback
from actions.orders import ActionOrderStatus
from actions.search import ActionSearchProducts
from tests.buyer_support import FORM, INDIA, PAKISTAN
from tests.rasa_support import run, tracker


def cleared_by_change_details(slots: dict) -> list[dict]:
    """The events the form's validation sees after "Change details": the five details set to
    None by action_change_details, handed back as the form's slot candidates."""
    events = [
        {"event": "user", "text": "/change_details"},
        {"event": "action", "name": "action_change_details"},
        *[SlotSet(name, None) for name in FORM],
        SlotSet("requested_slot", None),
        {"event": "action", "name": "checkout_form"},
        *[SlotSet(name, None) for name in FORM],
    ]
    return events


async def test_change_details_validates_nothing_and_says_no_error(shop) -> None:
    slots = {**{name: None for name in FORM}, "cart": ["KS-101:1"], "language": "en"}
    trk = tracker("/change_details", intent="change_details", slots=slots,
                  events=cleared_by_change_details(PAKISTAN))  # fmt: skip
    events, msgs = await run(ValidateCheckoutForm(), trk)
    assert msgs == []
    assert all(e.get("value") is None for e in events if e.get("name") in FORM)


def asked(slot: str, text: str, slots: dict, intent: str = "inform", confidence: float = 1.0):  # type: ignore[no-untyped-def]
    """The form's validation of ``text`` given to the question about ``slot``."""
    events = [{"event": "user", "text": text}, SlotSet(slot, text)]
    trk = tracker(text, intent=intent, slots={**slots, "requested_slot": slot, slot: text},
                  active_loop="checkout_form", events=events)  # fmt: skip
    trk.latest_message["intent"]["confidence"] = confidence
    return trk


async def test_remembered_details_no_longer_valid_are_cleared_quietly(shop) -> None:
    """At the next checkout the saved details are checked by the current rules, without a
    word: a Pakistani address with an Indian PIN is asked its postal code again."""
    saved = {**PAKISTAN, "buyer_postal_code": "171001", "buyer_name": "order 1"}
    events = [{"event": "user", "text": "/checkout"}, {"event": "action", "name": "checkout_form"}]
    events += [SlotSet(name, saved[name]) for name in FORM]
    trk = tracker("/checkout", intent="checkout", slots=saved, events=events)
    result, msgs = await run(ValidateCheckoutForm(), trk)
    assert msgs == []
    assert SlotSet("buyer_postal_code", None) in result and SlotSet("buyer_name", None) in result
    assert SlotSet("buyer_phone", PAKISTAN["buyer_phone"]) in result


async def test_the_postal_code_asked_is_checked_by_the_delivery_country(shop) -> None:
    trk = asked("buyer_postal_code", "171001", {**PAKISTAN, "buyer_postal_code": None})
    result, msgs = await run(ValidateCheckoutForm(), trk)
    assert SlotSet("buyer_postal_code", None) in result
    assert [m["text"] for m in msgs] == ["A Pakistani postal code has 5 digits, e.g. 25000."]


@pytest.mark.parametrize(
    ("language", "start"),
    [("en", "The address you gave is in India, not in Pakistan."),
     ("ur", "آپ کا دیا ہوا پتہ بھارت میں ہے، پاکستان میں نہیں۔")],
)  # fmt: skip
async def test_a_country_other_than_the_addresss_asks_the_address_again(
    shop, language: str, start: str
) -> None:
    """A tester's Delhi address, Peshawar chappals in the cart: asked the country (India was
    refused), they answered Pakistan, and the order was placed to New Delhi, Pakistan."""
    slots = {**PAKISTAN, "cart": ["PC-101/9:1"], "language": language,
             "buyer_address": "B-12, Karol Bagh, New Delhi"}  # fmt: skip
    result, msgs = await run(ValidateCheckoutForm(), asked("buyer_country", "Pakistan", slots))
    assert SlotSet("buyer_country", None) in result and SlotSet("buyer_address", None) in result
    assert len(msgs) == 1 and msgs[0]["text"].startswith(start), msgs
    lahore = {**slots, "buyer_address": "House 12, Gulberg III, Lahore"}
    result, msgs = await run(ValidateCheckoutForm(), asked("buyer_country", "Pakistan", lahore))
    assert SlotSet("buyer_country", "Pakistan") in result and not msgs, msgs


@pytest.mark.parametrize(
    ("slot", "said"),
    [("buyer_address", "never mind, I don't want to buy now"), ("buyer_address", "rehne do"),
     ("buyer_name", "nahi chahiye"), ("buyer_address", "नहीं चाहिए, बाद में")],
)  # fmt: skip
async def test_a_change_of_mind_is_no_address_or_name(shop, slot: str, said: str) -> None:
    """A tester's "never mind, I don't want to buy now" was kept as the delivery address
    (the summary read "Deliver to Ravi (...), never mind, I don't want to buy now")."""
    result, msgs = await run(ValidateCheckoutForm(), asked(slot, said, {"cart": ["KS-101:1"]}))
    assert SlotSet(slot, None) in result and SlotSet("requested_slot", None) in result
    assert [m["text"] for m in msgs] == ["OK, checkout stopped. Your cart is kept."]
    address = "House 4, Street 9, University Town, near the mosque"  # no stop in an address
    result, _ = await run(ValidateCheckoutForm(), asked("buyer_address", address, {}))
    assert SlotSet("buyer_address", address) in result


async def test_a_name_with_digits_is_not_a_name(shop) -> None:
    result, msgs = await run(ValidateCheckoutForm(), asked("buyer_name", "order 1", {}))
    assert SlotSet("buyer_name", None) in result
    assert [m["text"] for m in msgs] == ["Please type a name (letters)."]


@pytest.mark.parametrize(
    ("said", "language", "first"),
    [("address", "en", "The name comes first"), ("mera pata", "hi-Latn", "Pehle naam"),
     ("फ़ोन नंबर", "hi", "पहले नाम"), ("پتہ", "ur", "پہلے نام")],
)  # fmt: skip
async def test_a_detail_named_at_the_name_question_is_not_a_name(
    shop, said: str, language: str, first: str
) -> None:
    """A tester pressed "Change details" and answered the name question with "address" (the
    detail they meant to change): the parcel was to carry the name "address"."""
    slots = {"cart": ["KS-101:1"], "language": language}
    result, msgs = await run(ValidateCheckoutForm(), asked("buyer_name", said, slots))
    assert SlotSet("buyer_name", None) in result
    assert len(msgs) == 1 and msgs[0]["text"].startswith(first), msgs


@pytest.mark.parametrize(
    ("said", "language", "again"),
    [("change name", "en", "OK, let's take your delivery details again."),
     ("naam badlo", "hi-Latn", "Theek hai, delivery ki details phir se lete hain."),
     ("नाम बदलो", "hi", "ठीक है, डिलीवरी का विवरण फिर से लेते हैं।"),
     ("نام بدلیں", "ur", "ٹھیک ہے، ڈلیوری کی تفصیلات دوبارہ لیتے ہیں۔")],
)  # fmt: skip
async def test_change_name_at_the_phone_question_asks_the_name_next(
    shop, said: str, language: str, again: str
) -> None:
    slots = {"buyer_name": "Asha Verma", "cart": ["KS-101:1"], "language": language}
    result, msgs = await run(ValidateCheckoutForm(), asked("buyer_phone", said, slots))
    assert SlotSet("buyer_name", None) in result and SlotSet("buyer_phone", None) in result
    assert [m["text"] for m in msgs] == [again]


async def test_the_summary_shows_the_phone(shop) -> None:
    slots = {**INDIA, "cart": ["KS-101:1"]}
    _, msgs = await run(ActionOrderSummary(), tracker("", slots=slots))
    assert "Deliver to Asha Verma (+91 98765 43210), 12 Mall Road" in msgs[0]["text"]
    urdu = await run(ActionOrderSummary(), tracker("", slots={**slots, "language": "ur"}))
    assert "(+919876543210)" in urdu[1][0]["text"]  # one run: right to left keeps its order


@pytest.mark.parametrize(
    ("slots", "language", "expected"),
    [({"buyer_country": "Pakistan"}, "en", "A mobile number looks like 0301 2345678 (Pakistan)"),
     ({}, "en", "A mobile number looks like 98765 43210 (India)"),
     ({"buyer_country": "United Kingdom"}, "hi-Latn", "ka mobile number aisa hota hai: 07400 123456"),
     ({"buyer_country": "Pakistan"}, "ur", "پاکستان کا موبائل نمبر ایسا ہوتا ہے: 0301 2345678")],
)  # fmt: skip
async def test_a_wrong_phone_says_what_a_number_looks_like_there(
    shop, slots: dict, language: str, expected: str
) -> None:
    trk = asked("buyer_phone", "12345", {**slots, "language": language})
    result, msgs = await run(ValidateCheckoutForm(), trk)
    assert SlotSet("buyer_phone", None) in result
    assert len(msgs) == 1 and expected in msgs[0]["text"]


@pytest.mark.parametrize(
    ("cart", "phone", "expected"),
    [(["PC-101/9:1"], "0300 1234567", "+923001234567"),
     (["KS-101:1"], "98765 43210", "+919876543210"),
     (["KS-101:1"], "0300 1234567", "+923001234567"),
     (["KS-101:1"], "0100 1234567", None)],
)  # fmt: skip
async def test_a_local_number_before_the_country_is_read_as_the_goods_country(
    shop, cart: list[str], phone: str, expected: str | None
) -> None:
    """The phone is asked before the country: with nothing else saying where the buyer is, a
    local number of the country the cart's goods come from is that country's, else Pakistan's
    (a tester in Lahore with a Kullu shawl was told "an Indian mobile looks like ..." and never
    learnt that the shawl cannot go to Pakistan: the address's country says so)."""
    trk = asked("buyer_phone", phone, {"cart": cart, "language": "en"})
    result, _ = await run(ValidateCheckoutForm(), trk)
    assert SlotSet("buyer_phone", expected) in result


@pytest.mark.parametrize(
    ("cart", "said", "expected"),
    [(["KS-101:1"], "my number is 98765 43210", "+919876543210"),
     (["PC-101/9:1"], "mera number 0300-1234567 hai", "+923001234567"),
     (["KS-101:1"], "मेरा नंबर ९८७६५ ४३२१० है", "+919876543210"),
     (["KS-101:1"], "you can call me on +44 7700 900123", "+447700900123")],
)  # fmt: skip
async def test_a_phone_inside_a_sentence_is_the_answer(
    shop, cart: list[str], said: str, expected: str
) -> None:
    """F13: the number in "my number is 98765 43210" is the phone (it was refused)."""
    trk = asked("buyer_phone", said, {"cart": cart, "language": "en"})
    result, msgs = await run(ValidateCheckoutForm(), trk)
    assert SlotSet("buyer_phone", expected) in result and msgs == []


@pytest.mark.parametrize("said", ["my number is abc", "mera number 12345 hai", "call me"])
async def test_words_without_a_phone_are_refused_with_an_example(shop, said: str) -> None:
    trk = asked("buyer_phone", said, {"cart": ["KS-101:1"], "language": "en"})
    result, msgs = await run(ValidateCheckoutForm(), trk)
    assert SlotSet("buyer_phone", None) in result
    assert len(msgs) == 1 and "A mobile number looks like 98765 43210 (India)" in msgs[0]["text"]


async def test_a_mistyped_phone_is_still_an_answer(shop) -> None:
    trk = asked("buyer_phone", "98765 4321", {}, intent="search_product", confidence=0.9)
    result, msgs = await run(ValidateCheckoutForm(), trk)
    assert SlotSet("requested_slot", None) not in result
    assert len(msgs) == 1 and "98765 43210" in msgs[0]["text"]


@pytest.mark.parametrize(
    ("said", "intent", "answered"),
    [("kullu shawl dikhao", "search_product", "Yeh mila:"),
     ("cart dikhao", "inform", "Aapki cart:"),
     ("help", "inform", None),
     ("wapas", "nlu_fallback", None)],
)  # fmt: skip
async def test_a_buyer_who_moves_on_leaves_the_phone_question(
    shop, said: str, intent: str, answered: str | None
) -> None:
    slots = {"buyer_name": "Asha Verma", "cart": ["KS-101:1"], "language": "hi-Latn"}
    trk = asked("buyer_phone", said, slots, intent=intent, confidence=0.9)
    result, msgs = await run(ValidateCheckoutForm(), trk)
    assert SlotSet("requested_slot", None) in result and SlotSet("buyer_phone", None) in result
    assert msgs[0]["text"].startswith("Theek hai, checkout rok diya")
    if answered:
        assert msgs[1]["text"].startswith(answered), msgs
    else:
        assert msgs[1]["response"] == "utter_menu"
    # the form ends; the summary its rule runs next says nothing with details missing
    _, summary = await run(ActionOrderSummary(), tracker("", slots=slots))
    assert summary == []


async def test_a_confident_shop_intent_with_a_phone_in_it_is_an_answer(shop) -> None:
    trk = asked("buyer_phone", "9876543210", {}, intent="search_product", confidence=0.9)
    result, msgs = await run(ValidateCheckoutForm(), trk)
    assert SlotSet("buyer_phone", "+919876543210") in result and msgs == []


async def shown_list(language: str = "en") -> tuple[list[str], list[dict]]:
    """A search for shawls: the SKUs listed, and the events of that turn (the bot's list)."""
    events, msgs = await run(
        ActionSearchProducts(),
        tracker("shawl", intent="search_product", slots={"language": language}),
    )
    listed = next(e["value"] for e in events if e.get("name") == "listed")
    turn = [{"event": "user", "text": "shawl"}, {"event": "action", "name": "action_search_products"},
            {"event": "bot", "text": msgs[0]["text"], "data": {"buttons": msgs[0]["buttons"]}},
            {"event": "action", "name": "action_listen"}]  # fmt: skip
    return listed, turn


@pytest.mark.parametrize(
    ("action", "said", "intent", "entities", "language"),
    [(ActionOrderStatus, "order 2", "order_status", {"order_id": "2"}, "en"),
     (ActionAddToCart, "2 order karo", "add_to_cart", {"quantity": "2"}, "hi-Latn"),
     (ActionAddToCart, "order no. 2", "add_to_cart", {"quantity": "2"}, "en"),
     (ActionInform, "2", "inform", {"quantity": "2"}, "en"),
     (ActionOrderStatus, "२ ऑर्डर करो", "order_status", {}, "hi"),
     (ActionAddToCart, "۲ آرڈر کریں", "add_to_cart", {"quantity": "2"}, "ur")],
)  # fmt: skip
async def test_order_2_after_a_list_is_its_second_product(
    shop, action, said: str, intent: str, entities: dict, language: str
) -> None:
    listed, turn = await shown_list(language)
    assert len(listed) >= 2
    slots = {"listed": listed, "language": language}
    trk = tracker(said, intent=intent, entities=entities, slots=slots,
                  events=[*turn, {"event": "user", "text": said}])  # fmt: skip
    events, msgs = await run(action(), trk)
    assert SlotSet("current_sku", listed[1]) in events
    # its details: the card's first line ends with its code ("Kullu Shawl (Wool, KS-101)")
    assert msgs[0]["text"].splitlines()[0].endswith(f"{listed[1]})"), msgs


@pytest.mark.parametrize("said", ["order KG-0002", "order kg 2", "order #2", "order 0002"])
async def test_an_order_reference_after_a_list_is_still_an_order(shop, said: str) -> None:
    listed, turn = await shown_list()
    trk = tracker(said, intent="order_status", entities={"order_id": said.split(" ", 1)[1]},
                  slots={"listed": listed}, events=[*turn, {"event": "user", "text": said}])  # fmt: skip
    events, msgs = await run(ActionOrderStatus(), trk)
    assert msgs[0]["text"] == "I found no order KG-0002 of yours."


async def test_order_2_without_a_list_just_shown_is_not_a_pick(shop) -> None:
    listed, turn = await shown_list()
    later = [*turn, {"event": "user", "text": "hi"}, {"event": "bot", "text": "Hello!"},
             {"event": "user", "text": "order 2"}]  # fmt: skip
    trk = tracker("order 2", intent="order_status", entities={"order_id": "2"},
                  slots={"listed": listed}, events=later)  # fmt: skip
    _, msgs = await run(ActionOrderStatus(), trk)
    assert msgs[0]["text"].startswith("I found no order KG-0002 of yours.")


MIXED = ["KS-101:1", "PC-101/9:1"]  # a Kullu shawl from India, Peshawari chappals from Pakistan


@pytest.mark.parametrize(
    ("slots", "metadata"),
    [({}, None), ({"buyer_country": "India"}, None), ({}, {"country": "PK"})],
)
async def test_a_cart_from_india_and_pakistan_asks_to_remove_one_side(
    shop, slots: dict, metadata: dict | None
) -> None:
    trk = tracker("/checkout", intent="checkout", slots={**slots, "cart": MIXED})
    if metadata:
        trk.latest_message["metadata"] = metadata
    events, msgs = await run(ActionStartCheckout(), trk)
    assert SlotSet("cart_ready", False) in events and len(msgs) == 1
    assert msgs[0]["text"].startswith(
        "Your cart has Kullu Shawl (Wool) from India and Peshawari Chappal (size 9) from "
        "Pakistan. Parcels between India and Pakistan are suspended"
    )
    payloads = [b["payload"] for b in msgs[0]["buttons"]]
    assert payloads == [
        '/remove_from_cart{"product":"KS-101"}',
        '/remove_from_cart{"product":"PC-101/9"}',
    ]


@pytest.mark.parametrize(
    ("slots", "note"),
    [({"language": "en"}, "Note: your cart now has Kullu Shawl (Wool) from India and Peshawari "
      "Chappal (size 9) from Pakistan. Parcels between India and Pakistan are suspended"),
     ({"language": "ur"}, "نوٹ: آپ کی کارٹ میں اب بھارت سے"),
     ({"language": "en", "buyer_country": "United Kingdom"}, None)],
)  # fmt: skip
async def test_adding_goods_of_the_other_country_says_so_at_once(
    shop, slots: dict, note: str | None
) -> None:
    """Peshawari chappals put beside a Kullu shawl were first refused at the checkout: the
    "Added" reply says they cannot go in one order (not for a buyer in the UK: both can)."""
    trk = tracker('/add_to_cart{"product":"PC-101/9","quantity":"1"}', intent="add_to_cart",
                  entities={"product": "PC-101/9", "quantity": "1"},
                  slots={**slots, "cart": ["KS-101:1"]})  # fmt: skip
    events, msgs = await run(ActionAddToCart(), trk)
    assert any(e.get("name") == "cart" and len(e["value"]) == 2 for e in events), events
    first, *rest = msgs[0]["text"].split("\n")
    assert first.startswith(("Added 1 x Peshawari Chappal (size 9)", "1 x پشاوری")), msgs
    assert rest == [] if note is None else rest[0].startswith(note), msgs


async def test_a_split_cart_in_urdu(shop) -> None:
    trk = tracker("/checkout", intent="checkout", slots={"cart": MIXED, "language": "ur"})
    _, msgs = await run(ActionStartCheckout(), trk)
    assert "پشاوری چپل" in msgs[0]["text"] and "بھارت اور پاکستان" in msgs[0]["text"]
    assert "{" not in msgs[0]["text"]


async def test_a_buyer_abroad_can_order_from_both(shop) -> None:
    slots = {"cart": MIXED, "buyer_country": "United Kingdom"}
    events, msgs = await run(
        ActionStartCheckout(), tracker("/checkout", intent="checkout", slots=slots)
    )
    assert SlotSet("cart_ready", True) in events
    assert msgs[0]["text"] == "Let's take your delivery details."


async def test_the_cart_asked_for_mid_checkout_ends_the_question(shop) -> None:
    """view_cart fills no detail; its mid-form rule runs the cart, which now ends the form
    (the cart's Checkout button carries on) instead of asking the phone again."""
    slots = {"cart": ["KS-101:1"], "requested_slot": "buyer_phone"}
    trk = tracker("show my cart", intent="view_cart", slots=slots, active_loop="checkout_form")
    events, msgs = await run(ActionViewCart(), trk)
    assert ActiveLoop(None) in events and SlotSet("requested_slot", None) in events
    assert msgs[0]["text"].startswith("OK, I have paused the checkout")
    assert msgs[1]["text"].startswith("Your cart:")
    # outside the checkout the cart is just the cart
    events, msgs = await run(
        ActionViewCart(), tracker("show my cart", intent="view_cart", slots=slots)
    )
    assert events == [] and msgs[0]["text"].startswith("Your cart:")


@pytest.mark.parametrize(
    ("action", "said", "intent", "language"),
    [(ActionInform, "naam badlo", "inform", "hi-Latn"),
     (ActionFallback, "नाम बदलो", "nlu_fallback", "hi"),
     (ActionInform, "نام بدلیں", "inform", "ur"),
     (ActionFallback, "change name", "nlu_fallback", "en")],
)  # fmt: skip
async def test_change_name_at_the_summary_asks_just_the_name(
    shop, action, said: str, intent: str, language: str
) -> None:
    """The NLU may miss change_details: answering the summary, the words still change the name."""
    slots = {**INDIA, "cart": ["KS-101:1"], "language": language}
    summary = [{"event": "user", "text": "171001"}, {"event": "action", "name": "checkout_form"},
               {"event": "action", "name": "action_order_summary"},
               {"event": "bot", "text": "Please check your order: ..."},
               {"event": "action", "name": "action_listen"}, {"event": "user", "text": said}]  # fmt: skip
    trk = tracker(said, intent=intent, slots=slots, events=summary)
    events, msgs = await run(action(), trk)
    assert events == [FollowupAction("action_change_details")] and msgs == []
    events, msgs = await run(ActionChangeDetails(), trk)  # which runs the form next
    cleared = {e["name"] for e in events if e.get("name") in FORM and e["value"] is None}
    assert cleared == {"buyer_name"}
    assert SlotSet("cart_ready", True) in events and events[-1] == FollowupAction("checkout_form")
    assert len(msgs) == 1 and "{" not in msgs[0]["text"]


async def test_change_words_elsewhere_are_not_a_change(shop) -> None:
    trk = tracker("naam badlo", intent="nlu_fallback", slots={**INDIA, "cart": ["KS-101:1"]})
    events, msgs = await run(ActionFallback(), trk)
    assert events == [] and msgs[0]["text"].startswith("Sorry, I did not get that.")


@pytest.mark.parametrize("slot", ["buyer_name", "buyer_phone", "buyer_address", "buyer_country"])
async def test_a_button_pressed_mid_checkout_moves_on(shop, slot: str) -> None:
    said = '/product_details{"product":"KS-101"}'
    trk = asked(slot, said, {"cart": ["KS-101:1"]}, intent="product_details")
    trk.latest_message["entities"] = [{"entity": "product", "value": "KS-101"}]
    result, msgs = await run(ValidateCheckoutForm(), trk)
    assert SlotSet("requested_slot", None) in result and SlotSet(slot, None) in result
    assert msgs[0]["text"].startswith("OK, I have paused the checkout")
    assert msgs[1]["text"].startswith("Kullu Shawl (Wool, KS-101)\n"), msgs  # its card


@pytest.mark.parametrize(
    ("phone", "titles"),
    [("+447400123456", ["India", "United Kingdom"]),
     ("+923001234567", ["India"]), (None, ["India"])],  # a Kullu shawl cannot go to Pakistan
)  # fmt: skip
async def test_the_country_question_offers_the_delivery_phones_country(
    shop, phone: str | None, titles: list[str]
) -> None:
    """Asked the country after a phone with its country code (a Telegram buyer has no
    WhatsApp number to tell): that phone's country is a button too (after India and Pakistan,
    so the numbers of those two never move; tests/test_country_metadata.py)."""
    trk = tracker("+44 7400 123456", slots={"buyer_phone": phone, "language": "en",
                                            "cart": ["KS-101:1"]})  # fmt: skip
    _, msgs = await run(ActionAskBuyerCountry(), trk)
    assert [b["title"] for b in msgs[0]["buttons"]] == titles, msgs


@pytest.mark.parametrize("country", [None, "Pakistan"])
async def test_an_indian_number_for_a_pakistan_delivery_reads_the_same_before_and_after(
    shop, country: str | None
) -> None:
    """ "9876543210" for chappals to Lahore was taken as +91 before the country was known and
    refused ("a mobile number looks like 0301 2345678") after "Change details", when it was."""
    slots = {"cart": ["PC-101/9:1"], **({"buyer_country": country} if country else {})}
    result, msgs = await run(ValidateCheckoutForm(), asked("buyer_phone", "9876543210", slots))
    assert SlotSet("buyer_phone", "+919876543210") in result and msgs == []


@pytest.mark.parametrize(
    ("typed", "slots", "address", "code"),
    [("House 12, Lakkar Bazar, Shimla, Himachal Pradesh 171001", {"cart": ["KS-101:1"]},
      "House 12, Lakkar Bazar, Shimla, Himachal Pradesh", "171001"),
     ("House 5, Gulberg III, Lahore 54000", {"cart": ["PC-101/9:1"]},
      "House 5, Gulberg III, Lahore", "54000"),
     ("12 Mall Road, Shimla", {"cart": ["KS-101:1"]}, "12 Mall Road, Shimla", None)],
)  # fmt: skip
async def test_a_postal_code_at_the_end_of_the_address_is_taken_once(
    shop, typed: str, slots: dict, address: str, code: str | None
) -> None:
    """ "..., Shimla, Himachal Pradesh 171001" was asked its PIN again, and the summary printed
    "... 171001, 171001, India": the code at the end of the address is the postal code."""
    result, msgs = await run(ValidateCheckoutForm(), asked("buyer_address", typed, slots))
    assert SlotSet("buyer_address", address) in result and msgs == []
    assert (SlotSet("buyer_postal_code", code) in result) == (code is not None), result


async def test_a_postal_code_in_the_address_is_taken_when_the_country_comes_after(shop) -> None:
    slots = {"cart": ["KS-101:1"], "buyer_address": "Plot 7, Sector 5, Springfield 400703"}
    result, _ = await run(ValidateCheckoutForm(), asked("buyer_country", "India", slots))
    assert SlotSet("buyer_country", "India") in result
    assert SlotSet("buyer_postal_code", "400703") in result
    assert SlotSet("buyer_address", "Plot 7, Sector 5, Springfield") in result


@pytest.mark.parametrize(
    ("said", "entities", "language", "place", "n"),
    [("पहली वाली दो डाल दो", {}, "hi", 1, 2),
     ("pehli wali do daal do", {}, "hi-Latn", 1, 2),
     ("add two of the first one", {"quantity": "2"}, "en", 1, 2),
     ("teesri wali 3 daal do", {}, "hi-Latn", 3, 3),
     ("aakhri wala daal do", {}, "hi-Latn", 0, None)],
)  # fmt: skip
async def test_an_add_naming_a_place_in_the_list_adds_that_product(
    shop, said: str, entities: dict, language: str, place: int, n: int | None
) -> None:
    """ "पहली वाली दो डाल दो" after a list of shawls got "Which product? Pick one first.": the
    place names the product and the words its count ("do" before "daal" is two); without a
    count, how many is asked."""
    listed, turn = await shown_list(language)
    trk = tracker(said, intent="add_to_cart", entities=entities, events=[*turn,
                  {"event": "user", "text": said}], slots={"listed": listed, "language": language})  # fmt: skip
    events, msgs = await run(ActionAddToCart(), trk)
    sku = listed[place - 1]
    if n is None:
        assert SlotSet("current_sku", sku) in events and "cart" not in str(events), msgs
    else:
        assert next(e["value"] for e in events if e.get("name") == "cart") == [f"{sku}:{n}"], msgs
