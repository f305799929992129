"""Staff command handling time without Rasa: ``handle()`` on a seeded SQLite database (and
PostgreSQL when reachable). Prints a table; writes ``bench/results/staff.json``.

    .venv/bin/python bench/staff_commands.py [--rounds 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import statistics
import tempfile
import time
from pathlib import Path

from bench_db import pg_db, sqlite_db
from sqlalchemy import Engine

from bot.core.messages import Inbound
from bot.core.state import MemoryStore
from bot.staff.route import StaffDeps, handle
from catalog import migrate
from catalog import staff as staffing
from catalog.db import make_sessionmaker, transaction
from catalog.orders import CartLine, Delivery, place_once
from catalog.seed import seed

OUT = Path(__file__).parent / "results" / "staff.json"
STAFF = "1001"
COMMANDS = [
    "/stock KS-101 40",
    "/restock KS-101 +1",
    "/price KS-101 2400",
    "/sold KS-201 1",
    "/hide HB-101",
    "/show HB-101",
    "/orders",
    "/order 1",  # one order with its delivery address (the order placed at setup)
    "/lowstock",
    "/report",
    "/undo",
    "/help",
    "/stock KS-999 1",  # refused: unknown SKU with suggestions
]
NOT_STAFF = "hello, do you have shawls?"  # the cost every buyer message pays before Rasa


async def fetch(_: Inbound) -> bytes:
    return b""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def measure(engine: Engine, rounds: int) -> dict[str, dict[str, float]]:
    """Per command: median and p99 milliseconds over ``rounds`` runs through ``handle``."""
    migrate.upgrade(engine)
    sessions = make_sessionmaker(engine)
    with transaction(sessions) as s:
        seed(s)
        staffing.add(s, "telegram", STAFF, role="staff", jail_code="KND")
    delivery = Delivery("A Buyer", "+919811111111", "1 Mall Road, Shimla", "171001")
    [oid] = place_once(
        sessions, "bench-buyer", [CartLine("KS-102", 1)], delivery, idempotency_key="b1"
    )
    assert oid == 1, "the /order command measured expects order 1"
    with tempfile.TemporaryDirectory() as media:
        deps = StaffDeps(sessions, MemoryStore(), fetch, Path(media))
        times: dict[str, list[float]] = {c: [] for c in [*COMMANDS, NOT_STAFF]}
        n = 0
        for _ in range(rounds):
            for cmd in times:
                n += 1
                inbound = Inbound("telegram", STAFF, str(n), text=cmd)
                t0 = time.perf_counter()
                await handle(inbound, deps)
                times[cmd].append((time.perf_counter() - t0) * 1000)
            with transaction(sessions) as s:  # keep /sold from running out of stock
                from catalog import stock as stocking

                stocking.set_stock(s, "KS-201", 15, reason="bench", actor="bench")
    everything = [t for ts in times.values() for t in ts]
    result = {
        cmd: {"median_ms": statistics.median(ts), "p99_ms": percentile(ts, 0.99)}
        for cmd, ts in times.items()
    }
    result["ALL staff commands"] = {
        "median_ms": statistics.median([t for c in COMMANDS for t in times[c]]),
        "p99_ms": percentile([t for c in COMMANDS for t in times[c]], 0.99),
    }
    result["ALL messages"] = {
        "median_ms": statistics.median(everything),
        "p99_ms": percentile(everything, 0.99),
    }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    results: dict[str, object] = {
        "rounds": args.rounds,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "databases": {},
    }
    dbs: dict[str, dict[str, dict[str, float]]] = {}
    with sqlite_db() as engine:
        dbs["sqlite"] = asyncio.run(measure(engine, args.rounds))
    try:
        with pg_db() as engine:
            dbs["postgresql"] = asyncio.run(measure(engine, args.rounds))
    except Exception as exc:  # noqa: BLE001 - no server: report SQLite alone
        print(f"PostgreSQL skipped: {type(exc).__name__}: {str(exc).splitlines()[0][:100]}")
    results["databases"] = dbs
    for db, rows in dbs.items():
        print(f"\n{db} ({args.rounds} rounds)")
        print(f"{'command':32} {'median ms':>10} {'p99 ms':>10}")
        for cmd, r in rows.items():
            print(f"{cmd:32} {r['median_ms']:10.2f} {r['p99_ms']:10.2f}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten to {OUT}")


if __name__ == "__main__":
    main()
