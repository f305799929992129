"""The action server's database: one sessionmaker, made on first use from DATABASE_URL."""

from __future__ import annotations

from contextlib import AbstractContextManager

from sqlalchemy.orm import Session, sessionmaker

from bot.ops.settings import load
from catalog.db import make_engine, make_sessionmaker
from catalog.db import reading as _reading

_factory: sessionmaker[Session] | None = None


def factory() -> sessionmaker[Session]:
    """The process-wide sessionmaker; nothing connects before the first action runs."""
    global _factory
    if _factory is None:
        _factory = make_sessionmaker(make_engine(load().database_url))
    return _factory


def reading() -> AbstractContextManager[Session]:
    """A session for an action that only reads (search, product details, catalog lists, order
    status): on SQLite it neither takes the write lock nor waits for it (``catalog.db.reading``),
    so such actions run side by side and beside a checkout that writes."""
    return _reading(factory())


def use(sessions: sessionmaker[Session] | None) -> None:
    """Point the actions at another database (tests), or back to DATABASE_URL with None."""
    global _factory
    _factory = sessions
