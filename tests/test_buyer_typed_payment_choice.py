"""Answering "how will you pay for KG-xxxx?" in words (tester findings F4, F12).

F4: a WhatsApp buyer typed `upi` to "Order KG-0002 ke ₹4,880 kaise denge? 2. UPI ya card link
3. Cash on delivery" and got every jail's methods; the choice was lost ("2" then added to the
cart, "payment karna hai" found the cart empty). A word naming one offered option picks it as
the button would, whichever action the NLU sends it to; "payment karna hai" / "pay now" right
after placing offers that order's choice again.
F12: a Telegram buyer asked "can I pay in pounds with my UK card?" right after the offer and got
the methods of all 16 Indian jails: now that order's methods again, with its buttons, and a word
on currency (charged in rupees, the pounds beside it)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from actions import db
from actions.cart import ActionInform
from actions.checkout import ActionPlaceOrder, ActionStartCheckout
from actions.info import ActionFallback, ActionPaymentMethods
from actions.payment import ActionChoosePayment, ActionRecordUtr, choose_payload, use_settings
from actions.texts import t
from bot.ops.settings import load
from catalog import payment_methods
from catalog.db import transaction
from catalog.models import Jail, Payment
from catalog.refs import parse_ref, ref
from tests.buyer_support import INDIA
from tests.rasa_support import run, tracker

WA, TG = "wh-919876543210", "te-5550001"


@pytest.fixture
def shop(seeded: sessionmaker[Session], tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    """Kanda takes the payment link, cash on delivery and a bank transfer; a gateway and a
    Telegram provider token are configured (the tester's offer)."""
    with transaction(seeded) as s:
        jail = s.scalars(select(Jail).where(Jail.code == "KND")).one()
        payment_methods.set_methods(
            s, jail, ["payment_link", "telegram_invoice", "cod", "manual"], actor="test",
            manual_details="SBI Shimla A/c 1234, IFSC SBIN0000001",
        )  # fmt: skip
    db.use(seeded)
    use_settings(
        load(
            RAZORPAY_KEY_ID="rzp_test", RAZORPAY_KEY_SECRET="s3cret",
            TELEGRAM_PAYMENT_PROVIDER_TOKEN="284685063:TEST:abc", KAARIGAR_MEDIA_DIR=str(tmp_path),
        )
    )  # fmt: skip
    yield seeded
    db.use(None)
    use_settings(None)


async def placed(sender: str = WA, language: str = "hi-Latn") -> tuple[int, list[dict]]:
    slots = {**INDIA, "cart": ["KS-101:1"], "checkout_id": sender, "language": language}
    _, msgs = await run(
        ActionPlaceOrder(), tracker("pakka", intent="affirm", slots=slots, sender=sender)
    )
    offers = [m for m in msgs if "choose_payment" in str(m.get("buttons"))]
    assert len(offers) == 1, msgs
    number = parse_ref(offers[0]["text"].split("KG-")[1][:4])
    assert number is not None
    return number, msgs


def after(msgs: list[dict]) -> list[dict[str, Any]]:
    """The events of the placing turn: the user's "pakka", then what the bot said."""
    bots = [
        {"event": "bot", "text": m.get("text"), "data": {"buttons": m.get("buttons") or []}}
        for m in msgs
    ]
    return [{"event": "user", "text": "pakka"}, *bots]


def answer(
    text: str, intent: str, msgs: list[dict], sender: str = WA, language: str = "hi-Latn", **kw: Any
):  # type: ignore[no-untyped-def]
    events = [*after(msgs), {"event": "user", "text": text}] if msgs else []
    return tracker(text, intent=intent, sender=sender, slots={"language": language, "cart": None},
                   events=events, **kw)  # fmt: skip


def methods_started(sessions: sessionmaker[Session], order_id: int) -> list[str]:
    with sessions() as s:
        return [p.method for p in s.scalars(select(Payment).where(Payment.order_id == order_id))]


ACTIONS = {  # whichever action the NLU's reading of the word leads to
    "payment_methods": ActionPaymentMethods,
    "nlu_fallback": ActionFallback,
    "choose_payment": ActionChoosePayment,
    "payment_reference": ActionRecordUtr,
    "checkout": ActionStartCheckout,
    "inform": ActionInform,  # the model of 11:26 reads "online", "bank", "نقد" so
}


WORDS = [
    ("upi", "payment_link"), ("UPI", "payment_link"), ("card", "payment_link"),
    ("link", "payment_link"), ("online", "payment_link"), ("upi se dunga", "payment_link"),
    ("यूपीआई", "payment_link"), ("کارڈ", "payment_link"),
    ("cod", "cod"), ("cash", "cod"), ("cash on delivery", "cod"), ("कैश", "cod"),
    ("نقد", "cod"), ("नकद दूंगा", "cod"),
    ("transfer", "manual"), ("bank", "manual"), ("بینک ٹرانسفر", "manual"),
]  # fmt: skip
CASES = [(said, method, "payment_methods") for said, method in WORDS] + [
    (said, method, intent)
    for intent in ACTIONS
    if intent != "payment_methods"
    for said, method in (("upi", "payment_link"), ("cash on delivery", "cod"), ("بینک", "manual"))
] + [  # as the model of 11:26 reads them
    ("online", "payment_link", "inform"), ("bank", "manual", "inform"), ("نقد", "cod", "inform"),
    ("transfer", "manual", "nlu_fallback"),
]  # fmt: skip


@pytest.mark.parametrize(("said", "method", "intent"), CASES)
async def test_a_typed_word_naming_an_option_picks_it(shop, said, method, intent) -> None:  # type: ignore[no-untyped-def]
    number, msgs = await placed()
    _, replies = await run(ACTIONS[intent](), answer(said, intent, msgs))
    assert methods_started(shop, number) == [method], replies
    assert "jailon se" not in str(replies)
    assert f"KG-{number:04d}" in replies[0]["text"]


async def test_the_tester_upi_gets_the_link_not_every_jail(shop) -> None:
    number, msgs = await placed()
    _, replies = await run(ActionPaymentMethods(), answer("upi", "payment_methods", msgs))
    due = msgs[-1]["text"].split("ke ")[1].split(" kaise")[0]
    assert [m["text"] for m in replies] == [
        t("pay_link_follows", "hi-Latn", id=ref(number), amount=due)
    ]


async def test_a_number_picks_the_numbered_option(shop) -> None:
    number, msgs = await placed()
    buttons = [b["payload"] for m in msgs for b in m.get("buttons") or []]
    n = buttons.index(choose_payload("cod", number)) + 1  # numbered across the whole answer
    _, replies = await run(
        ActionInform(), answer(str(n), "inform", msgs, entities={"quantity": str(n)})
    )
    assert methods_started(shop, number) == ["cod"], replies


@pytest.mark.parametrize(
    ("action", "said", "intent"),
    [
        (ActionStartCheckout, "payment karna hai", "checkout"),  # was: "Aapki cart khaali hai"
        (ActionFallback, "pay now", "nlu_fallback"),
        (ActionStartCheckout, "पेमेंट करना है", "checkout"),
        (ActionFallback, "ادائیگی کرنی ہے", "nlu_fallback"),
    ],
)
async def test_asking_to_pay_right_after_placing_offers_the_choice_again(
    shop, action, said, intent
) -> None:  # type: ignore[no-untyped-def]
    number, msgs = await placed()
    for turn in (msgs, []):  # straight after the offer, and after a detour (a lost choice)
        _, replies = await run(action(), answer(said, intent, turn))
        assert len(replies) == 1, replies
        assert [b["payload"] for b in replies[0]["buttons"]] == [
            choose_payload(m, number) for m in ("payment_link", "cod", "manual")
        ]
    assert methods_started(shop, number) == []


async def test_once_chosen_nothing_is_offered_again(shop) -> None:
    number, msgs = await placed()
    await run(ActionPaymentMethods(), answer("cash", "payment_methods", msgs))
    _, replies = await run(ActionStartCheckout(), answer("payment karna hai", "checkout", []))
    assert replies[0]["text"] != t("pay_how", "hi-Latn", id=ref(number), amount="x")
    assert not replies[0].get("buttons") or "choose_payment" not in str(replies[0]["buttons"])


async def test_a_question_is_not_a_choice(shop) -> None:
    number, msgs = await placed()
    _, replies = await run(ActionPaymentMethods(), answer("upi chalega?", "payment_methods", msgs))
    assert methods_started(shop, number) == []
    assert (
        "choose_payment" in str(replies[-1]["buttons"])
        and f"KG-{number:04d}" in replies[-1]["text"]
    )


async def test_a_word_for_two_options_asks_again(shop) -> None:
    number, msgs = await placed(TG, "en")  # Telegram: the link and the card on Telegram
    _, replies = await run(ActionFallback(), answer("card", "nlu_fallback", msgs, TG, "en"))
    assert methods_started(shop, number) == []
    assert "telegram_invoice" in str(replies[-1]["buttons"]) and "payment_link" in str(
        replies[-1]["buttons"]
    )


async def test_pounds_with_a_uk_card_gets_this_orders_methods_and_the_currency(shop) -> None:
    number, msgs = await placed(TG, "en")
    offer = msgs[-1]
    said = "can I pay in pounds with my UK card?"
    _, replies = await run(ActionPaymentMethods(), answer(said, "payment_methods", msgs, TG, "en"))
    text = "\n".join(m.get("text") or "" for m in replies)
    assert "From our jails in" not in text, text
    assert replies[-1]["text"] == offer["text"] and replies[-1]["buttons"] == offer["buttons"]
    due = offer["text"].split("pay ")[1].split(" for")[0]
    assert f"charged in its own currency: {due} (about £" in replies[0]["text"], replies[0]
    assert methods_started(shop, number) == []


async def test_the_currency_entity_and_a_detour_still_find_the_order(shop) -> None:
    number, _ = await placed(TG, "ur")
    trk = answer(
        "پاؤنڈ میں دے سکتا ہوں؟", "payment_methods", [], TG, "ur", entities={"currency": "GBP"}
    )
    _, replies = await run(ActionPaymentMethods(), trk)
    assert "(تقریباً £" in replies[0]["text"] and ref(number) in replies[0]["text"]
    assert "choose_payment" in str(replies[-1]["buttons"])


async def test_without_an_open_choice_the_answer_is_as_before(shop) -> None:
    trk = answer("upi", "payment_methods", [], "wh-447700900123")
    _, replies = await run(ActionPaymentMethods(), trk)
    assert "India ki jailon se:" in replies[0]["text"]
