"""``rasa_stack``: the real Rasa 3.6 server and our action server, started once per test run."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot import processes, rasa_env, training
from catalog import migrate
from catalog.db import make_engine, make_sessionmaker, transaction
from catalog.seed import seed


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


@pytest.fixture(scope="session")
def rasa_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningRasa]:
    rasa_env.ensure()
    workdir = tmp_path_factory.mktemp("rasa-stack")
    database_url = f"sqlite:///{workdir}/kaarigar.db"
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    sessions = make_sessionmaker(engine)
    with transaction(sessions) as session:
        seed(session)
    model = prepare_model(sessions)
    stack = processes.RasaStack(model=model, database_url=database_url, workdir=workdir)
    with stack:
        yield RunningRasa(stack.rasa_url, stack.action_url, database_url, sessions, model, workdir)
    engine.dispose()
