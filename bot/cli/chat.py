"""``kaarigar chat`` and ``kaarigar run``: the console chat and the whole bot in one command.

``kaarigar run`` spawns Rasa (``bot.ops.start``) before importing the web app and migrating
the database: those happen while Rasa loads its model, the longest part of the start. Then,
still while Rasa loads, what the web app's process has imported (~140 000 objects) is frozen
out of the garbage collector's reach (``gc.freeze()``), as Rasa and the action server do.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Coroutine
from contextlib import AsyncExitStack
from typing import Any

import click

from bot.cli.common import Env, pass_env
from bot.ops import event_loop, logs, start
from bot.ops.processes import StartError
from bot.ops.settings import SettingsError


@click.command("chat")
@click.option("--no-start", is_flag=True, help="Use the Rasa at RASA_URL; never start one.")
@pass_env
def chat_cmd(env: Env, no_start: bool) -> None:
    """Chat with the bot in the terminal (starts Rasa and the action server unless running)."""
    from bot.core.rasa_client import RasaClient, http_client
    from bot.handlers.console import chat
    from bot.ops import runner
    from catalog import migrate

    migrate.upgrade(env.engine)

    async def main() -> None:
        async with AsyncExitStack() as stack:
            http = await stack.enter_async_context(http_client())
            settings = env.settings
            if not no_start and not await RasaClient(http, settings.rasa_url).healthy():
                settings = await stack.enter_async_context(runner.rasa_stack(settings, _err))
            where = logs.to_file(logs.CONSOLE_LOG, settings.log_level, settings.secrets)
            click.echo(f"(logs go to {where})")
            await chat(runner.console_conversation(settings, http, env.sessions))

    _run(main())


@click.command("run")
@click.option("--no-chat", is_flag=True, help="Never open the console chat.")
@click.option(
    "--only",
    "only",
    multiple=True,
    metavar="PART",
    help="Run only this part: web, actions or rasa (repeat, or comma-separate, for several). "
    "A part not run here is reached at its URL from settings: RASA_URL for the web app, "
    "KAARIGAR_ACTION_URL for Rasa.",
)
@pass_env
def run_cmd(env: Env, no_chat: bool, only: tuple[str, ...]) -> None:
    """Start Rasa, the action server and the web app; print their ports; Ctrl-C stops all."""
    started = time.monotonic()
    parts = [p.strip() for item in only for p in item.split(",") if p.strip()] or start.PARTS
    try:
        start.check_parts(env.settings, parts)  # a missing peer URL is named at once
        logs.configure(env.settings.log_level, env.settings.secrets)
        rasa = start.spawn_rasa_first(env.settings, click.echo, parts, started)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    try:  # while Rasa loads its model:
        from bot.ops import runner
        from catalog import migrate

        if "web" in parts or "actions" in parts:  # the parts that use the database
            migrate.upgrade(env.engine)
        gc.collect()  # what this process has loaded stays: out of the collector's reach
        gc.freeze()
        _run(
            runner.run(
                env.settings,
                env.sessions,
                click.echo,
                interactive=False if no_chat else None,
                parts=parts,
                started=started,
                stack=rasa,
            )
        )
    finally:
        if rasa is not None:  # stopped by the run already, unless it failed before
            rasa.stop()


def _err(message: str) -> None:
    click.echo(message, err=True)


def _run(coro: Coroutine[Any, Any, None]) -> None:
    try:
        event_loop.run(coro)
    except (SettingsError, StartError) as exc:
        raise click.ClickException(str(exc)) from None
    except KeyboardInterrupt:
        pass
