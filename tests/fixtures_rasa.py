"""``rasa_stack``: the real Rasa 3.6 server and our action server, started once per test run."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from bot.ops import processes, rasa_env, training
from catalog import migrate
from catalog.db import make_engine, make_sessionmaker, transaction
from catalog.seed import seed
from tests.conftest import PG_URL, new_schema

# What the action server needs to offer a payment link and a Telegram invoice; a jail offers
# them only when its methods say so (the demo database's jails keep cash on delivery).
PAYMENT_PROVIDER_TOKEN = "284685063:TEST:e2e-provider"
PAYMENT_ENV = {
    "RAZORPAY_KEY_ID": "rzp_test_e2e",  # the action server only needs to know a gateway is set
    "RAZORPAY_KEY_SECRET": "e2e-key-secret",
    "TELEGRAM_PAYMENT_PROVIDER_TOKEN": PAYMENT_PROVIDER_TOKEN,
}


@dataclass
class RunningRasa:
    """What a test needs to talk to the stack and look at its database."""

    rasa_url: str
    action_url: str
    database_url: str
    sessions: sessionmaker[Session]
    model: Path
    workdir: Path

    def chat(self, sender: str, message: str, timeout: float = 30.0) -> list[dict]:
        """One turn through the REST channel; the bot's messages."""
        response = httpx.post(
            f"{self.rasa_url}/webhooks/rest/webhook",
            json={"sender": sender, "message": message},
            timeout=timeout,
        )
        response.raise_for_status()
        return response.json()


def prepare_model(sessions: sessionmaker[Session]) -> Path:
    """Regenerate the catalog NLU file from this database and train if anything changed."""
    with sessions() as session:
        training.write_generated(session)
    return training.train().model


def _running_stack(database_url: str, engine: Engine, workdir: Path) -> Iterator[RunningRasa]:
    """Migrate and seed the database, train if needed, run Rasa + actions over it."""
    migrate.upgrade(engine)
    sessions = make_sessionmaker(engine)
    with transaction(sessions) as session:
        seed(session)
    model = prepare_model(sessions)
    stack = processes.RasaStack(
        model=model, database_url=database_url, workdir=workdir, action_env=PAYMENT_ENV
    )
    with stack:
        yield RunningRasa(stack.rasa_url, stack.action_url, database_url, sessions, model, workdir)
    engine.dispose()


@pytest.fixture(scope="session")
def rasa_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningRasa]:
    """The stack on an SQLite file: the embedded default."""
    rasa_env.ensure()
    workdir = tmp_path_factory.mktemp("rasa-stack")
    database_url = f"sqlite:///{workdir}/kaarigar.db"
    yield from _running_stack(database_url, make_engine(database_url), workdir)


@pytest.fixture(scope="session")
def pg_rasa_stack(
    tmp_path_factory: pytest.TempPathFactory, rasa_stack: RunningRasa
) -> Iterator[RunningRasa]:
    """A second stack (same model) whose action server uses a fresh PostgreSQL schema."""
    admin, schema = new_schema("ke2e")
    # The action server is another process: the schema travels in the URL (libpq options).
    database_url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    workdir = tmp_path_factory.mktemp("rasa-stack-pg")
    try:
        yield from _running_stack(database_url, make_engine(database_url), workdir)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_rasa_stack(request: pytest.FixtureRequest) -> RunningRasa:
    """The real stack on SQLite, then on PostgreSQL: end-to-end purchases run on both."""
    name = "rasa_stack" if request.param == "sqlite" else "pg_rasa_stack"
    stack: RunningRasa = request.getfixturevalue(name)
    return stack
