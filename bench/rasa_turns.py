"""Full turns through Rasa's REST channel: sequential and with N concurrent senders (median, p99).

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
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot import processes, training  # noqa: E402
from catalog import migrate  # noqa: E402
from catalog.db import make_engine, make_sessionmaker, transaction  # noqa: E402
from catalog.seed import seed  # noqa: E402

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


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def sender_loop(
    client: httpx.AsyncClient, url: str, turns: int, out: list[float], empty: list[int]
) -> None:
    sender = ""
    for i in range(turns):
        if i % len(SCRIPT) == 0:  # a new buyer per conversation, as trackers grow with history
            sender = f"bench-{uuid.uuid4().hex[:8]}"
        started = time.perf_counter()
        response = await client.post(
            url, json={"sender": sender, "message": SCRIPT[i % len(SCRIPT)]}
        )
        out.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200 or not response.json():
            empty.append(i)


async def measure(rasa_url: str, senders: int, turns: int) -> dict[str, float]:
    url = f"{rasa_url}/webhooks/rest/webhook"
    latencies: list[float] = []
    empty: list[int] = []
    async with httpx.AsyncClient(timeout=60) as client:
        await sender_loop(client, url, len(SCRIPT), [], [])  # warm-up
        started = time.perf_counter()
        await asyncio.gather(
            *(sender_loop(client, url, turns, latencies, empty) for _ in range(senders))
        )
        elapsed = time.perf_counter() - started
    return {
        "senders": senders,
        "turns": len(latencies),
        "median_ms": round(statistics.median(latencies), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "turns_per_s": round(len(latencies) / elapsed, 1),
        "empty_replies": len(empty),
    }


def run(rasa_url: str, turns: int, concurrency: int) -> list[dict[str, float]]:
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
        results = run(args.rasa_url, args.turns, args.concurrency)
    else:
        workdir = Path(tempfile.mkdtemp(prefix="kaarigar-bench-"))
        database_url = f"sqlite:///{workdir}/kaarigar.db"
        engine = make_engine(database_url)
        migrate.upgrade(engine)
        with transaction(make_sessionmaker(engine)) as session:
            seed(session)
        model = training.train().model
        with processes.RasaStack(model=model, database_url=database_url, workdir=workdir) as stack:
            results = run(stack.rasa_url, args.turns, args.concurrency)
    for r in results:
        print(
            f"{r['senders']:>2} sender(s): {r['turns']} turns, median {r['median_ms']} ms, "
            f"p99 {r['p99_ms']} ms, {r['turns_per_s']} turns/s, {r['empty_replies']} empty replies"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
