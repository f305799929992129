"""One checkout, two jails, two orders (notes/tester_findings.md B4): choosing how to pay the
first must leave a way to choose for the second. On a numbered channel the first reply's "3"
(the second order's cash on delivery) no longer works once "2" was chosen, so the second
order's choice is asked again, with its own buttons, right after the first is made."""

from __future__ import annotations

import pytest

from actions.checkout import ActionPlaceOrder, ActionStartCheckout
from actions.info import ActionFallback
from actions.payment import ActionChoosePayment, choose_payload
from actions.texts import t
from tests.buyer_support import INDIA, place
from tests.rasa_support import run, tracker

BUYER = "wh-two-jails"


def choose(method: str, order_id: int, language: str = "hi-Latn"):  # type: ignore[no-untyped-def]
    return tracker(
        choose_payload(method, order_id), intent="choose_payment", sender=BUYER,
        entities={"method": method, "order_id": str(order_id)}, slots={"language": language},
    )  # fmt: skip


async def placed_two() -> tuple[int, int]:
    slots = {**INDIA, "cart": ["KS-101:1", "EP-101:1"], "checkout_id": "two-jails"}
    trk = tracker("haan", intent="affirm", slots=slots, sender=BUYER)
    _, msgs = await run(ActionPlaceOrder(), trk)
    offers = [m for m in msgs if "choose_payment" in str(m.get("buttons"))]
    assert len(offers) == 2, msgs
    first, second = (
        int(o["buttons"][0]["payload"].split('"order_id":"')[1].split('"')[0]) for o in offers
    )
    return first, second


async def test_the_second_orders_choice_is_asked_again_after_the_first(shop) -> None:
    first, second = await placed_two()
    _, msgs = await run(ActionChoosePayment(), choose("cod", first))
    assert msgs[0]["text"].startswith(f"Order KG-{first:04d}:")
    assert len(msgs) == 2, msgs
    again = msgs[1]
    assert f"KG-{second:04d}" in again["text"]
    assert [b["payload"] for b in again["buttons"]] == [choose_payload("cod", second)]
    _, msgs = await run(ActionChoosePayment(), choose("cod", second))  # that button works
    assert [m["text"] for m in msgs] == [
        t("pay_cod", "hi-Latn", id=f"KG-{second:04d}", amount="₹260")
    ]  # and nothing is asked any more: both chosen


async def test_choosing_the_second_first_asks_the_first(shop) -> None:
    first, second = await placed_two()
    _, msgs = await run(ActionChoosePayment(), choose("cod", second))
    assert len(msgs) == 2 and f"KG-{first:04d}" in msgs[1]["text"]


async def test_a_single_order_asks_nothing_more(shop) -> None:
    slots = {**INDIA, "cart": ["KS-101:1"], "checkout_id": "one-jail"}
    number, _ = await place(slots, sender=BUYER)
    _, msgs = await run(ActionChoosePayment(), choose("cod", number))
    assert len(msgs) == 1


def typed(text: str, intent: str, cart: list[str] | None = None):  # type: ignore[no-untyped-def]
    return tracker(text, intent=intent, sender=BUYER, slots={"language": "hi-Latn", "cart": cart})


@pytest.mark.parametrize(
    ("action", "said", "intent"),
    [
        (ActionStartCheckout, "KG-{n:04d} ka payment karna hai", "checkout"),  # was: cart empty
        (ActionFallback, "pay for KG-{n:04d}", "nlu_fallback"),
        (ActionFallback, "KG-{n:04d} کی ادائیگی", "nlu_fallback"),
    ],
)
async def test_asking_to_pay_a_named_order_offers_its_choice(shop, action, said, intent) -> None:  # type: ignore[no-untyped-def]
    first, second = await placed_two()
    await run(ActionChoosePayment(), choose("cod", first))  # the first chosen; KG-0002 waits
    _, msgs = await run(action(), typed(said.format(n=second), intent))
    assert len(msgs) == 1, msgs
    assert [b["payload"] for b in msgs[0]["buttons"]] == [choose_payload("cod", second)]


async def test_a_named_order_not_the_buyers_or_paid_is_said_so(shop) -> None:
    first, _ = await placed_two()
    _, msgs = await run(ActionStartCheckout(), typed("KG-9999 ka payment karna hai", "checkout"))
    assert msgs[0]["text"] == t("no_such_order", "hi-Latn", id="KG-9999")
    _, msgs = await run(ActionFallback(), typed("show me shawls", "nlu_fallback"))
    assert msgs[0]["text"] == t("fallback", "hi-Latn")  # no order named: as before
