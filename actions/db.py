"""The action server's database: one sessionmaker, made on first use from DATABASE_URL."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from bot.ops.settings import load
from catalog.db import make_engine, make_sessionmaker

_factory: sessionmaker[Session] | None = None


def factory() -> sessionmaker[Session]:
    """The process-wide sessionmaker; nothing connects before the first action runs."""
    global _factory
    if _factory is None:
        _factory = make_sessionmaker(make_engine(load().database_url))
    return _factory


def use(sessions: sessionmaker[Session] | None) -> None:
    """Point the actions at another database (tests), or back to DATABASE_URL with None."""
    global _factory
    _factory = sessions
