"""The first steps of ``kaarigar run``, light enough to come before the web app's imports.

Loading Rasa's model is the longest part of any start, so Rasa is spawned as soon as the
settings are checked and the model is found: everything else (the web app's imports, the
database migrations, the action server, the web app itself) happens while it loads. This
module imports no SQLAlchemy, Starlette or platform SDK; ``bot.ops.runner`` takes over.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from pathlib import Path

from bot.ops import processes, training
from bot.ops.settings import Settings, SettingsError, check_channels

Echo = Callable[[str], None]
PARTS = ("web", "actions", "rasa")
NAMES = {"actions": "the action server", "rasa": "Rasa", "web": "the web app"}


def stamp(started: float, message: str) -> str:
    """A progress line with the seconds since the start: where the start-up time goes."""
    return f"{message} [{time.monotonic() - started:.1f} s]"


def check_parts(settings: Settings, parts: Collection[str]) -> None:
    """Refuse a part whose peer is neither started here nor given in settings (named)."""
    unknown = set(parts) - set(PARTS)
    if unknown or not parts:
        raise SettingsError(f"--only: choose from {', '.join(PARTS)} (got {sorted(unknown)})")
    if "web" in parts and "rasa" not in parts and "rasa_url" not in settings.model_fields_set:
        raise SettingsError(
            "RASA_URL: required to run the web app without Rasa "
            "(the Rasa server's URL, e.g. http://10.0.0.12:5005)"
        )
    if "rasa" in parts and "actions" not in parts and not settings.action_url:
        raise SettingsError(
            "KAARIGAR_ACTION_URL: required to run Rasa without the action server "
            "(the action server's URL, e.g. http://10.0.0.13:5055)"
        )
    if "web" in parts:
        check_channels(settings, telegram_polling=not settings.public_base_url)


def model(settings: Settings, echo: Echo) -> Path:
    """``KAARIGAR_MODEL``, or the model of the current training data (trained if missing)."""
    if settings.model:
        found = Path(settings.model)
        if not found.is_file():
            raise SettingsError(f"KAARIGAR_MODEL: no model file at {found}")
        return found
    return training.train(echo=echo).model


def names(parts: Collection[str]) -> str:
    """The parts named in the order they start, e.g. "Rasa and the action server"."""
    return " and ".join(NAMES[p] for p in ("rasa", "actions", "web") if p in parts)


def plan(
    settings: Settings, echo: Echo, parts: Collection[str], started: float
) -> processes.RasaStack:
    """The stack of Rasa and/or the action server for ``parts`` (the model found or trained
    first), nothing spawned yet.

    Serving a web app in this process, they listen on 127.0.0.1 at free ports; run on their
    own, on ``KAARIGAR_BIND_HOST`` (default 127.0.0.1) at ``KAARIGAR_RASA_PORT`` and
    ``ACTION_SERVER_PORT``, for web apps elsewhere.
    """
    wanted = frozenset(parts) & {"actions", "rasa"}
    private = "web" in parts
    found = model(settings, echo) if "rasa" in wanted else None
    stack = processes.RasaStack(
        model=found,
        database_url=settings.database_url,
        redis_url=settings.redis_url,
        rasa_port=0 if private else settings.rasa_port,
        action_port=0 if private else settings.action_server_port,
        parts=wanted,
        host="127.0.0.1" if private else settings.bind_host or "127.0.0.1",
        action_url_given=settings.action_url,
    )
    loads = " (Rasa loads its model in 10-30 s)..." if found else "..."
    echo(stamp(started, f"starting {names(wanted)}{loads}"))
    label = {"actions": "action server", "rasa": "Rasa"}
    stack.on_healthy = lambda server: echo(
        stamp(started, f"{label[server.name]} healthy on {server.url}")
    )
    return stack


def spawn_rasa_first(
    settings: Settings, echo: Echo, parts: Collection[str], started: float | None = None
) -> processes.RasaStack | None:
    """When ``parts`` include Rasa: find (or train) the model and spawn Rasa now, not waiting
    for it. ``runner.servers`` takes the stack over, starts the rest and waits."""
    if "rasa" not in parts:
        return None
    stack = plan(settings, echo, parts, time.monotonic() if started is None else started)
    stack.spawn({"rasa"})
    return stack
