"""The console chat, ``kaarigar run`` (with a fake Rasa) and configuration errors."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import Engine

from bot.cli import main
from bot.core.messages import Button, Reply
from bot.handlers.console import chat, read_line, render
from bot.ops import processes, runner
from bot.ops.settings import load
from catalog.db import make_sessionmaker
from tests.fixtures_channels import FakeRasa


def test_render_numbers_choices_across_replies() -> None:
    out = render(
        [
            Reply("Shawls", (Button("Wool", "a"),)),
            Reply(image="p.jpg", buttons=(Button("Silk", "b"),)),
        ]
    )
    assert out == "Shawls\n  1. Wool\n[photo: p.jpg]\n  2. Silk"


async def test_console_chat_picks_a_choice_by_number(
    fake_rasa: FakeRasa, sqlite_engine: Engine
) -> None:
    async def menu(sender: str, message: str) -> list[dict[str, Any]]:
        return [
            {
                "text": f"got {message}",
                "buttons": [{"title": "Wool", "payload": '/pick{"sku":"KS-101"}'}],
            }
        ]

    fake_rasa.respond = menu
    lines = iter(["kullu shawl dikhao", "1", "quit"])
    output: list[str] = []
    settings = load(RASA_URL=fake_rasa.url, DATABASE_URL=str(sqlite_engine.url))
    async with httpx.AsyncClient() as http:
        conv = runner.console_conversation(settings, http, make_sessionmaker(sqlite_engine))
        sent = await chat(conv, read=lambda _prompt: next(lines), write=output.append)
    assert sent == 2
    assert fake_rasa.messages() == ["kullu shawl dikhao", '/pick{"sku":"KS-101"}']
    assert "  1. Wool" in output[1]


def test_a_pending_read_does_not_hold_up_shutdown() -> None:
    """Ctrl-C while the chat waits at "you> ": the event loop closes at once."""
    release = threading.Event()

    async def main() -> None:
        task = asyncio.create_task(read_line(lambda _prompt: str(release.wait()), "you> "))
        await asyncio.sleep(0.1)
        task.cancel()

    done = threading.Thread(target=asyncio.run, args=(main(),), daemon=True)
    done.start()
    done.join(timeout=10)
    release.set()
    assert not done.is_alive()


async def test_run_reports_the_port_and_stops_on_sigterm(
    fake_rasa: FakeRasa, sqlite_engine: Engine
) -> None:
    settings = load(RASA_URL=fake_rasa.url, DATABASE_URL=str(sqlite_engine.url), KAARIGAR_PORT="0")
    said: list[str] = []

    def echo(message: str) -> None:
        said.append(message)
        if message.startswith("web app healthy"):
            asyncio.get_running_loop().call_later(0.2, os.kill, os.getpid(), signal.SIGTERM)

    await asyncio.wait_for(
        runner.run(
            settings, make_sessionmaker(sqlite_engine), echo, interactive=False, start_rasa=False
        ),
        30,
    )
    assert any(m.startswith("web app healthy on http://127.0.0.1:") for m in said)
    assert said[-1] == "web app stopped"


def test_a_malformed_setting_is_named() -> None:
    result = CliRunner().invoke(main, ["run"], env={"KAARIGAR_PORT": "not-a-port"})
    assert result.exit_code != 0
    assert "KAARIGAR_PORT" in result.output


def test_whatsapp_without_public_url_is_named_before_rasa_starts(tmp_path: Any) -> None:
    result = CliRunner().invoke(
        main,
        ["run", "--no-chat"],
        env={
            "DATABASE_URL": f"sqlite:///{tmp_path}/k.db",
            "TWILIO_ACCOUNT_SID": "AC1",
            "TWILIO_AUTH_TOKEN": "t",
            "TWILIO_WHATSAPP_FROM": "+1",
            "KAARIGAR_SENDER_SECRET": "x" * 32,
            "PUBLIC_BASE_URL": None,
        },
    )
    assert result.exit_code != 0
    assert "PUBLIC_BASE_URL" in result.output


def test_only_web_without_rasa_url_names_it(tmp_path: Any) -> None:
    result = CliRunner().invoke(
        main, ["run", "--only", "web"], env={"DATABASE_URL": f"sqlite:///{tmp_path}/k.db"}
    )
    assert result.exit_code != 0
    assert "RASA_URL: required to run the web app without Rasa" in result.output


def test_only_rasa_without_action_url_names_it(tmp_path: Any) -> None:
    result = CliRunner().invoke(main, ["run", "--only", "rasa"], env={"KAARIGAR_ACTION_URL": None})
    assert result.exit_code != 0
    assert "KAARIGAR_ACTION_URL: required to run Rasa without the action server" in result.output


def test_only_names_an_unknown_part() -> None:
    result = CliRunner().invoke(main, ["run", "--only", "web,frontend"])
    assert result.exit_code != 0
    assert "choose from web, actions, rasa" in result.output and "frontend" in result.output


async def test_only_web_serves_against_the_rasa_at_rasa_url(
    fake_rasa: FakeRasa, sqlite_engine: Engine
) -> None:
    """``--only web``: no Rasa is started; the health check reaches the one at RASA_URL."""
    settings = load(RASA_URL=fake_rasa.url, DATABASE_URL=str(sqlite_engine.url), KAARIGAR_PORT="0")
    said: list[str] = []
    health: list[dict[str, str]] = []
    checks: list[asyncio.Task[None]] = []

    def echo(message: str) -> None:
        said.append(message)
        if message.startswith("web app healthy on "):
            checks.append(asyncio.create_task(check_then_stop(message.split()[4])))

    async def check_then_stop(url: str) -> None:
        async with httpx.AsyncClient() as client:
            health.append((await client.get(f"{url}/healthz")).json())
        os.kill(os.getpid(), signal.SIGTERM)

    sessions = make_sessionmaker(sqlite_engine)
    await asyncio.wait_for(runner.run(settings, sessions, echo, parts=["web"]), 30)
    assert not any(m.startswith("starting") for m in said)  # nothing else was started
    assert health == [{"database": "up", "redis": "not configured", "rasa": "up"}]
    assert said[-1] == "web app stopped"


async def test_only_actions_serves_the_action_server_at_its_port(sqlite_engine: Engine) -> None:
    """``--only actions``: the action server alone, at ACTION_SERVER_PORT, until SIGTERM."""
    port = processes.free_port()
    settings = load(DATABASE_URL=str(sqlite_engine.url), ACTION_SERVER_PORT=str(port))
    said: list[str] = []
    health: list[int] = []

    def echo(message: str) -> None:
        said.append(message)
        if message == "running; Ctrl-C stops":
            health.append(httpx.get(f"http://127.0.0.1:{port}/health").status_code)
            asyncio.get_running_loop().call_soon(os.kill, os.getpid(), signal.SIGTERM)

    await asyncio.wait_for(runner.run(settings, None, echo, parts=["actions"]), 120)  # type: ignore[arg-type]
    assert any(m.startswith(f"action server healthy on http://127.0.0.1:{port}") for m in said)
    assert health == [200]
    assert said[-1] == "The action server stopped"
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/health")


def _children(marker: str) -> list[int]:
    """This process's child processes whose command line contains ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, IndexError, ValueError):
            continue
        if ppid == os.getpid() and marker in cmdline:
            found.append(int(entry.name))
    return found


async def test_a_child_server_that_dies_ends_the_run(sqlite_engine: Engine) -> None:
    """A supervisor (systemd) restarts a part whose server died: the run ends with an error."""
    port = processes.free_port()
    settings = load(DATABASE_URL=str(sqlite_engine.url), ACTION_SERVER_PORT=str(port))

    def echo(message: str) -> None:
        if message == "running; Ctrl-C stops":  # this run's (a session's Rasa stack may run too)
            [pid] = _children(f"actions.server -p {port} ")
            os.kill(pid, signal.SIGKILL)

    with pytest.raises(processes.StartError, match=r"actions exited \(-9\)"):
        await asyncio.wait_for(runner.run(settings, None, echo, parts=["actions"]), 120)  # type: ignore[arg-type]
