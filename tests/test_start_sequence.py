"""How ``kaarigar run`` starts (issue 13): Rasa, whose model load is the longest part of the
start, is spawned first, before the web app's imports and the database migrations; the action
server next, at a port Rasa was told beforehand."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bot.cli import COMMANDS, main
from bot.ops import processes, runner, start, training
from bot.ops.settings import load


def _fake_server(name: str, url: str) -> processes.Server:
    proc = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(30)"], start_new_session=True
    )  # as _spawn does: stopped by its group
    return processes.Server(name, url, proc, Path("/dev/null"))


def test_rasa_is_spawned_before_the_action_server_and_told_its_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spawned: list[tuple[str, str]] = []

    def rasa(model: Path, port: int, action_url: str, *args: Any) -> processes.Server:
        spawned.append(("rasa", action_url))
        return _fake_server("rasa", "http://127.0.0.1:1")

    def actions(port: int, database_url: str, *args: Any) -> processes.Server:
        spawned.append(("actions", processes.local_url("127.0.0.1", port)))
        return _fake_server("actions", processes.local_url("127.0.0.1", port))

    monkeypatch.setattr(processes, "spawn_rasa", rasa)
    monkeypatch.setattr(processes, "spawn_action_server", actions)
    stack = processes.RasaStack(model=tmp_path / "m.tar.gz", database_url="sqlite://",
                                workdir=tmp_path)  # fmt: skip
    try:
        stack.spawn({"rasa"})  # what `kaarigar run` does first
        assert [name for name, _ in spawned] == ["rasa"]
        stack.spawn()  # the rest; Rasa is not spawned twice
        assert [name for name, _ in spawned] == ["rasa", "actions"]
        assert spawned[0][1] == spawned[1][1] == stack.action_url  # Rasa calls that server
        assert [s.name for s in stack.servers] == ["rasa", "actions"]
    finally:
        stack.stop()
    assert all(s.process.poll() is not None for s in stack.servers)


def test_run_spawns_rasa_before_migrating_and_importing_the_web_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The order of `kaarigar run`, with the slow parts replaced by notes of what happened."""
    happened: list[str] = []

    def spawn_first(settings: Any, echo: Any, parts: Any, started: Any) -> None:
        happened.append("spawn rasa")

    def upgrade(engine: Any) -> None:
        happened.append("migrate")

    async def run(*args: Any, **kwargs: Any) -> None:
        happened.append(f"run (stack={kwargs['stack']})")

    from catalog import migrate

    monkeypatch.setattr(start, "spawn_rasa_first", spawn_first)
    monkeypatch.setattr(migrate, "upgrade", upgrade)
    monkeypatch.setattr(runner, "run", run)
    result = CliRunner().invoke(
        main, ["run", "--no-chat"], env={"DATABASE_URL": f"sqlite:///{tmp_path}/k.db"}
    )
    assert result.exit_code == 0, result.output
    assert happened == ["spawn rasa", "migrate", "run (stack=None)"]


_EARLY = """
import sys
import bot.cli
from bot.cli import main
main.get_command(None, "run")  # what `kaarigar run` imports before it spawns Rasa
from bot.ops import start
print(sorted(m for m in ("sqlalchemy", "starlette", "uvicorn", "telegram", "twilio", "alembic",
                         "bot.web", "bot.ops.runner") if m in sys.modules))
"""


def test_what_comes_before_rasa_imports_no_web_app_or_database() -> None:
    """Spawning Rasa waits only for click, the settings and the model's fingerprint."""
    done = subprocess.run([sys.executable, "-c", _EARLY], cwd=training.ROOT, capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_every_command_is_found_and_listed() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for name in COMMANDS:
        assert name in result.output
        assert main.get_command(None, name) is not None  # type: ignore[arg-type]
    assert main.get_command(None, "no-such-command") is None  # type: ignore[arg-type]


def test_the_start_names_rasa_first(tmp_path: Path) -> None:
    said: list[str] = []
    model = tmp_path / "kaarigar-x.tar.gz"
    model.write_bytes(b"")
    settings = load(KAARIGAR_MODEL=str(model), DATABASE_URL="sqlite://")
    stack = start.plan(settings, said.append, start.PARTS, 0.0)
    assert stack.model == model and stack.parts == {"rasa", "actions"}
    assert said[0].startswith("starting Rasa and the action server (Rasa loads its model")
