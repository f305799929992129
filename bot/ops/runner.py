"""``kaarigar run``: Rasa, the action server and the web app, together or one part at a time.

Each part is started, then checked healthy, and its port printed; Ctrl-C or SIGTERM stops all.
``parts`` picks what this process runs (``kaarigar run --only web``); a part takes the peers it
does not start from settings (``RASA_URL`` for the web app, ``KAARIGAR_ACTION_URL`` for Rasa),
and a missing one is named before anything starts. A child server that exits ends the run
(non-zero), so a supervisor (systemd, compose) restarts it.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Collection
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import httpx
from sqlalchemy.orm import Session, sessionmaker

from bot.core.conversation import Conversation
from bot.core.rasa_client import RasaClient, http_client
from bot.core.state import MemoryStore
from bot.handlers.console import chat
from bot.ops import logs, processes
from bot.ops.serving import serve
from bot.ops.settings import Settings
from bot.ops.start import PARTS, Echo, check_parts, names, plan, stamp
from bot.web import create_app
from catalog import staff as staffing

__all__ = ["PARTS", "check_parts", "run", "servers"]  # PARTS, check_parts: from bot.ops.start


@asynccontextmanager
async def servers(
    settings: Settings,
    echo: Echo,
    parts: Collection[str],
    started: float | None = None,
    stack: processes.RasaStack | None = None,
) -> AsyncIterator[tuple[Settings, processes.RasaStack]]:
    """Train if needed, start Rasa and/or the action server (at once; ``stack``: the one
    ``start.spawn_rasa_first`` began); settings point at them. Stopped on the way out."""
    t0 = time.monotonic() if started is None else started
    if stack is None:
        stack = await asyncio.to_thread(plan, settings, echo, parts, t0)
    try:
        await asyncio.to_thread(stack.spawn)  # what is not running yet
        await asyncio.to_thread(stack.wait)
        ready = settings.model_copy(update={"action_url": stack.action_url})
        if "rasa" in stack.parts:
            if not settings.redis_url and "web" not in parts:
                echo("no REDIS_URL: Rasa keeps conversations in memory, so run one Rasa only")
            ready = ready.model_copy(update={"rasa_url": stack.rasa_url})
        yield ready, stack
    finally:
        await asyncio.to_thread(stack.stop)
        stopped = names(stack.parts)
        echo(f"{stopped[0].upper()}{stopped[1:]} stopped")


@asynccontextmanager
async def rasa_stack(settings: Settings, echo: Echo) -> AsyncIterator[Settings]:
    """Rasa and the action server for this process (``kaarigar chat``)."""
    async with servers(settings, echo, PARTS) as (ready, _stack):
        yield ready


async def watch(stack: processes.RasaStack, interval: float = 1.0) -> None:
    """Return with an error when a child server exits on its own."""
    while (gone := stack.exited()) is None:
        await asyncio.sleep(interval)
    raise processes.StartError(f"{gone.name} exited ({gone.process.returncode}):\n{gone.tail()}")


async def wait_healthy(url: str, timeout: float = 60.0) -> None:
    """Poll ``/healthz`` until it answers 200."""
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient() as client:
        while True:
            try:
                if (await client.get(f"{url}/healthz", timeout=5)).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise processes.StartError(f"the web app at {url} did not become healthy")
            await asyncio.sleep(processes.POLL_SECONDS)


def console_conversation(
    settings: Settings, http: httpx.AsyncClient, sessions: sessionmaker[Session] | None
) -> Conversation:
    """A conversation for the terminal: in-memory state, the same Rasa."""
    return Conversation(
        RasaClient(http, settings.rasa_url, timeout=30),
        MemoryStore(),
        settings.sender_secret.get_secret_value(),
        sessions,
    )


async def run(
    settings: Settings,
    sessions: sessionmaker[Session],
    echo: Echo,
    *,
    interactive: bool | None = None,
    start_rasa: bool = True,
    parts: Collection[str] = PARTS,
    started: float | None = None,
    stack: processes.RasaStack | None = None,
) -> None:
    """Start the parts, serve until a signal (or the console chat ends), then stop them all.

    The console chat opens (by default) only on a terminal, with the web app in this process
    and no platform token: a deployed web app talks to buyers, not to the terminal. ``stack``:
    Rasa spawned already (``spawn_rasa_first``), ``started`` when the command began.
    """
    started = time.monotonic() if started is None else started
    chosen = frozenset(parts) - (set() if start_rasa else {"actions", "rasa"})
    check_parts(settings, chosen)  # before the slow start
    web = "web" in chosen
    if interactive is None:
        platform = settings.telegram_bot_token or settings.twilio_auth_token
        interactive = sys.stdin.isatty() and not platform
    interactive = interactive and web
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        async with AsyncExitStack() as exits:
            ready = settings
            if chosen & {"actions", "rasa"}:
                ready, stack = await exits.enter_async_context(
                    servers(settings, echo, chosen, started, stack)
                )
            if not web:
                echo("running; Ctrl-C stops")
                await _until(stop, stack)
                return
            await _web(ready, sessions, echo, started, stop, stack, interactive)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


async def _web(
    ready: Settings,
    sessions: sessionmaker[Session],
    echo: Echo,
    started: float,
    stop: asyncio.Event,
    stack: processes.RasaStack | None,
    interactive: bool,
) -> None:
    polling = bool(ready.telegram_bot_token) and not ready.public_base_url
    app = create_app(
        ready, sessions=sessions, telegram_polling=polling,
        register_webhook=bool(ready.public_base_url),
    )  # fmt: skip
    host = ready.bind_host or ("0.0.0.0" if ready.public_base_url else "127.0.0.1")
    web = await serve(app, host=host, port=ready.port)
    try:
        url = processes.local_url(host, web.port)
        await wait_healthy(url)
        echo(stamp(started, f"web app healthy on {url} (KAARIGAR_PORT={ready.port})"))
        warning = whatsapp_staff_warning(ready, sessions)
        if warning:
            echo(warning)
        if polling:
            echo("Telegram: long polling (no PUBLIC_BASE_URL)")
        if interactive:  # the terminal is the chat's now: logs go to a file
            echo(f"logs go to {logs.to_file(logs.CONSOLE_LOG, ready.log_level, ready.secrets)}")
            async with http_client() as http:
                await _until(stop, stack, chat(console_conversation(ready, http, sessions)))
        else:
            echo("running; Ctrl-C stops")
            await _until(stop, stack)
    finally:
        echo("stopping...")
        await web.stop()
        echo("web app stopped")


def whatsapp_staff_warning(settings: Settings, sessions: sessionmaker[Session]) -> str | None:
    """WhatsApp lets us write to someone only within 24 hours of their last message, unless
    through an approved template: say so when staff are on WhatsApp and no template is set."""
    if not settings.twilio_auth_token or settings.twilio_notify_content_sid:
        return None
    with sessions() as session:
        n = sum(member.channel == "whatsapp" for member in staffing.all_staff(session))
    if not n:
        return None
    return (f"warning: {n} staff on WhatsApp get new-order and payment notices only within 24 hours "
            "of their last message (later ones are sent when they next write): set "
            "TWILIO_NOTIFY_CONTENT_SID to an approved template to reach them any time")  # fmt: skip


async def _until(
    stop: asyncio.Event, stack: processes.RasaStack | None, work: Awaitable[object] | None = None
) -> None:
    """Until a signal, the end of ``work``, or (raising) the exit of a child server."""
    tasks: set[asyncio.Future[Any]] = {asyncio.ensure_future(stop.wait())}
    if work is not None:
        tasks.add(asyncio.ensure_future(work))
    watcher: asyncio.Future[Any] | None = None
    if stack is not None:
        watcher = asyncio.ensure_future(watch(stack))
    if watcher is not None:
        tasks.add(watcher)
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
    if watcher is not None and watcher.done() and not watcher.cancelled():
        watcher.result()  # a child exited: raise StartError
