"""The flood limit and the console chat (issue 12, a tester's findings): a buyer tapping menu
buttons fast is answered (20 in a 10-second burst, 60 a minute); a script is stopped within
seconds with one warning; the first message after the refused window is answered again; log
lines go to a file, not into the console chat. And the menu shown when Rasa is down names
the categories in the buyer's language."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest

from bot.core import state
from bot.core.conversation import FLOOD_REPLY, Conversation, Limits
from bot.core.messages import Inbound, Reply
from bot.core.rasa_client import RasaClient, fallback
from bot.core.state import MemoryStore
from bot.handlers.console import chat
from bot.ops import logs
from catalog import customers
from catalog.db import transaction
from catalog.notices import TEXTS as NOTICES


class Clock:
    """The state store's clock, moved by the test (windows of a minute, without waiting)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(state, "time", SimpleNamespace(monotonic=fake.monotonic))
    return fake


async def _send(conv: Conversation, n: int, start: int = 0) -> list[list[Reply] | None]:
    return [await conv.handle(Inbound("telegram", "7", f"m{start + i}", text=f"m{start + i}"))
            for i in range(n)]  # fmt: skip


async def test_a_buyer_tapping_fast_for_half_a_minute_is_always_answered(fake_rasa, clock):
    """45 taps in 30 s, three every two seconds (30 a minute was the old limit)."""
    async with httpx.AsyncClient() as http:
        conv = Conversation(RasaClient(http, fake_rasa.url), MemoryStore(), "s")
        answers = []
        for i in range(45):
            answers += await _send(conv, 1, i)
            clock.now += 2 / 3
    assert [a[0].text if a else None for a in answers] == [f"echo: m{i}" for i in range(45)]


async def test_a_burst_is_stopped_with_one_warning_and_answered_after_ten_seconds(fake_rasa, clock):
    async with httpx.AsyncClient() as http:
        conv = Conversation(RasaClient(http, fake_rasa.url), MemoryStore(), "s")
        burst = await _send(conv, 30)
        clock.now += 10.5
        after = await _send(conv, 1, 30)
    assert all(a and a[0].text.startswith("echo") for a in burst[:20])
    assert burst[20] == [Reply(text=NOTICES["flood_burst"]["en"])] and burst[21:] == [None] * 9
    assert after == [[Reply(text="echo: m30")]]
    assert len(fake_rasa.messages()) == 21


async def test_the_minute_limit_warns_once_and_answers_again_after_the_minute(fake_rasa, clock):
    async with httpx.AsyncClient() as http:
        conv = Conversation(RasaClient(http, fake_rasa.url), MemoryStore(), "s")
        answers = []
        for i in range(70):  # under the burst limit (18 in 10 s), over the minute's 60
            answers += await _send(conv, 1, i)
            clock.now += 0.55
        clock.now += 30  # past the end of the minute that began with m0
        after = await _send(conv, 1, 70)
    assert all(a and a[0].text == f"echo: m{i}" for i, a in enumerate(answers[:60]))
    assert answers[60] == [FLOOD_REPLY] and answers[61:] == [None] * 9
    assert after == [[Reply(text="echo: m70")]]


async def test_the_console_chat_answers_again_after_the_window(fake_rasa):
    """The console chat: refused lines print nothing, the first after the window an answer."""
    async with httpx.AsyncClient() as http:
        limits = Limits(burst_window=0.3, burst_max=2)
        conv = Conversation(RasaClient(http, fake_rasa.url), MemoryStore(), "s", limits=limits)
        lines = iter(["a", "b", "c", "d"])
        said: list[str] = []

        def read(prompt: str) -> str:
            line = next(lines, None)
            if line is None:
                raise EOFError
            return line

        await chat(conv, read, said.append)
        await asyncio.sleep(0.4)
        lines = iter(["e"])
        await chat(conv, read, said.append)
    answers = [s for s in said if s.startswith(("echo", "You are"))]
    assert answers == ["echo: a", "echo: b", NOTICES["flood_burst"]["en"], "echo: e"]


@pytest.fixture
def root_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    for handler in root.handlers:
        handler.close()
    root.handlers, root.level = handlers, level


async def test_log_lines_go_to_a_file_not_into_the_console_chat(
    fake_rasa, root_logging, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    path = logs.to_file(tmp_path / "var" / "log" / "console.log", "INFO", ["s3cret"])
    async with httpx.AsyncClient() as http:
        limits = Limits(burst_max=1)
        conv = Conversation(RasaClient(http, fake_rasa.url), MemoryStore(), "s", limits=limits)
        await _send(conv, 3)
        logging.getLogger("bot.core.conversation").warning("token s3cret")
    out = capsys.readouterr()
    assert "burst limit" not in out.err + out.out and "s3cret" not in out.err + out.out
    written = path.read_text(encoding="utf-8")
    assert "over the burst limit" in written and "token [redacted]" in written


@pytest.mark.parametrize(
    ("text", "kept", "first", "titles"),
    [
        ("hello", None, "Sorry, our assistant", ["Handloom", "Clothing", "Carpets"]),
        ("ok", "hi-Latn", "Sorry, hamara assistant", ["Handloom", "Kapde", "Kaleen"]),
        ("शॉल दिखाओ", None, "माफ़ कीजिए", ["हथकरघा", "कपड़े", "कालीन"]),
        ("ok", "ur", "معذرت", ["ہینڈلوم", "کپڑے", "قالین"]),
    ],
)
async def test_the_menu_when_rasa_is_down_is_in_the_buyers_language(
    sessions, text, kept, first, titles
):
    async with httpx.AsyncClient() as http:
        rasa = RasaClient(http, "http://127.0.0.1:9", timeout=1)  # nothing listens
        conv = Conversation(rasa, MemoryStore(), "s", sessions=sessions)
        inbound = Inbound("telegram", "77", "m1", text=text)
        if kept:
            with transaction(sessions) as s:
                customers.ensure(s, "telegram", "77", "s")
                customers.set_language(s, conv.sender(inbound), kept)
        replies = await conv.handle(inbound)
    assert replies is not None and replies[0].text.startswith(first)
    assert [b.title for b in replies[0].buttons][:3] == titles
    assert replies[0].buttons[0].payload == "show handloom"  # the word the NLU reads


def test_the_fallback_menu_defaults_to_english() -> None:
    assert fallback(["pottery"])[0].buttons[0].title == "Pottery"
    assert fallback(["pottery"], "ur")[0].buttons[0].title == "مٹی کے برتن"
