"""Issue 12 (a new-user try-out of the buyer conversation): manual transfer details and the references buyers send (UPI UTRs, JazzCash/Easypaisa TIDs, Urdu digits)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from actions.payment import (
    ActionChoosePayment,
    ActionRecordUtr,
    choose_payload,
    reference_of,
)
from catalog import payment_methods
from catalog.db import transaction
from catalog.models import Jail, Payment
from tests.buyer_support import (
    PAKISTAN,
    methods_in,
    place,
    psw_sku,
)
from tests.rasa_support import run, tracker


async def test_peshawar_transfer_shows_real_details_and_takes_an_urdu_tid(shop) -> None:
    sku = psw_sku(shop)
    order_id, msgs = await place({**PAKISTAN, "cart": [f"{sku}:1"], "checkout_id": "pk1"})
    assert methods_in(msgs[1]) == ["cod", "manual"]
    _, msgs = await run(ActionChoosePayment(), tracker(
        choose_payload("manual", order_id), intent="choose_payment", sender="te-buyer1",
        entities={"method": "manual", "order_id": str(order_id)}, slots={"language": "ur"},
    ))  # fmt: skip
    text = msgs[0]["text"]
    assert "IBAN PK00 KHYB" in text and "details from the jail" not in text
    assert "(TID)" in text and "UTR" not in text
    trk = tracker("ادائیگی کر دی، ٹی آئی ڈی ۳۱۲۴۵۶۷۸۹۰۱", intent="payment_reference",
                  sender="te-buyer1", slots={"language": "ur"})  # fmt: skip
    _, msgs = await run(ActionRecordUtr(), trk)
    assert msgs[0]["text"].startswith("شکریہ! ٹرانزیکشن آئی ڈی 31245678901")
    with shop() as s:
        payment = s.scalars(select(Payment).where(Payment.order_id == order_id)).one()
    assert (payment.external_id, payment.method, payment.status) == (
        "31245678901",
        "manual",
        "claimed",
    )


@pytest.mark.parametrize(
    ("text", "method", "found"),
    [
        ("TID 31245678901", "manual", "31245678901"),
        ("jazzcash tid: 0312-4567-8901", "manual", "031245678901"),
        ("easypaisa transaction id AB12C3456789", "manual", "AB12C3456789"),
        ("ٹی آئی ڈی ۳۱۲۴۵۶۷۸۹۰۱", "manual", "31245678901"),
        ("UTR ४०१२३४५६७८९०", "upi_qr", "401234567890"),
        ("paid, UTR 4012 3456 7890", "upi_qr", "401234567890"),
        ("TID 31245678901", "upi_qr", None),  # a UPI payment has a 12-digit UTR
        ("paid KG-0042", "manual", None),
    ],
)
def test_references_each_method_makes_sense_for(text: str, method: str, found: str | None) -> None:
    assert reference_of(tracker(text, intent="payment_reference"), method) == found


async def test_a_jail_without_transfer_details_is_not_offered_manual(shop) -> None:
    with transaction(shop) as s:
        jail = s.scalars(select(Jail).where(Jail.code == "PSW")).one()
        jail.manual_details = (
            "JazzCash or Easypaisa to the account (details from the jail's office)"
        )
        assert payment_methods.offered(jail, channel="telegram", gateway=False,
                                       telegram_invoices=False) == ["cod"]  # fmt: skip
        assert payment_methods.apply_defaults(s, gateway=False) == 1  # an older seed's text
        assert "IBAN" in (jail.manual_details or "")
        assert "manual" in payment_methods.offered(jail, channel="telegram", gateway=False,
                                                   telegram_invoices=False)  # fmt: skip
