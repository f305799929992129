"""Shared fixtures: a migrated database per test, on SQLite and (where asked) PostgreSQL.

PostgreSQL is the server on 127.0.0.1:5432 (database ``test``). Each run migrates its own
schema once and truncates it between tests. Under CI (``CI=true``) a missing server fails
the run instead of skipping.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from catalog import migrate
from catalog.db import make_engine, make_sessionmaker, transaction
from catalog.models import Base
from catalog.seed import seed

PG_URL = os.environ.get("KAARIGAR_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("KAARIGAR_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
IN_CI = os.environ.get("CI", "").lower() == "true"

pytest_plugins: list[str] = ["tests.fixtures_channels", "tests.staff_support", "tests.fixtures_rasa", "tests.fake_gateway", "tests.buyer_support"]


def unavailable(what: str, exc: Exception) -> None:
    """Skip on a developer's machine without the service; fail under CI."""
    message = f"{what} is not reachable: {exc}"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def new_schema(prefix: str) -> tuple[Engine, str]:
    """A fresh schema on the test server, and an engine to drop it with afterwards."""
    schema = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = make_engine(PG_URL)
    try:
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
    except Exception as exc:  # noqa: BLE001 - any connection failure means "no server"
        unavailable("PostgreSQL on 127.0.0.1:5432", exc)
    return admin, schema


@pytest.fixture(scope="session")
def pg_engine() -> Iterator[Engine]:
    admin, schema = new_schema("kt")
    engine = make_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"},
                         pool_size=20, max_overflow=80)
    migrate.upgrade(engine)
    yield engine
    engine.dispose()
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


def _truncate(engine: Engine) -> None:
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once per run (per xdist worker); each test gets a copy, which
    takes milliseconds where running the migrations takes ~0.15 s."""
    path = tmp_path_factory.mktemp("template") / "kaarigar.db"
    eng = make_engine(f"sqlite:///{path}")
    migrate.upgrade(eng)
    eng.dispose()  # the last connection closing checkpoints the WAL into the file
    assert not path.with_name(path.name + "-wal").exists(), "the template is not one file"
    return path


def fresh_sqlite(template: Path, tmp_path: Path) -> Engine:
    """A migrated, empty SQLite database of the test's own (a copy of the template)."""
    target = tmp_path / "kaarigar.db"
    shutil.copyfile(template, target)
    return make_engine(f"sqlite:///{target}")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path) -> Iterator[Engine]:  # type: ignore[no-untyped-def]
    """A migrated, empty database: a fresh SQLite file, or the run's PostgreSQL schema."""
    if request.param == "sqlite":
        eng = fresh_sqlite(request.getfixturevalue("sqlite_template"), tmp_path)
        yield eng
        eng.dispose()
    else:
        eng = request.getfixturevalue("pg_engine")
        _truncate(eng)
        yield eng


@pytest.fixture
def sqlite_engine(sqlite_template: Path, tmp_path) -> Iterator[Engine]:  # type: ignore[no-untyped-def]
    eng = fresh_sqlite(sqlite_template, tmp_path)
    yield eng
    eng.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return make_sessionmaker(engine)


@pytest.fixture
def seeded(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    """The database with the demo catalog loaded."""
    with transaction(sessions) as session:
        seed(session)
    return sessions
