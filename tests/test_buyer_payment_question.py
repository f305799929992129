"""'How can I pay?' is answered from what is configured now, as the checkout will offer it (a
tester was promised UPI by the old fixed answer when only cash on delivery was offered)."""

from __future__ import annotations

from actions.info import ActionPaymentMethods
from actions.payment import methods_for
from actions.texts import t
from catalog.models import Jail
from tests.rasa_support import run, tracker


def _said(msgs: list[dict]) -> str:
    return "\n".join(m.get("text") or "" for m in msgs)


def _methods(shop, code: str, country: str | None) -> list[str]:  # type: ignore[no-untyped-def]
    with shop() as s:
        jail = s.query(Jail).filter(Jail.code == code).one()
        return methods_for(jail, "telegram", country)


async def test_with_a_cart_the_answer_is_the_checkouts_methods(shop) -> None:
    trk = tracker(
        "how can i pay", intent="payment_methods", slots={"cart": ["KS-101:1"], "language": "en"}
    )
    _, msgs = await run(ActionPaymentMethods(), trk)
    said = _said(msgs)
    assert said.startswith("Paying for your cart:"), said
    for method in _methods(shop, "KND", None):
        assert t(f"method_{method}", "en") in said
    assert "card link sent by our team" not in said


async def test_abroad_there_is_no_cash_on_delivery(shop) -> None:
    trk = tracker(
        "how can i pay",
        intent="payment_methods",
        slots={"cart": ["KS-101:1"], "language": "en", "buyer_country": "United Kingdom"},
    )
    _, msgs = await run(ActionPaymentMethods(), trk)
    assert t("method_cod", "en") not in _said(msgs)


async def test_without_a_cart_each_country_of_jails_is_named(shop) -> None:
    trk = tracker(
        "payment options kya hai", intent="payment_methods", slots={"language": "hi-Latn"}
    )
    _, msgs = await run(ActionPaymentMethods(), trk)
    said = _said(msgs)
    assert "India ki jailon se:" in said and "Pakistan ki jailon se:" in said, said


async def test_a_payment_gone_wrong_is_told_how_to_reach_the_team(shop) -> None:
    """'paid but no order shows' reads as the payment question: the answer ends with what to do."""
    for language, slots in (("en", {"cart": ["KS-101:1"]}), ("ur", {})):
        trk = tracker("paise kat gaye order nahi hua", intent="payment_methods", slots={**slots, "language": language})
        _, msgs = await run(ActionPaymentMethods(), trk)
        assert _said(msgs).endswith(t("payment_trouble", language)), _said(msgs)


async def test_asked_at_the_summary_the_summary_follows_again(shop) -> None:
    from rasa_sdk.events import FollowupAction

    summary = [{"event": "action", "name": "action_order_summary"},
               {"event": "bot", "text": "Please check your order: ..."},
               {"event": "action", "name": "action_listen"},
               {"event": "user", "text": "do u accept upi?"}]  # fmt: skip
    slots = {"cart": ["KS-101:1"], "language": "en"}
    trk = tracker("do u accept upi?", intent="payment_methods", slots=slots, events=summary)
    events, _ = await run(ActionPaymentMethods(), trk)
    assert events == [FollowupAction("action_order_summary")]
    elsewhere = [{"event": "action", "name": "action_view_cart"}, *summary[1:]]
    trk = tracker("do u accept upi?", intent="payment_methods", slots=slots, events=elsewhere)
    events, _ = await run(ActionPaymentMethods(), trk)
    assert events == []
