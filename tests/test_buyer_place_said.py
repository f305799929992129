"""A place said in words is where the buyer is (tester finding): "I live in London" was a search
for London ("nothing found"), "لاہور بھیج دیں" ("send it to Lahore") was not understood. Now the
place's country decides the prices' currency and what can reach the buyer, until a checkout
takes an address."""

from __future__ import annotations

import pytest
from rasa_sdk.events import SlotSet

from actions.common import buyer_country_code
from actions.info import ActionFallback
from actions.place import said_place
from actions.search import ActionSearchProducts
from tests.buyer_support import shop  # noqa: F401
from tests.rasa_support import run, tracker


@pytest.mark.parametrize(
    ("said", "code"),
    [
        ("I live in London", "GB"),
        ("i am from pakistan", "PK"),
        ("I live in the United Kingdom", "GB"),
        ("main lahore mein rehta hoon", "PK"),
        ("मैं दिल्ली में रहता हूँ", "IN"),
        ("لاہور بھیج دیں", "PK"),
        ("send it to dubai please", "AE"),
        # not a statement of place
        ("kullu shawl", None),
        ("peshawar shawl", None),
        ("how long to London?", None),
        ("send me shawls", None),
        ("send to hyderabad", None),  # a city in India and in Pakistan
        ("London", None),
        ("from kullu", None),  # goods from there
        ("shawls from peshawar", None),
        ("i am from kullu", "IN"),  # a bare name may be a product's town ("Kullu"): no frame, no place
    ],
)
def test_a_place_is_read_only_from_a_statement_of_place(said: str, code: str | None) -> None:
    assert said_place(said) == code


def slot(events: list[dict], name: str) -> object:
    return next((e["value"] for e in events if e.get("event") == "slot" and e["name"] == name), None)


async def test_i_live_in_london_read_as_a_search_sets_the_country(shop) -> None:  # noqa: F811
    trk = tracker("I live in London", intent="search_product", entities={"product": "london"})
    events, msgs = await run(ActionSearchProducts(), trk)
    assert slot(events, "home_country") == "GB", events
    assert "United Kingdom" in msgs[0]["text"] and "GBP" in msgs[0]["text"], msgs


async def test_send_it_to_lahore_in_urdu_not_understood_sets_the_country(shop) -> None:  # noqa: F811
    trk = tracker("لاہور بھیج دیں", intent="nlu_fallback", slots={"language": "ur"})
    events, msgs = await run(ActionFallback(), trk)
    assert slot(events, "home_country") == "PK", events
    assert "پاکستان" in msgs[0]["text"] and "PKR" in msgs[0]["text"], msgs


async def test_a_said_place_decides_what_can_reach_the_buyer(shop) -> None:  # noqa: F811
    trk = tracker("peshawari chappal", intent="search_product", entities={"product": "chappal"},
                  slots={"home_country": "IN"})
    _, msgs = await run(ActionSearchProducts(), trk)
    assert "cannot be sent to India" in msgs[0]["text"], msgs


def test_the_checkouts_country_beats_the_said_place_and_the_said_place_beats_the_number() -> None:
    said = tracker("hi", slots={"home_country": "GB"})
    said.latest_message["metadata"] = {"country": "PK"}
    assert buyer_country_code(said) == "GB"
    assert buyer_country_code(tracker("hi", slots={"home_country": "GB", "buyer_country": "India"})) == "IN"


async def test_a_place_inside_the_checkout_form_is_left_to_the_form(shop) -> None:  # noqa: F811
    trk = tracker("I live in London", intent="nlu_fallback", active_loop="checkout_form")
    events, _ = await run(ActionFallback(), trk)
    assert slot(events, "home_country") is None


async def test_a_place_read_as_out_of_scope_is_noted(shop) -> None:  # noqa: F811
    from actions.info import ActionOutOfScope

    trk = tracker("لاہور بھیج دیں", intent="out_of_scope", slots={"language": "ur"})
    events, msgs = await run(ActionOutOfScope(), trk)
    assert slot(events, "home_country") == "PK", events
    _, msgs = await run(ActionOutOfScope(), tracker("who built the taj mahal", intent="out_of_scope"))
    assert [m.get("response") for m in msgs] == ["utter_out_of_scope"], msgs


async def test_a_country_named_after_a_split_cart_lets_the_checkout_go_on(shop) -> None:  # noqa: F811
    """A UK buyer with a Kullu shawl and Peshawari chappals was told the two cannot go in one
    order; "UK" answering "Sending it abroad? Tell me the country" found nothing. It is where
    the parcel goes, and the checkout then starts."""
    from actions.cart import ActionInform
    from actions.checkout import ActionStartCheckout

    cart = {"cart": ["KS-101:1", "PC-101/9:1"]}
    stopped, msgs = await run(ActionStartCheckout(), tracker("/checkout", intent="checkout", slots=cart))
    assert "Tell me the country" in msgs[0]["text"], msgs
    turn = [{"event": "user", "text": "/checkout"},
            {"event": "action", "name": "action_start_checkout"}, *stopped,
            {"event": "bot", "text": msgs[0]["text"]}, {"event": "action", "name": "action_listen"},
            {"event": "user", "text": "UK"}]  # fmt: skip
    trk = tracker("UK", intent="inform", entities={"country": "United Kingdom"}, events=turn,
                  slots={**cart, "cart_ready": False})  # fmt: skip
    events, msgs = await run(ActionInform(), trk)
    assert slot(events, "home_country") == "GB", (events, msgs)
    assert [b["payload"] for b in msgs[0]["buttons"]] == ["/checkout"], msgs
    started, _ = await run(ActionStartCheckout(), tracker("/checkout", intent="checkout",
                                                         slots={**cart, "home_country": "GB"}))  # fmt: skip
    assert SlotSet("cart_ready", True) in started
