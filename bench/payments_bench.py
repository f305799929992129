"""Payment webhook handling time through the ASGI app: ``POST /webhooks/razorpay`` with signed
``payment_link.paid`` events, half of them the gateway's retries of an event already applied,
on SQLite and PostgreSQL (when reachable): one at a time, 8 at once (a burst: each waits for
the others, so its p99 is mostly queueing), and arriving at random (Poisson) at fixed rates, as
a gateway's webhooks do, timed from each one's arrival. Prints a table with the machine's load
(``uptime``) before and after; target p99 < 50 ms, judged on one-at-a-time and the rates.

    .venv/bin/python bench/payments_bench.py [--orders 500] [--rates 20,50]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import time

import httpx
from bench_db import PG_URL, pg_db, sqlite_db
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.core.state import MemoryStore
from bot.ops.settings import load
from bot.payments.webhooks import sign
from bot.web import create_app
from catalog import migrate, payments
from catalog import staff as staffing
from catalog import stock as stocking
from catalog.db import make_engine, make_sessionmaker, transaction
from catalog.models import Order
from catalog.orders import CartLine, Delivery, place_once
from catalog.seed import seed

SECRET = "bench-webhook-secret"
TARGET_P99_MS = 50.0
SKU, PRICE, SHIPPING = "KS-101", 240_000, 8_000
Event = tuple[bytes, dict[str, str]]


def uptime() -> str:
    """The load averages as ``uptime`` prints them."""
    out = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout
    return out.strip().split("load average:")[-1].strip()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def prepare(engine: Engine, orders: int, tag: str) -> sessionmaker[Session]:
    """Seeded catalog with staff, and ``orders`` placed orders each with an attached link."""
    migrate.upgrade(engine)
    sessions = make_sessionmaker(engine)
    with transaction(sessions) as s:
        seed(s)
        staffing.add(s, "telegram", "1001", role="staff", jail_code="KND")
        stocking.set_stock(s, SKU, orders + 10, reason="bench", actor="bench")
    delivery = Delivery("A Buyer", "+919811111111", "1 Mall Road, Shimla", "171001")
    for i in range(orders):
        [oid] = place_once(sessions, "tg-bench", [CartLine(SKU, 1)], delivery,
                           idempotency_key=f"{tag}-{i}")  # fmt: skip
        with transaction(sessions) as s:
            order = s.get(Order, oid)
            assert order is not None
            payments.start(s, order, "payment_link", external_id=f"plink_{tag}_{oid}",
                           url="https://rzp.example/x", shipping_minor=SHIPPING)  # fmt: skip
    return sessions


def events(tag: str, orders: int) -> list[Event]:
    """Each order's paid event, followed one later by a retry of the previous one."""
    firsts: list[Event] = []
    for oid in range(1, orders + 1):
        link = f"plink_{tag}_{oid}"
        payload = {
            "payment_link": {"entity": {"id": link, "reference_id": str(oid), "status": "paid"}},
            "payment": {"entity": {"id": f"pay_{tag}_{oid}", "amount": PRICE + SHIPPING,
                                   "currency": "INR", "status": "captured", "method": "upi"}},
        }  # fmt: skip
        raw = json.dumps({"event": "payment_link.paid", "payload": payload}).encode()
        headers = {"X-Razorpay-Signature": sign(raw, SECRET),
                   "X-Razorpay-Event-Id": f"evt_{tag}_{oid}", "Content-Type": "application/json"}  # fmt: skip
        firsts.append((raw, headers))
    out: list[Event] = []
    for i, event in enumerate(firsts):
        out.append(event)
        out.append(firsts[i - 1] if i else event)
    return out


async def post_all(
    engine: Engine, orders: int, concurrency: int, tag: str, rate: float | None = None
) -> dict[str, object]:
    """Post every event: ``concurrency`` senders back to back, or (``rate``) each event at its
    own Poisson arrival time, its time counted from that arrival."""
    sessions = prepare(engine, orders, tag)
    settings = load(DATABASE_URL="sqlite:///unused.db", RAZORPAY_WEBHOOK_SECRET=SECRET)
    app = create_app(settings, sessions=sessions, store=MemoryStore(), outbox_interval=None,
                     payments_interval=None)  # fmt: skip
    times: list[float] = []
    by_outcome: dict[str, list[float]] = {}
    queue = events(tag, orders)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:

            async def worker() -> None:
                while queue:
                    raw, headers = queue.pop(0)
                    t0 = time.perf_counter()
                    answer = await client.post("/webhooks/razorpay", content=raw, headers=headers)
                    times.append((time.perf_counter() - t0) * 1000)
                    assert answer.status_code == 200, answer.text
                    by_outcome.setdefault(answer.text, []).append(times[-1])

            async def arrive(at: float, event: Event) -> None:
                await asyncio.sleep(max(0.0, at - time.perf_counter()))
                answer = await client.post("/webhooks/razorpay", content=event[0], headers=event[1])
                times.append((time.perf_counter() - at) * 1000)
                assert answer.status_code == 200, answer.text
                by_outcome.setdefault(answer.text, []).append(times[-1])

            if rate is None:
                await asyncio.gather(*(worker() for _ in range(concurrency)))
            else:
                rng, moments, at = random.Random(7), [], time.perf_counter() + 0.1
                for _ in queue:
                    at += rng.expovariate(rate)
                    moments.append(at)
                await asyncio.gather(*(arrive(m, e) for m, e in zip(moments, queue)))
    return {
        "webhooks": len(times),
        "outcomes": {k: len(v) for k, v in by_outcome.items()},
        "p50_ms": statistics.median(times),
        "p99_ms": percentile(times, 0.99),
        "per_outcome_p50_p99_ms": {
            k: (round(statistics.median(v), 1), round(percentile(v, 0.99), 1))
            for k, v in by_outcome.items()
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    parser.add_argument("--orders", type=int, default=500, help="paid events (each posted twice)")
    parser.add_argument("--rates", default="20,50", help="Poisson arrival rates per second")
    args = parser.parse_args()
    rates = [float(r) for r in args.rates.split(",") if r]
    load_before = uptime()
    rows: list[tuple[str, str, dict[str, object]]] = []
    databases = [("sqlite", sqlite_db)]
    try:
        make_engine(PG_URL).connect().close()
        databases.append(("postgresql", pg_db))
    except Exception as exc:  # noqa: BLE001 - no server: SQLite only
        print(f"PostgreSQL not reachable ({type(exc).__name__}): SQLite only")
    for name, db in databases:
        levels = [("1", 1, None), ("8", 8, None)] + [(f"{r:g}/s", 0, r) for r in rates]
        for label, concurrency, rate in levels:
            with db() as engine:
                tag = f"{name}{concurrency}{int(rate or 0)}"
                result = asyncio.run(post_all(engine, args.orders, concurrency, tag, rate))
            rows.append((name, label, result))
    print(f"load average before: {load_before}; after: {uptime()}; {os.cpu_count()} CPUs")
    print(f"{'database':<11} {'arrival':>7} {'webhooks':>8} {'p50 ms':>7} {'p99 ms':>7}  "
          "count (p50, p99 ms) per outcome")  # fmt: skip
    for name, concurrency, r in rows:
        per = r["per_outcome_p50_p99_ms"]
        detail = ", ".join(f"{k} {r['outcomes'][k]} {v}" for k, v in per.items())  # type: ignore[index, union-attr]
        print(f"{name:<11} {concurrency:>7} {r['webhooks']:>8} {r['p50_ms']:>7.1f} "
              f"{r['p99_ms']:>7.1f}  {detail}")  # fmt: skip
    judged = [r for _, label, r in rows if label != "8"]  # the burst is reported, not judged
    worst = max(float(r["p99_ms"]) for r in judged)  # type: ignore[arg-type]
    print(f"target p99 < {TARGET_P99_MS:.0f} ms: {'met' if worst < TARGET_P99_MS else 'missed'}")


if __name__ == "__main__":
    main()
