"""Bare Rasa: whole turns through Rasa's REST channel, the reference for the end-to-end part.

``conversation()`` plays one buyer's messages to ``POST /webhooks/rest/webhook``, a turn being
the HTTP call; ``bench/e2e_load.py`` uses it for the bare-Rasa path. On its own this script
measures sequential and concurrent senders (median, p99) on a script with button payloads:

.venv/bin/python bench/rasa_turns.py                  # starts a stack on free ports, seeded DB
.venv/bin/python bench/rasa_turns.py --rasa-url http://127.0.0.1:5005   # an already running one
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# One buyer's conversation: NLU turns, button payloads, custom actions that read the catalog.
SCRIPT = [
    "hello",
    "show me kullu shawls",
    '/product_details{"product":"KS-101"}',
    "kitne ka hai?",
    "/view_cart",
    "what payment methods do you take?",
    "tell me about this initiative",
    "thanks",
]


async def conversation(client: httpx.AsyncClient, rasa_url: str, sender: str,
                       script: Sequence[str], latencies: list[float], failures: list[str]) -> None:
    """One sender's messages in order; each turn's seconds, or why it failed (an error
    status, an empty answer, a transport error)."""
    for text in script:
        started = time.perf_counter()
        try:
            r = await client.post(f"{rasa_url}/webhooks/rest/webhook",
                                  json={"sender": sender, "message": text})
            why = f"HTTP {r.status_code}" if r.status_code != 200 else (
                "" if r.json() else "empty answer")
        except httpx.HTTPError as exc:
            why = type(exc).__name__
        if why:
            failures.append(why)
        else:
            latencies.append(time.perf_counter() - started)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def measure(rasa_url: str, senders: int, turns: int) -> dict[str, float | None]:
    """``senders`` buyers at once, each playing SCRIPT (a new buyer per pass) for ``turns``."""
    latencies: list[float] = []
    failures: list[str] = []
    passes = max(1, turns // len(SCRIPT))

    async def buyer() -> None:
        for _ in range(passes):  # a new buyer per pass, as trackers grow with history
            await conversation(client, rasa_url, f"bench-{uuid.uuid4().hex[:8]}", SCRIPT,
                               latencies, failures)

    async with httpx.AsyncClient(timeout=60) as client:
        await conversation(client, rasa_url, "bench-warm-up", SCRIPT, [], [])
        started = time.perf_counter()
        await asyncio.gather(*(buyer() for _ in range(senders)))
        elapsed = time.perf_counter() - started
    ms = [v * 1000 for v in latencies]
    return {
        "senders": senders,
        "turns": len(ms),
        "median_ms": round(statistics.median(ms), 1) if ms else None,
        "p99_ms": round(percentile(ms, 0.99), 1) if ms else None,
        "turns_per_s": round(len(ms) / elapsed, 1),
        "failed": len(failures),
    }


def run(rasa_url: str, turns: int, concurrency: int) -> list[dict[str, float | None]]:
    return [
        asyncio.run(measure(rasa_url, 1, turns)),
        asyncio.run(measure(rasa_url, concurrency, max(1, turns // concurrency))),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rasa-url", help="use a running Rasa instead of starting one")
    parser.add_argument("--turns", type=int, default=400, help="turns per measurement")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    if args.rasa_url:
        results = run(args.rasa_url.rstrip("/"), args.turns, args.concurrency)
    else:
        from e2e_load import seeded_sqlite

        from bot.ops import processes, training

        workdir = Path(tempfile.mkdtemp(prefix="kaarigar-bench-"))
        database_url = seeded_sqlite(workdir)
        model = training.train().model
        with processes.RasaStack(model=model, database_url=database_url, workdir=workdir) as stack:
            results = run(stack.rasa_url, args.turns, args.concurrency)
    for r in results:
        print(
            f"{r['senders']:>2} sender(s): {r['turns']} turns, median {r['median_ms']} ms, "
            f"p99 {r['p99_ms']} ms, {r['turns_per_s']} turns/s, {r['failed']} failed"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
