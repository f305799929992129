"""What the web app writes to the database for a buyer's turn, as single statements
(``customers.touch``, ``dedup.first_time``, ``outbox.revive``): the same rows as the ORM code
they replaced, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from catalog import customers, dedup, outbox
from catalog.db import transaction
from catalog.models import Customer, Notification, utcnow

SECRET = "test-secret"


def test_touch_creates_the_customer_as_ensure_does(sessions: sessionmaker[Session]) -> None:
    seen = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    with transaction(sessions) as s:
        customers.touch(s, "whatsapp", "+919812345678", SECRET, seen_at=seen)
    with sessions() as s:
        made = s.scalars(select(Customer)).one()
    assert made.sender_id == customers.sender_id("whatsapp", "+919812345678", SECRET)
    assert (made.channel, made.channel_user_id, made.language) == ("whatsapp", "+919812345678", "en")
    assert made.last_inbound_at is not None
    assert made.last_inbound_at.replace(tzinfo=UTC) == seen


def test_touch_updates_only_the_last_message_time_of_a_known_customer(
    sessions: sessionmaker[Session],
) -> None:
    with transaction(sessions) as s:
        known = customers.ensure(s, "telegram", "42", SECRET, seen_at=utcnow() - timedelta(days=3))
        known.language = "hi"
        known.name = "Asha"
    later = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    with transaction(sessions) as s:
        customers.touch(s, "telegram", "42", SECRET, seen_at=later)
    with sessions() as s:
        again = s.scalars(select(Customer)).one()
    assert (again.channel, again.language, again.name) == ("telegram", "hi", "Asha")
    assert again.last_inbound_at is not None
    assert again.last_inbound_at.replace(tzinfo=UTC) == later


def test_first_time_sees_keys_added_in_the_same_session(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as s:
        assert dedup.first_time(s, "telegram:1", "inbound") is True
        s.add(Notification(kind="x", text="unrelated"))  # pending ORM work is flushed first
        assert dedup.first_time(s, "telegram:1", "inbound") is False
        assert dedup.first_time(s, "telegram:2", "inbound") is True


def test_revive_gives_back_the_attempts_of_the_writers_recent_failed_notices(
    sessions: sessionmaker[Session],
) -> None:
    with transaction(sessions) as s:
        buyer = customers.ensure(s, "whatsapp", "+919812345678", SECRET)
        other = customers.ensure(s, "whatsapp", "+919800000000", SECRET)
        old = utcnow() - timedelta(days=8)
        s.add_all([
            Notification(kind="a", customer_id=buyer.id, text="failed", attempts=outbox.MAX_ATTEMPTS),
            Notification(kind="b", customer_id=buyer.id, text="old", attempts=outbox.MAX_ATTEMPTS,
                         created_at=old),
            Notification(kind="c", customer_id=buyer.id, text="sent", attempts=outbox.MAX_ATTEMPTS,
                         sent_at=utcnow()),
            Notification(kind="d", customer_id=other.id, text="other", attempts=outbox.MAX_ATTEMPTS),
        ])  # fmt: skip
    with transaction(sessions) as s:
        assert outbox.revive(s, "whatsapp", "+919812345678") == 1
    with sessions() as s:
        attempts = {n.kind: n.attempts for n in s.scalars(select(Notification))}
    assert attempts == {"a": 0, "b": outbox.MAX_ATTEMPTS, "c": outbox.MAX_ATTEMPTS,
                        "d": outbox.MAX_ATTEMPTS}  # fmt: skip
