"""The event loop of the processes that serve buyers (``kaarigar run``, ``kaarigar chat``).

Its own module: ``kaarigar run`` imports it before it spawns Rasa, when nothing of the web app
(uvicorn, Starlette, the database) may be loaded yet (tests/test_start_sequence.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` on uvloop's event loop where uvloop is installed (not on Windows), else
    on the standard one. A web app turn is mostly event-loop and socket work (the webhook, the
    call to Rasa, the replies): uvloop does that in C."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(main)
