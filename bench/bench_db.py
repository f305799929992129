"""The databases a benchmark script runs on: a throwaway SQLite file, or a schema of its own on
the PostgreSQL of ``KAARIGAR_BENCH_PG_URL`` (created, then dropped with everything in it)."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, text

from catalog.db import make_engine

PG_URL = os.environ.get("KAARIGAR_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


@contextmanager
def sqlite_db() -> Iterator[Engine]:
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/bench.db")
        yield engine
        engine.dispose()


@contextmanager
def pg_db() -> Iterator[Engine]:
    schema = f"kb_{uuid.uuid4().hex[:8]}"
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine = make_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
