"""Seen-once records in the idempotency table: de-duplication that survives a restart.

Without Redis, the web app's memory forgets which messages it processed when it restarts, so a
platform retry or a replayed signed request would run twice. The primary key of
``IdempotencyKey`` makes the first insert win, on SQLite and PostgreSQL alike.

Every accepted message without Redis records one key, so that is one statement (``INSERT ... ON
CONFLICT DO NOTHING RETURNING``): no read first, no savepoint, no ORM object.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import bindparam, delete, text
from sqlalchemy.orm import Session

from catalog.models import IdempotencyKey, utcnow

KEY_LIMIT = 128  # the column's length


def db_key(key: str) -> str:
    """The key as stored: itself when it fits the column, else a prefixed SHA-256."""
    if len(key) <= KEY_LIMIT:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


_TABLE = IdempotencyKey.__table__
# Written out (valid on SQLite and PostgreSQL) rather than built with the dialects'
# ``on_conflict_do_nothing``, whose statements SQLAlchemy cannot cache: it compiled them anew on
# every message. A key there already (or inserted by a concurrent transaction, which is waited
# for) returns no row.
_INSERT_ONCE = text(
    "INSERT INTO idempotency_keys (key, kind, result, created_at)"
    " VALUES (:key, :kind, :result, :created_at) ON CONFLICT (key) DO NOTHING RETURNING key"
).bindparams(
    bindparam("result", type_=_TABLE.c.result.type),
    bindparam("created_at", type_=_TABLE.c.created_at.type),
)


def first_time(session: Session, key: str, kind: str) -> bool:
    """Record ``key``; True if no one recorded it before (the caller commits)."""
    session.flush()  # keys the session holds unsaved go first, as a read would flush them
    result = session.connection().execute(
        _INSERT_ONCE, {"key": db_key(key), "kind": kind, "result": {}, "created_at": utcnow()}
    )
    return result.first() is not None


def purge(session: Session, kind: str, older_than: datetime) -> int:
    """Delete ``kind`` records created before ``older_than``; the number deleted."""
    result = session.execute(
        delete(IdempotencyKey).where(
            IdempotencyKey.kind == kind, IdempotencyKey.created_at < older_than
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
