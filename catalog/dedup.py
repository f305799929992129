"""Seen-once records in the idempotency table: de-duplication that survives a restart.

Without Redis, the web app's memory forgets which messages it processed when it restarts, so a
platform retry or a replayed signed request would run twice. The primary key of
``IdempotencyKey`` makes the first insert win, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from catalog.models import IdempotencyKey

KEY_LIMIT = 128  # the column's length


def db_key(key: str) -> str:
    """The key as stored: itself when it fits the column, else a prefixed SHA-256."""
    if len(key) <= KEY_LIMIT:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def first_time(session: Session, key: str, kind: str) -> bool:
    """Record ``key``; True if no one recorded it before (the caller commits)."""
    k = db_key(key)
    if session.get(IdempotencyKey, k) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(IdempotencyKey(key=k, kind=kind, result={}))
    except IntegrityError:  # another transaction inserted it meanwhile
        return False
    return True


def purge(session: Session, kind: str, older_than: datetime) -> int:
    """Delete ``kind`` records created before ``older_than``; the number deleted."""
    result = session.execute(
        delete(IdempotencyKey).where(
            IdempotencyKey.kind == kind, IdempotencyKey.created_at < older_than
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
