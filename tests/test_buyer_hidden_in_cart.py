"""F37: a product hidden by staff while in a buyer's cart: the cart marks it "(not on sale
now)" with its remove button first; checkout's refusal is in the buyer's language and offers
to remove it."""

from __future__ import annotations

from actions.cart import ActionViewCart
from actions.checkout import ActionStartCheckout
from catalog import products
from catalog.db import transaction
from tests.rasa_support import run, tracker


def hide(shop, sku: str) -> None:
    with transaction(shop) as s:
        products.set_active(s, sku, False, actor="staff:test")


async def test_cart_marks_a_hidden_product(shop) -> None:
    hide(shop, "KS-101")
    slots = {"cart": ["KS-101:2", "KS-102:1"], "language": "hi-Latn"}
    _, msgs = await run(ActionViewCart(), tracker("cart", intent="view_cart", slots=slots))
    rows = msgs[0]["text"].splitlines()
    assert rows[1].startswith("2 x Kullu Shawl (Wool, KS-101)")
    assert rows[1].endswith("(abhi bikri mein nahi)")
    assert "bikri" not in rows[2]
    assert [b["title"] for b in msgs[0]["buttons"]][:2] == ["KS-101 hatao", "Order karo"]


async def test_checkout_refusal_in_the_buyers_language_with_remove(shop) -> None:
    hide(shop, "KS-101")
    expected = {
        "hi-Latn": "Kullu Shawl (Wool) abhi bikri mein nahi hai; aage badhne ke liye use cart se hataiye.",
        "en": "Kullu Shawl (Wool) is not on sale now; remove it from your cart to go on.",
    }
    for language, text in expected.items():
        slots = {"cart": ["KS-101:2"], "language": language}
        events, msgs = await run(
            ActionStartCheckout(), tracker("order karna hai", intent="checkout", slots=slots)
        )
        assert msgs[0]["text"] == text
        assert [b["payload"] for b in msgs[0]["buttons"]][0].startswith("/remove_from_cart")
        assert {"event": "slot", "name": "cart_ready", "value": False} in [
            {k: e.get(k) for k in ("event", "name", "value")} for e in events
        ]
    for language in ("hi", "ur"):
        slots = {"cart": ["KS-101:2"], "language": language}
        _, msgs = await run(ActionStartCheckout(), tracker("x", intent="checkout", slots=slots))
        assert "not on sale" not in msgs[0]["text"] and "KS-101" in msgs[0]["buttons"][0]["payload"]
