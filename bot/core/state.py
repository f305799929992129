"""Shared short-lived state (seen message ids, locks, rate limits, remembered choices, drafts).

Redis when ``REDIS_URL`` is set, so several web app processes agree; otherwise an in-process
store for a single process. Every key is built by ``key()`` and every value has a TTL.
A store that cannot be reached raises ``StoreUnavailable``; the web app then answers 503 so the
platform delivers the message again instead of losing it.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Protocol

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

PREFIX = "kaarigar"


class StoreUnavailable(Exception):
    """The shared state store could not be reached (Redis down or unreachable)."""


def key(*parts: str | int) -> str:
    return ":".join([PREFIX, *map(str, parts)])


class StateStore(Protocol):
    shared: bool
    """True when the state outlives this process (Redis): no database fallback is needed."""

    async def add_once(self, k: str, ttl: float) -> bool:
        """Set ``k`` if absent; True for the first caller only (atomic)."""

    async def get_json(self, k: str) -> Any | None: ...

    async def set_json(self, k: str, value: Any, ttl: float) -> None: ...

    async def delete(self, k: str) -> None: ...

    async def incr(self, k: str, ttl: float) -> int:
        """Increment a counter that expires ``ttl`` seconds after its first increment."""

    async def close(self) -> None: ...


class MemoryStore:
    """One process only: a dict of (value, expiry)."""

    shared = False

    def __init__(self) -> None:
        self._data: dict[str, tuple[Any, float]] = {}

    def _live(self, k: str) -> Any | None:
        item = self._data.get(k)
        if item is None:
            return None
        if item[1] < time.monotonic():
            del self._data[k]
            return None
        return item[0]

    async def add_once(self, k: str, ttl: float) -> bool:
        if self._live(k) is not None:
            return False
        self._data[k] = (1, time.monotonic() + ttl)
        return True

    async def get_json(self, k: str) -> Any | None:
        return self._live(k)

    async def set_json(self, k: str, value: Any, ttl: float) -> None:
        self._data[k] = (json.loads(json.dumps(value)), time.monotonic() + ttl)

    async def delete(self, k: str) -> None:
        self._data.pop(k, None)

    async def incr(self, k: str, ttl: float) -> int:
        current = self._live(k)
        if current is None:
            self._data[k] = (1, time.monotonic() + ttl)
            return 1
        self._data[k] = (current + 1, self._data[k][1])
        return int(current) + 1

    async def close(self) -> None:
        self._data.clear()


@asynccontextmanager
async def reachable() -> AsyncIterator[None]:
    """Turn Redis' connection failures (after its own retries) into ``StoreUnavailable``."""
    try:
        yield
    except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
        raise StoreUnavailable(str(exc)) from exc


class RedisStore:
    """Shared by every process that uses the same Redis; the client is injected."""

    shared = True

    def __init__(self, client: aioredis.Redis) -> None:
        self.redis = client

    async def add_once(self, k: str, ttl: float) -> bool:
        async with reachable():
            return bool(await self.redis.set(k, 1, nx=True, px=int(ttl * 1000)))

    async def get_json(self, k: str) -> Any | None:
        async with reachable():
            raw = await self.redis.get(k)
        return None if raw is None else json.loads(raw)

    async def set_json(self, k: str, value: Any, ttl: float) -> None:
        async with reachable():
            await self.redis.set(k, json.dumps(value), px=int(ttl * 1000))

    async def delete(self, k: str) -> None:
        async with reachable():
            await self.redis.delete(k)

    async def incr(self, k: str, ttl: float) -> int:
        async with reachable(), self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(k)
            pipe.pexpire(k, int(ttl * 1000), nx=True)
            count, _ = await pipe.execute()
        return int(count)

    async def close(self) -> None:
        await self.redis.aclose()


def redis_client(url: str) -> aioredis.Redis:
    """A client that reconnects: dead pooled connections (Redis restarted) are retried on a
    fresh one, a few times within about a second, so the first command after an outage works
    and a real outage is reported quickly instead of hanging a webhook."""
    return aioredis.from_url(
        url,
        retry=Retry(ExponentialWithJitterBackoff(base=0.05, cap=0.5), retries=3),
        retry_on_error=[RedisConnectionError, RedisTimeoutError, OSError],
        health_check_interval=10,
        socket_connect_timeout=2,
        socket_timeout=3,
    )


def make_store(redis_url: str | None) -> StateStore:
    if redis_url:
        return RedisStore(redis_client(redis_url))
    return MemoryStore()
