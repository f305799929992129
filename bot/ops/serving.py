"""Run an ASGI app under uvicorn inside the caller's event loop and learn the port it took."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import uvicorn


class EmbeddedServer(uvicorn.Server):
    """uvicorn without its own signal handlers: the caller decides when to stop."""

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@dataclass
class Running:
    server: EmbeddedServer
    task: asyncio.Task[None]
    host: str
    port: int

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def stop(self, timeout: float = 10.0) -> None:
        """Ask uvicorn to finish (lifespan shutdown included) and wait for it."""
        self.server.should_exit = True
        try:
            await asyncio.wait_for(self.task, timeout)
        except TimeoutError:
            self.server.force_exit = True
            await self.task


async def serve(app: Any, host: str = "127.0.0.1", port: int = 0, **config: Any) -> Running:
    """Start serving; port 0 picks a free one. Raises if uvicorn fails during startup."""
    config.setdefault("log_level", "warning")
    config.setdefault("log_config", None)  # uvicorn's records go to our (redacting) handlers
    server = EmbeddedServer(uvicorn.Config(app, host=host, port=port, **config))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()  # re-raise the startup error
            raise RuntimeError(f"web server on {host}:{port} stopped during startup")
        await asyncio.sleep(0.01)
    actual = server.servers[0].sockets[0].getsockname()[1]
    return Running(server, task, host, actual)
