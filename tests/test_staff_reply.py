"""/reply: staff answer a buyer who asked for a person, through the outbox on the buyer's
channel; the handoff notice says how; staff are told when a buyer cancels an order."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.core.notifier import Delivery, OutboxWorker
from bot.core.state import MemoryStore
from catalog import customers, orders, outbox
from catalog.db import transaction
from catalog.models import AuditEntry, Customer, Notification, Order, Staff
from catalog.refs import ref
from tests.staff_support import ADMIN_TG, BUYER_WA, KND_TG, NHN_TG, StaffEnv, buyer_order

SECRET = "s" * 32


def buyer_asks(
    sessions: sessionmaker[Session], channel: str, user: str, language: str = "en"
) -> int:
    """A buyer on ``channel`` asks for a person, as ActionHumanHandoff does; returns their id."""
    with transaction(sessions) as s:
        buyer = customers.ensure(s, channel, user, SECRET)
        buyer.language = language
        outbox.handoff(s, buyer, "i want to talk to customer care")
        s.flush()
        return buyer.id


def notes(sessions: sessionmaker[Session], kind: str) -> list[Notification]:
    with sessions() as s:
        return list(s.scalars(select(Notification).where(Notification.kind == kind)))


async def deliver(sessions: sessionmaker[Session]) -> list[Delivery]:
    """Run the outbox once with a fake sender per channel; what was sent."""
    sent: list[Delivery] = []

    async def send(d: Delivery) -> bool:
        sent.append(d)
        return True

    await OutboxWorker(sessions, MemoryStore(), {"telegram": send, "whatsapp": send}).run_once()
    return sent


async def test_handoff_notice_says_how_to_answer(staff_env: StaffEnv) -> None:
    bid = buyer_asks(staff_env.sessions, "telegram", "777")
    (note,) = notes(staff_env.sessions, "handoff")  # the admin only, as before
    assert note.text == (
        f"Buyer #{bid} asks for a person: i want to talk to customer care "
        f"Answer with /reply #{bid} your message"
    )


async def test_admin_reply_reaches_a_whatsapp_buyer_through_the_outbox(staff_env: StaffEnv) -> None:
    bid = buyer_asks(staff_env.sessions, "whatsapp", BUYER_WA, language="hi-Latn")
    assert await staff_env.say(f"/reply #{bid} Haan, bulk order ho sakta hai", ADMIN_TG) == (
        f"Sent to buyer #{bid}."
    )
    (note,) = notes(staff_env.sessions, "staff_reply")
    assert note.customer_id == bid and note.staff_id is None
    assert note.text == "Kaarigar team: Haan, bulk order ho sakta hai"
    sent = [d for d in await deliver(staff_env.sessions) if d.text.startswith("Kaarigar team")]
    assert [(d.channel, d.user_id) for d in sent] == [("whatsapp", BUYER_WA)]
    with staff_env.sessions() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "staff_reply")).one()
    assert (entry.entity, entry.entity_id, entry.channel) == ("customer", str(bid), "telegram")
    assert entry.after == {"text": "Haan, bulk order ho sakta hai"}


async def test_reply_in_the_buyers_language_on_telegram(staff_env: StaffEnv) -> None:
    bid = buyer_asks(staff_env.sessions, "telegram", "778", language="ur")
    assert await staff_env.say(f"/reply {bid} جی ہاں", ADMIN_TG) == f"Sent to buyer #{bid}."
    (note,) = notes(staff_env.sessions, "staff_reply")
    assert note.text == "کاریگر ٹیم: جی ہاں"
    sent = [d for d in await deliver(staff_env.sessions) if d.text == note.text]
    assert [(d.channel, d.user_id) for d in sent] == [("telegram", "778")]


async def test_reply_errors_say_how(staff_env: StaffEnv) -> None:
    bid = buyer_asks(staff_env.sessions, "telegram", "779")
    assert await staff_env.say("/reply", ADMIN_TG) == (
        "Usage: /reply #8 your message (the buyer's number from their message)"
    )
    assert await staff_env.say(f"/reply #{bid}", ADMIN_TG) == f"Usage: /reply #{bid} your message"
    assert await staff_env.say("/reply hello there", ADMIN_TG) == (
        "Usage: /reply #8 your message (the buyer's number from their message)"
    )
    assert await staff_env.say("/reply #99999 hello", ADMIN_TG) == "No buyer #99999."
    with transaction(staff_env.sessions) as s:  # a counter sale's walk-in buyer has no chat
        walk_in = customers.by_sender(s, "offline-sales", channel="offline")
        s.flush()
        walk_in_id = walk_in.id
    assert await staff_env.say(f"/reply #{walk_in_id} hello", ADMIN_TG) == (
        f"Buyer #{walk_in_id} has no Telegram or WhatsApp chat; nothing sent."
    )
    assert notes(staff_env.sessions, "staff_reply") == []


async def test_staff_may_answer_only_buyers_whose_handoff_they_got(staff_env: StaffEnv) -> None:
    sessions = staff_env.sessions
    bid = buyer_asks(sessions, "telegram", "780")  # with an admin, only the admin is told
    assert await staff_env.say(f"/reply #{bid} hello", KND_TG) == (
        f"Buyer #{bid} did not ask your team; nothing sent."
    )
    assert notes(sessions, "staff_reply") == []
    with transaction(sessions) as s:  # no admin: every staff member is told, and may answer
        for admin in s.scalars(select(Staff).where(Staff.role == "admin")):
            s.delete(admin)
    other = buyer_asks(sessions, "telegram", "781")
    assert await staff_env.say(f"/reply #{other} hello", NHN_TG) == f"Sent to buyer #{other}."
    assert await staff_env.say(f"/reply #{bid} hello", NHN_TG) == (
        f"Buyer #{bid} did not ask your team; nothing sent."
    )


async def test_reply_listed_in_help(staff_env: StaffEnv) -> None:
    assert "/reply" in (await staff_env.say("/help") or "")


async def test_staff_told_when_a_buyer_cancels(staff_env: StaffEnv) -> None:
    sessions = staff_env.sessions
    oid = buyer_order(sessions, "KS-101")
    with transaction(sessions) as s:
        order = s.get(Order, oid)
        assert order is not None
        orders.cancel(
            s, order, reason=outbox.BUYER_CANCEL_REASON,
            actor=f"customer:{order.customer_id}", channel="chat",
        )  # fmt: skip
        jail_id = order.jail_id
        told = set(s.scalars(select(Staff.id).where(Staff.jail_id == jail_id)))
    cancelled = notes(sessions, "buyer_cancelled")
    assert {n.staff_id for n in cancelled} == told and told
    assert {n.text for n in cancelled} == {f"Buyer cancelled order {ref(oid)}."}
    assert notes(sessions, "cancelled") == []  # the buyer saw it in the chat


async def test_buyer_cancel_with_own_reason_names_it(staff_env: StaffEnv) -> None:
    sessions = staff_env.sessions
    oid = buyer_order(sessions, "KS-101")
    with transaction(sessions) as s:
        order = s.get(Order, oid)
        assert order is not None
        orders.cancel(s, order, reason="ordered twice", actor=f"customer:{order.customer_id}")
    assert {n.text for n in notes(sessions, "buyer_cancelled")} == {
        f"Buyer cancelled order {ref(oid)} (ordered twice)."
    }


async def test_staff_cancel_does_not_tell_staff(staff_env: StaffEnv) -> None:
    oid = buyer_order(staff_env.sessions, "KS-101")
    await staff_env.say(f"/cancel {ref(oid)} out of wool")
    assert notes(staff_env.sessions, "buyer_cancelled") == []
    with staff_env.sessions() as s:
        assert s.scalar(select(Customer.id)) is not None
