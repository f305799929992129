"""``kaarigar run``: Rasa, the action server and the web app together, stopped together.

Each part is started, then checked healthy, and its port printed; Ctrl-C or SIGTERM stops all.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import httpx
from sqlalchemy.orm import Session, sessionmaker

from bot.core.conversation import Conversation
from bot.core.rasa_client import RasaClient, http_client
from bot.core.state import MemoryStore
from bot.handlers.console import chat
from bot.ops import processes, training
from bot.ops.serving import serve
from bot.ops.settings import Settings
from bot.web import check, create_app

Echo = Callable[[str], None]


@asynccontextmanager
async def rasa_stack(settings: Settings, echo: Echo) -> AsyncIterator[Settings]:
    """Train if needed, start Rasa and the action server on free ports; settings point at it."""
    model = await asyncio.to_thread(training.train, echo=echo)
    stack = processes.RasaStack(
        model=model.model, database_url=settings.database_url, redis_url=settings.redis_url
    )
    echo("starting the action server and Rasa (about a minute)...")
    await asyncio.to_thread(stack.start)
    try:
        echo(f"action server healthy on {stack.action_url}")
        echo(f"Rasa healthy on {stack.rasa_url}")
        yield settings.model_copy(update={"rasa_url": stack.rasa_url})
    finally:
        await asyncio.to_thread(stack.stop)
        echo("Rasa and the action server stopped")


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
            await asyncio.sleep(0.5)


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
) -> None:
    """Start everything, serve until a signal (or the console chat ends), then stop it all."""
    interactive = sys.stdin.isatty() if interactive is None else interactive
    check(settings, telegram_polling=not settings.public_base_url)  # before the slow start
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        async with _maybe_rasa(settings, echo, start_rasa) as ready:
            polling = bool(ready.telegram_bot_token) and not ready.public_base_url
            app = create_app(
                ready,
                sessions=sessions,
                telegram_polling=polling,
                register_webhook=bool(ready.public_base_url),
            )
            web = await serve(
                app, host="127.0.0.1" if not ready.public_base_url else "0.0.0.0", port=ready.port
            )
            try:
                await wait_healthy(f"http://127.0.0.1:{web.port}")
                echo(f"web app healthy on http://127.0.0.1:{web.port} (KAARIGAR_PORT={ready.port})")
                if polling:
                    echo("Telegram: long polling (no PUBLIC_BASE_URL)")
                if interactive:
                    async with http_client() as http:
                        talk = asyncio.create_task(
                            chat(console_conversation(ready, http, sessions))
                        )
                        waiter = asyncio.create_task(stop.wait())
                        await asyncio.wait({talk, waiter}, return_when=asyncio.FIRST_COMPLETED)
                        waiter.cancel()
                        talk.cancel()
                else:
                    echo("running; Ctrl-C stops")
                    await stop.wait()
            finally:
                echo("stopping...")
                await web.stop()
                echo("web app stopped")
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


@asynccontextmanager
async def _maybe_rasa(settings: Settings, echo: Echo, start: bool) -> AsyncIterator[Settings]:
    if not start:
        yield settings
        return
    async with rasa_stack(settings, echo) as ready:
        yield ready
