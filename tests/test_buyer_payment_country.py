"""Issue 12 (a new-user try-out of the buyer conversation): payment methods for the delivery country: no cash on delivery abroad, and the summary names what will be offered."""

from __future__ import annotations

from sqlalchemy import select

from actions.checkout import (
    ActionOrderSummary,
)
from actions.payment import (
    ActionChoosePayment,
    choose_payload,
)
from catalog import payment_methods
from catalog.db import transaction
from catalog.models import Jail
from catalog.refs import ref
from tests.buyer_support import (
    INDIA,
    PAKISTAN,
    UK,
    methods_in,
    place,
    psw_sku,
)
from tests.rasa_support import run, tracker


async def test_an_order_abroad_is_never_offered_cash_on_delivery(shop) -> None:
    with transaction(shop) as s:
        jail = s.scalars(select(Jail).where(Jail.code == "KND")).one()
        payment_methods.set_methods(s, jail, ["cod", "manual"], actor="test",
                                    manual_details="SBI Shimla A/c 30112233445, IFSC SBIN0001234")  # fmt: skip
    order_id, msgs = await place({**UK, "cart": ["KS-101:1"], "checkout_id": "uk1"})
    assert methods_in(msgs[1]) == ["manual"]
    _, msgs = await run(ActionChoosePayment(), tracker(
        choose_payload("cod", order_id), intent="choose_payment", sender="te-buyer1",
        entities={"method": "cod", "order_id": str(order_id)},
    ))  # fmt: skip
    assert msgs[0]["text"] == f"That way of paying is not available for order {ref(order_id)}."
    home_id, home = await place({**INDIA, "cart": ["KS-101:1"], "checkout_id": "in1"})
    assert methods_in(home[1]) == ["cod", "manual"]


async def test_an_order_abroad_with_no_method_left_is_arranged_by_staff(shop) -> None:
    order_id, msgs = await place({**UK, "cart": ["KS-101:1"], "checkout_id": "uk2"})
    assert msgs[1]["text"].startswith(f"Order {ref(order_id)}: our team will contact you")
    assert not msgs[1].get("buttons")


async def test_the_summary_names_the_methods_that_will_be_offered(shop) -> None:
    sku = psw_sku(shop)
    _, msgs = await run(ActionOrderSummary(), tracker("", slots={**PAKISTAN, "cart": [f"{sku}:1"]}))
    assert "Payment: Cash on delivery / Bank or wallet transfer." in msgs[0]["text"]
    assert "card" not in msgs[0]["text"]
    _, msgs = await run(ActionOrderSummary(), tracker("", slots={**UK, "cart": ["KS-101:1"]}))
    assert "Payment: our team will contact you about paying." in msgs[0]["text"]
    _, msgs = await run(ActionOrderSummary(), tracker("", slots={**INDIA, "cart": ["KS-101:1"]}))
    assert "Payment: Cash on delivery." in msgs[0]["text"]
