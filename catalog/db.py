"""Engines and sessions for the URLs operators write (``sqlite:///var/x.db``, ``postgresql://...``).

The caller owns the session: services take one, they never make one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from catalog import DEFAULT_DATABASE_URL as DEFAULT_DATABASE_URL  # where it always was

READ_ONLY = "kaarigar_read_only"  # an execution option: this connection only reads


def normalize_url(url: str) -> str:
    """Pick our drivers: psycopg 3 for PostgreSQL, the stdlib for SQLite."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def make_engine(url: str = DEFAULT_DATABASE_URL, **kwargs: object) -> Engine:
    url = normalize_url(url)
    parsed = make_url(url)
    # Parameters are buyers' names, phone numbers and addresses: never in an error's text.
    kwargs.setdefault("hide_parameters", True)
    if parsed.get_backend_name() != "sqlite":
        kwargs.setdefault("pool_pre_ping", True)
        return create_engine(url, **kwargs)  # type: ignore[arg-type]
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)  # type: ignore[arg-type]

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        # Let SQLAlchemy, not pysqlite, decide when transactions begin.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:  # type: ignore[no-untyped-def]
        # Writers queue on the lock at BEGIN instead of failing on a read-to-write upgrade;
        # readers (``reading``) never write, so under WAL they need not queue at all.
        read_only = conn.get_execution_options().get(READ_ONLY)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    with factory() as session, session.begin():
        yield session


@contextmanager
def reading(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A unit of work that only reads. On SQLite its transaction begins with a plain ``BEGIN``
    (not ``BEGIN IMMEDIATE``): under WAL it reads the last committed state without taking the
    write lock, so readers neither queue behind a writer nor behind each other. On PostgreSQL it
    is an ordinary transaction (readers never wait for writers there). Nothing it does is kept:
    closing the session rolls it back; what it loaded stays readable afterwards, as after any
    closed session (no expiry, unlike an explicit rollback)."""
    with factory() as session:
        session.connection(execution_options={READ_ONLY: True})
        yield session


def ping(factory: sessionmaker[Session]) -> None:
    """Raise unless the database answers a trivial query (health checks)."""
    with reading(factory) as session:
        session.execute(text("SELECT 1"))
