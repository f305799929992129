"""The outbox sender: one row at a time, its transaction (and on PostgreSQL its row lock) open
while it is sent, marked sent or failed in that transaction."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.core.conversation import Conversation
from bot.core.notifier import Delivery, OutboxWorker
from bot.core.rasa_client import RasaClient
from bot.core.state import MemoryStore
from bot.handlers.whatsapp import in_session, to_inbound
from catalog import customers, outbox
from catalog.db import transaction
from catalog.models import Customer, Notification, utcnow
from tests.fixtures_channels import FakeRasa


def add_notes(sessions: sessionmaker[Session], n: int) -> list[int]:
    with transaction(sessions) as session:
        buyer = Customer(sender_id="s-1", channel="telegram", channel_user_id="42")
        session.add(buyer)
        session.flush()
        for i in range(n):
            outbox.to_customer(session, buyer, "test", f"note {i}")
        session.flush()
        return list(session.scalars(select(Notification.id).order_by(Notification.id)))


def rows(sessions: sessionmaker[Session]) -> dict[int, tuple[bool, int]]:
    with sessions() as session:
        return {
            n.id: (n.sent_at is not None, n.attempts)
            for n in session.scalars(select(Notification))
        }


async def test_sent_and_failed_rows_are_marked(sessions: sessionmaker[Session]) -> None:
    ids = add_notes(sessions, 3)
    got: list[str] = []

    async def send(d: Delivery) -> bool:
        got.append(d.text)
        if d.text == "note 1":
            raise RuntimeError("telegram said no")
        return True

    worker = OutboxWorker(sessions, MemoryStore(), {"telegram": send})
    assert await worker.run_once() == 2
    assert got == ["note 0", "note 1", "note 2"]
    assert rows(sessions) == {ids[0]: (True, 0), ids[1]: (False, 1), ids[2]: (True, 0)}
    # The failed one is tried again on the next round, and only it.
    got.clear()
    assert await worker.run_once() == 0
    assert got == ["note 1"]
    assert rows(sessions)[ids[1]] == (False, 2)


async def test_gives_up_after_max_attempts(sessions: sessionmaker[Session]) -> None:
    (note_id,) = add_notes(sessions, 1)

    async def refuse(d: Delivery) -> bool:
        return False

    worker = OutboxWorker(sessions, MemoryStore(), {"telegram": refuse})
    for _ in range(outbox.MAX_ATTEMPTS + 2):
        await worker.run_once()
    assert rows(sessions) == {note_id: (False, outbox.MAX_ATTEMPTS)}


async def test_no_sender_for_the_channel_leaves_the_row(sessions: sessionmaker[Session]) -> None:
    (note_id,) = add_notes(sessions, 1)
    worker = OutboxWorker(sessions, MemoryStore(), {"whatsapp": lambda d: None})  # type: ignore[dict-item]
    assert await worker.run_once() == 0
    assert rows(sessions) == {note_id: (False, 0)}


async def test_one_store_keeps_two_workers_apart(sessions: sessionmaker[Session]) -> None:
    """SQLite has no row locks: processes sharing Redis are kept apart by the store's claim."""
    ids = add_notes(sessions, 6)
    store = MemoryStore()
    sent: list[int] = []

    async def send(d: Delivery) -> bool:
        sent.append(d.id)
        await asyncio.sleep(0)  # let the other worker run between claim and mark
        return True

    a = OutboxWorker(sessions, store, {"telegram": send})
    b = OutboxWorker(sessions, store, {"telegram": send})
    await asyncio.gather(a.run_once(), b.run_once())
    await a.run_once()
    assert sorted(sent) == ids
    assert all(done for done, _ in rows(sessions).values())


@pytest.mark.postgres
async def test_two_workers_on_postgres_never_send_a_row_twice(pg_engine) -> None:  # type: ignore[no-untyped-def]
    """No shared store: only the row lock held during the send keeps them apart. Worker A
    holds the first row in its send until worker B has finished a whole round; B must have
    skipped that row and sent all the others, and A then finds nothing left to send."""
    from catalog.db import make_sessionmaker
    from tests.conftest import _truncate

    _truncate(pg_engine)
    sessions = make_sessionmaker(pg_engine)
    ids = add_notes(sessions, 5)
    by_a: list[int] = []
    by_b: list[int] = []
    a_holds_first = asyncio.Event()
    b_done = asyncio.Event()

    async def send_a(d: Delivery) -> bool:
        by_a.append(d.id)
        if d.id == ids[0]:
            a_holds_first.set()
            await b_done.wait()
        return True

    async def send_b(d: Delivery) -> bool:
        by_b.append(d.id)
        return True

    a = OutboxWorker(sessions, MemoryStore(), {"telegram": send_a})
    b = OutboxWorker(sessions, MemoryStore(), {"telegram": send_b})

    async def run_b() -> int:
        await a_holds_first.wait()
        try:
            return await b.run_once()
        finally:
            b_done.set()

    sent_a, sent_b = await asyncio.wait_for(asyncio.gather(a.run_once(), run_b()), 60)
    assert by_a == [ids[0]]
    assert by_b == ids[1:]
    assert (sent_a, sent_b) == (1, len(ids) - 1)
    assert rows(sessions) == {i: (True, 0) for i in ids}


async def test_a_worker_cancelled_mid_send_frees_its_row(sessions: sessionmaker[Session]) -> None:
    """Shutdown cancels the sender while it sends: its transaction must end (on PostgreSQL the
    row lock with it), so the next process sends the row instead of skipping it forever."""
    (note_id,) = add_notes(sessions, 1)
    sending = asyncio.Event()

    async def hang(d: Delivery) -> bool:
        sending.set()
        await asyncio.Event().wait()  # never answers
        return True

    async def send(d: Delivery) -> bool:
        return True

    stuck = asyncio.create_task(OutboxWorker(sessions, MemoryStore(), {"telegram": hang}).run_once())
    await asyncio.wait_for(sending.wait(), 30)
    stuck.cancel()
    with pytest.raises(asyncio.CancelledError):
        await stuck
    assert await OutboxWorker(sessions, MemoryStore(), {"telegram": send}).run_once() == 1
    assert rows(sessions) == {note_id: (True, 0)}


async def test_given_up_notices_go_out_when_the_recipient_writes_again(
    sessions: sessionmaker[Session], fake_rasa: FakeRasa
) -> None:
    """A WhatsApp notice outside the 24-hour window fails (no template); once its recipient
    writes, the window is open and the notice is tried again and sent."""
    inbound = to_inbound({"From": "whatsapp:+919812345678", "Body": "hi", "MessageSid": "SMr"})
    with transaction(sessions) as session:
        buyer = customers.ensure(session, inbound.channel, inbound.user_id, "test-secret")
        outbox.to_customer(session, buyer, "shipped", "Order KG-0002 shipped.")
    sent: list[str] = []

    async def window(d: Delivery) -> bool:  # as the WhatsApp sender: only inside the window
        if not in_session(d.last_inbound_at):
            return False
        sent.append(d.text)
        return True

    with transaction(sessions) as session:
        session.execute(update(Customer).values(last_inbound_at=utcnow() - timedelta(days=2)))
    worker = OutboxWorker(sessions, MemoryStore(), {"whatsapp": window})
    for _ in range(outbox.MAX_ATTEMPTS + 1):
        await worker.run_once()
    assert sent == []
    async with httpx.AsyncClient() as http:
        conv = Conversation(RasaClient(http, fake_rasa.url), MemoryStore(), "test-secret",
                            sessions=sessions)  # fmt: skip
        await conv.handle(inbound)
    assert await worker.run_once() == 1
    assert sent == ["Order KG-0002 shipped."]


def test_a_jail_without_staff_notifies_the_admins(seeded: sessionmaker[Session]) -> None:
    from catalog import orders, staff
    from catalog.orders import CartLine
    from catalog.orders import Delivery as Address

    with transaction(seeded) as session:
        admin = staff.add(session, "telegram", "900", role="admin", jail_code=None)
        staff.add(session, "telegram", "901", role="staff", jail_code="KND")
    home = Address("Asha", "+919812345678", "12 Mall Road, Shimla", "171001")
    orders.place_once(seeded, "tg-e", [CartLine("EJ-101", 1)], home, idempotency_key="e")
    with seeded() as session:
        notes = session.scalars(select(Notification).where(Notification.kind == "new_order")).all()
        assert [n.staff_id for n in notes] == [admin.id]  # Etah (EJ-101) has no staff


def test_start_up_warns_of_whatsapp_staff_without_a_template(
    seeded: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.ops.runner import whatsapp_staff_warning
    from bot.ops.settings import load
    from catalog import staff

    for name in ("TWILIO_NOTIFY_CONTENT_SID", "TELEGRAM_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KAARIGAR_SENDER_SECRET", "a-long-enough-test-secret-0123456789abcdef")
    settings = load(TWILIO_AUTH_TOKEN="t", TWILIO_ACCOUNT_SID="AC1", TWILIO_WHATSAPP_FROM="+1555")
    assert whatsapp_staff_warning(settings, seeded) is None  # no staff on WhatsApp
    with transaction(seeded) as session:
        staff.add(session, "whatsapp", "+919900000001", role="staff", jail_code="KND")
    said = whatsapp_staff_warning(settings, seeded)
    assert said is not None and "1 staff on WhatsApp" in said and "TWILIO_NOTIFY_CONTENT_SID" in said
    with_template = load(TWILIO_AUTH_TOKEN="t", TWILIO_ACCOUNT_SID="AC1",
                         TWILIO_WHATSAPP_FROM="+1555", TWILIO_NOTIFY_CONTENT_SID="HX1")  # fmt: skip
    assert whatsapp_staff_warning(with_template, seeded) is None
