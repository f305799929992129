"""The outbox sender: one row at a time, its transaction (and on PostgreSQL its row lock) open
while it is sent, marked sent or failed in that transaction."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.core.notifier import Delivery, OutboxWorker
from bot.core.state import MemoryStore
from catalog import outbox
from catalog.db import transaction
from catalog.models import Customer, Notification


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
