"""Tester (UX session) findings from driving the bot as new buyers."""

from __future__ import annotations

import pytest

from actions.search import ActionBrowseCatalog, ActionSearchProducts
from catalog import categories
from tests.buyer_support import shop  # noqa: F401
from tests.rasa_support import run, tracker


def skus(msgs: list[dict]) -> list[str]:
    return [b["payload"].split('"product":"')[1].split('"')[0]
            for m in msgs for b in m.get("buttons") or [] if '"product":"' in b["payload"]]


# "ok show me carpets" / "show me pickles": the NLU's synonym mapper makes the category entity
# "carpet" / "pickle" (the product words), and the category filter found nothing: "I found
# nothing for that" while the menu lists Carpets (4).
@pytest.mark.parametrize(("said", "value", "prefix"),
                         [("ok show me carpets", "carpet", ("BC-", "BD-")), ("show me pickles", "pickle", ("EP-",))])
async def test_a_category_named_in_the_singular_lists_it(shop, said, value, prefix):  # noqa: F811
    trk = tracker(said, intent="browse_catalog", entities={"category": value})
    _, msgs = await run(ActionBrowseCatalog(), trk)
    listed = skus(msgs)
    assert listed and all(s.startswith(prefix) for s in listed), msgs


async def test_a_search_with_a_singular_category_lists_it(shop):  # noqa: F811
    trk = tracker("carpets", intent="search_product", entities={"category": "carpet"})
    _, msgs = await run(ActionSearchProducts(), trk)
    assert skus(msgs) and all(s.startswith(("BC-", "BD-")) for s in skus(msgs)), msgs


def test_category_code():
    assert categories.code("carpet") == "carpets"
    assert categories.code("Pickles") == "pickles"
    assert categories.code("furniture") == "furniture"
    assert categories.code("sport") == "sports"
    assert categories.code("chappal") is None
    assert categories.code(None) is None


# "مجھے پشاوری چپل چاہیے" ("I want Peshawari chappals"): the NLU is not sure of the intent
# (nlu_fallback) though it reads the product "chappal"; the buyer got "Sorry, I did not
# understand" for the one thing the shop sells. A fallback naming a product searches it.
async def test_a_message_not_understood_that_names_a_product_searches_it(shop):  # noqa: F811
    from actions.info import ActionFallback

    trk = tracker("مجھے پشاوری چپل چاہیے", intent="nlu_fallback", entities={"product": "chappal"},
                  slots={"language": "ur"})
    _, msgs = await run(ActionFallback(), trk)
    assert "PC-101" in skus(msgs), msgs
    assert "سمجھ" not in msgs[0]["text"]  # not "بات سمجھ نہیں آئی"


async def test_a_message_not_understood_without_a_product_still_offers_the_menu(shop):  # noqa: F811
    from actions.info import ActionFallback

    _, msgs = await run(ActionFallback(), tracker("asdf qwer", intent="nlu_fallback"))
    assert not skus(msgs) and msgs[0]["buttons"], msgs


# "order status KG-0001" (someone else's order, no order_id entity: the reference found in the
# words) after looking at a shawl answered "I found no order KG-0001 of yours. Did you mean 1 x
# Kullu Shawl (Nahan weave)? Press the button to add them to your cart."
async def test_another_buyers_reference_is_not_read_as_a_quantity(shop):  # noqa: F811
    from actions.orders import ActionOrderStatus

    trk = tracker("order status KG-0001", intent="order_status", slots={"current_sku": "KS-103"})
    _, msgs = await run(ActionOrderStatus(), trk)
    assert [m["text"] for m in msgs] == ["I found no order KG-0001 of yours."], msgs
    assert not msgs[0].get("buttons")


async def test_a_bare_order_number_may_still_mean_a_quantity(shop):  # noqa: F811
    from actions.orders import ActionOrderStatus

    trk = tracker("order 2", intent="order_status", entities={"order_id": "2"},
                  slots={"current_sku": "KS-103"})
    _, msgs = await run(ActionOrderStatus(), trk)
    assert "Did you mean 2 x" in msgs[0]["text"], msgs


# "-5" answering "How many would you like?" under the Kullu Shawl's card listed the bakery
# (a search for "-5"); "0" there says "Please give a quantity of at least 1".
async def test_a_negative_quantity_after_how_many_says_at_least_one(shop):  # noqa: F811
    from actions.cart import ActionInform

    asked = [{"event": "user", "text": "KS-101"},
             {"event": "bot", "text": "Kullu Shawl (Wool)\n8 in stock.\nHow many would you like? Type a number."},
             {"event": "user", "text": "-5"}]
    trk = tracker("-5", intent="inform", slots={"current_sku": "KS-101", "cart": []}, events=asked)
    events, msgs = await run(ActionInform(), trk)
    assert [m["text"] for m in msgs] == ["Please give a quantity of at least 1 for Kullu Shawl (Wool)."]
    assert not any(e.get("name") == "cart" for e in events)


async def test_a_negative_number_with_nothing_looked_at_asks_which_product(shop):  # noqa: F811
    from actions.cart import ActionInform

    _, msgs = await run(ActionInform(), tracker("-5", intent="inform"))
    assert [m["text"] for m in msgs] == ["Which product? Pick one first."]


# "pehla wala" ("the first one") right after "Yeh mila:" and three shawls answered "Iske liye
# kuch nahi mila" with the categories: a search for the words. A place said in words picks
# from the list as "1" does; "the first one" read as nlu_fallback too.
LISTED = ["KS-103", "KS-101", "KS-102"]


def after_the_list(said: str) -> list[dict]:
    return [{"event": "user", "text": "kulu shal chaiye"},
            {"event": "bot", "text": "Here is what I found:"},
            {"event": "user", "text": said}]


@pytest.mark.parametrize(("said", "sku"), [("pehla wala", "KS-103"), ("पहला वाला", "KS-103"),
                                           ("دوسرا والا", "KS-101"), ("the last one", "KS-102")])
async def test_a_place_in_the_list_said_in_words_opens_that_product(shop, said, sku):  # noqa: F811
    from actions.cart import ActionInform
    from actions.info import ActionFallback

    for action, intent in ((ActionInform(), "inform"), (ActionFallback(), "nlu_fallback")):
        trk = tracker(said, intent=intent, slots={"listed": LISTED}, events=after_the_list(said))
        events, msgs = await run(action, trk)
        assert {"event": "slot", "name": "current_sku", "value": sku, "timestamp": None} in events, (
            action, msgs)


# "dusra wala dikhao" right after a list was read as cancel_order: "Which order do you want to cancel?"
async def test_a_place_in_the_list_read_as_a_cancel_opens_that_product(shop):  # noqa: F811
    from actions.orders import ActionCancelOrder

    said = "dusra wala dikhao"
    trk = tracker(said, intent="cancel_order", slots={"listed": LISTED}, events=after_the_list(said))
    events, msgs = await run(ActionCancelOrder(), trk)
    assert {"event": "slot", "name": "current_sku", "value": "KS-101", "timestamp": None} in events, msgs


async def test_a_place_in_words_without_a_list_just_shown_picks_nothing(shop):  # noqa: F811
    from actions.cart import ActionInform

    said = [{"event": "user", "text": "hi"}, {"event": "bot", "text": "Namaste!"},
            {"event": "user", "text": "pehla wala"}]
    events, _ = await run(ActionInform(), tracker("pehla wala", slots={"listed": LISTED}, events=said))
    assert not any(e.get("name") == "current_sku" and e.get("value") for e in events)


# "upi" answering "Order KG-0001 ke ₹2,480 kaise denge? 1. Cash on delivery" (the only way
# offered) asked the same again, without a word on why: UPI is not one of the ways.
@pytest.mark.parametrize("intent", ["payment_methods", "inform", "nlu_fallback"])
async def test_a_way_to_pay_not_offered_says_so_and_offers_the_ways(shop, intent):  # noqa: F811
    from actions.cart import ActionInform
    from actions.info import ActionFallback, ActionPaymentMethods
    from tests.buyer_support import INDIA, place
    from tests.test_buyer_typed_payment_choice import after, methods_started

    number, msgs = await place({**INDIA, "cart": ["KS-101:1"], "language": "hi-Latn", "checkout_id": "wh-1"},
                               sender="wh-1")
    action = {"payment_methods": ActionPaymentMethods, "inform": ActionInform,
              "nlu_fallback": ActionFallback}[intent]()
    trk = tracker("upi", intent=intent, sender="wh-1", slots={"language": "hi-Latn", "cart": None},
                  events=[*after(msgs), {"event": "user", "text": "upi"}])
    _, replies = await run(action, trk)
    assert replies[0]["text"] == (
        f"Order KG-{number:04d} ka payment yahan se us tareeke se nahi ho sakta; yeh tareeke hain:"
    ), replies
    assert [b["title"] for b in replies[1]["buttons"]] == ["Cash on delivery"]
    assert methods_started(shop, number) == []


# "3 kardo" right after "Yeh mila:" and three shawls, none looked at, answered "Kaun sa samaan?
# Pehle ek chuniye." with nothing to tap: now the listed products, a button each adding 3.
@pytest.mark.parametrize(("action_name", "intent"), [("inform", "inform"), ("add", "add_to_cart")])
async def test_a_quantity_right_after_a_list_asks_which_with_buttons(shop, action_name, intent):  # noqa: F811
    from actions.cart import ActionAddToCart, ActionInform

    action = ActionInform() if action_name == "inform" else ActionAddToCart()
    trk = tracker("3 kardo", intent=intent, entities={"quantity": "3"},
                  slots={"listed": LISTED, "language": "hi-Latn"}, events=after_the_list("3 kardo"))
    events, msgs = await run(action, trk)
    assert msgs[0]["text"] == "Kaun sa? 3 daalne ke liye us par tap kijiye:", msgs
    assert [b["payload"] for b in msgs[0]["buttons"]] == [
        f'/add_to_cart{{"product":"{sku}","quantity":"3"}}' for sku in LISTED
    ]
    assert not any(e.get("name") == "cart" for e in events)


async def test_a_quantity_with_no_list_just_shown_still_asks_which_product(shop):  # noqa: F811
    from actions.cart import ActionInform

    said = [{"event": "user", "text": "hi"}, {"event": "bot", "text": "Namaste!"},
            {"event": "user", "text": "3"}]
    _, msgs = await run(ActionInform(), tracker("3", entities={"quantity": "3"},
                                                slots={"listed": LISTED}, events=said))
    assert [m["text"] for m in msgs] == ["Which product? Pick one first."]


# "سائز 9" ("size 9") under the Peshawari Chappal's card (sizes 7-11) answered "اس کے لیے کچھ
# نہیں ملا" (a search for the words, which found nothing; "size 9" found a football): the size
# of the product looked at goes to the cart, as "peshawari chappal 9 number" does.
@pytest.mark.parametrize("said", ["سائز 9", "size 9", "साइज़ 9"])
async def test_a_size_under_a_products_card_is_that_products_size(shop, said):  # noqa: F811
    from actions.cart import ActionInform

    card = [{"event": "user", "text": "پہلا والا"},
            {"event": "bot", "text": "پشاوری چپل (PC-101)\nسائز: 7, 8, 9, 10, 11\nکتنے چاہییں؟"},
            {"event": "user", "text": said}]
    trk = tracker(said, intent="inform", slots={"current_sku": "PC-101", "listed": LISTED},
                  events=card)
    events, msgs = await run(ActionInform(), trk)
    assert {"event": "followup", "name": "action_add_to_cart", "timestamp": None} in events, msgs
    assert {"event": "slot", "name": "current_sku", "value": "PC-101", "timestamp": None} in events
