"""Buyers. Rasa and the action server know a buyer only by a pseudonymous sender id; the
channel identity (chat id, WhatsApp number) stays here, for delivery and notifications."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from sqlalchemy import bindparam, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from catalog.models import Customer, Order, utcnow


def sender_id(channel: str, channel_user_id: str, secret: str) -> str:
    """A stable pseudonym for a channel user: HMAC, so it cannot be turned back into a number."""
    digest = hmac.new(secret.encode(), f"{channel}:{channel_user_id}".encode(), hashlib.sha256)
    return f"{channel[:2]}-{digest.hexdigest()[:24]}"


def ensure(
    session: Session,
    channel: str,
    channel_user_id: str,
    secret: str,
    *,
    seen_at: datetime | None = None,
) -> Customer:
    """The customer behind a channel user, created on first contact; records the last message time."""
    sid = sender_id(channel, channel_user_id, secret)
    customer = by_sender(session, sid, channel=channel)
    customer.channel_user_id = channel_user_id
    customer.last_inbound_at = seen_at or utcnow()
    return customer


_TABLE = Customer.__table__
# Create the customer, or set the channel user and the last message time of the one there
# (as ``ensure`` does). Written out, valid on SQLite and PostgreSQL: the dialects'
# ``on_conflict_do_update`` statements cannot be cached by SQLAlchemy (compiled on every call).
_TOUCH = text(
    "INSERT INTO customers (sender_id, channel, channel_user_id, language, last_inbound_at)"
    " VALUES (:sender_id, :channel, :channel_user_id, :language, :last_inbound_at)"
    " ON CONFLICT (sender_id) DO UPDATE SET channel_user_id = excluded.channel_user_id,"
    " last_inbound_at = excluded.last_inbound_at"
).bindparams(bindparam("last_inbound_at", type_=_TABLE.c.last_inbound_at.type))
_DEFAULT_LANGUAGE = "en"  # the column's default, which a written-out statement must give


def touch(
    session: Session,
    channel: str,
    channel_user_id: str,
    secret: str,
    *,
    seen_at: datetime | None = None,
) -> None:
    """What ``ensure`` does, without loading the customer: one statement, for the web app, which
    records every buyer's messages and needs nothing back."""
    session.flush()
    session.connection().execute(
        _TOUCH,
        {
            "sender_id": sender_id(channel, channel_user_id, secret),
            "channel": channel,
            "channel_user_id": channel_user_id,
            "language": _DEFAULT_LANGUAGE,
            "last_inbound_at": seen_at or utcnow(),
        },
    )


def by_sender(session: Session, sid: str, *, channel: str = "rest") -> Customer:
    """The customer with this sender id, created if new (safe when two requests race)."""
    customer = session.scalar(select(Customer).where(Customer.sender_id == sid))
    if customer is not None:
        return customer
    try:
        with session.begin_nested():
            customer = Customer(sender_id=sid, channel=channel)
            session.add(customer)
    except IntegrityError:
        customer = session.scalars(select(Customer).where(Customer.sender_id == sid)).one()
    return customer


def find(session: Session, sid: str) -> Customer | None:
    return session.scalar(select(Customer).where(Customer.sender_id == sid))


def language_of(session: Session, sid: str) -> str | None:
    """The language kept on the customer with this sender id; None without one."""
    return session.scalar(select(Customer.language).where(Customer.sender_id == sid))


def last_ship_country(session: Session, sid: str) -> str | None:
    """The country the buyer's latest order (with a delivery address) was sent to."""
    return session.scalar(
        select(Order.ship_country)
        .join(Customer, Customer.id == Order.customer_id)
        .where(Customer.sender_id == sid, Order.ship_country.is_not(None), Order.ship_country != "")
        .order_by(Order.id.desc())
        .limit(1)
    )


def set_language(session: Session, sid: str, language: str) -> Customer:
    customer = by_sender(session, sid)
    customer.language = language
    return customer


def last_seen(session: Session, channel: str, channel_user_id: str) -> datetime | None:
    """When this channel user last wrote to us (staff too: they are recorded like buyers)."""
    return session.scalar(
        select(Customer.last_inbound_at).where(
            Customer.channel == channel, Customer.channel_user_id == channel_user_id
        )
    )
