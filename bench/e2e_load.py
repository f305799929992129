"""End-to-end load: buyer conversations through the web app, and the same messages to bare Rasa.

Kaarigar path: Telegram updates (POST /telegram/webhook with the secret header) and
Twilio-signed WhatsApp webhooks into the web app (``bot.web.create_app``), which runs in its
own process as under ``kaarigar run``; replies are caught by the fake Telegram Bot API and
fake Twilio REST API of ``tests/fixtures_channels.py`` on loopback, in the load generator's
process. A turn runs from posting the webhook to the delivery of its last reply (``first``:
its first reply). How many replies each turn gets is learnt once per conversation and channel
in a warm-up (a turn is over after 300 ms without another reply), so measured turns end the
moment their last reply arrives. The next message of a conversation is sent once the turn is
over.

Closed loop: conversations run ``concurrency`` at a time with no pause between turns; each
level plays ``--turns`` turns (1 000 by default) on each path, split over ``--repeat``
repetitions, so its p99 is taken over 1 000 turns and each repetition's figures give the
spread. Open loop: turns arrive at fixed Poisson rates (10, 20, 40, 60 per second by default)
for ``--open-seconds`` each; an arrival is the next message of a buyer who is not waiting for an
answer (a new buyer if all are), its latency runs from its arrival (so a queue in the load
generator counts), and a turn not answered within 10 s is dropped. A rate is sustained while its
p99 (the median repetition's, a dropped turn counting as slower than any) stays under 300 ms.

Bare Rasa path: the same conversations, same messages, to Rasa's REST channel
(``POST /webhooks/rest/webhook``), a turn being the HTTP call (``bench/rasa_turns.py``).
Kaarigar and bare Rasa alternate segment by segment (K, R for one repetition, R, K for the
next), and each repetition goes round every level and rate, so a machine whose load drifts
favours neither path nor any level. Every segment records the load average before and during
it and the CPU steal (``bench/machine_load.py``).

Between levels it reads each process's CPU time, so the report says what a turn costs in CPU
in the web app, Rasa, the action server and the load generator itself.

The parts run apart (issue 13): with ``multi`` (a ``Shape``: two Rasa servers on one Redis, a
PostgreSQL database) the paths ``kaarigar-multi`` and ``rasa-multi`` measure the same load on
two web app processes, each calling its own Rasa with the other as fallback, all on that
database and Redis; each buyer's turns go to the two web apps (bare: the two Rasa servers) in
turn, as a load balancer without stickiness sends them. They alternate with the single-process
paths segment by segment in the same run. ``bench/run.py`` starts those servers.

    .venv/bin/python bench/e2e_load.py --rasa-url http://127.0.0.1:5005 --turns 200 --repeat 2
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import ctypes
import itertools
import json
import math
import os
import random
import select
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import rasa_turns  # noqa: E402
from footprint import cpu_seconds, named_tree, peaks, tree_cpu_seconds  # noqa: E402
from machine_load import Load, summarise  # noqa: E402
from spread import spread  # noqa: E402

from bot.core.rasa_client import fallback  # noqa: E402

# Buyer conversations: English, romanized Hindi, Devanagari.
CONVERSATIONS = [
    ["hi", "show me kullu shawls", "under 3000", "thanks"],
    ["namaste", "mujhe chappal chahiye", "peshawari wali dikhao", "dhanyavad"],
    ["नमस्ते", "कुल्लू शॉल दिखाओ", "सस्ता वाला", "धन्यवाद"],
    ["hello", "do you have carpets from bhadohi", "what is your return policy", "bye"],
    ["hi", "aam ka achaar", "kitne ka hai", "ok thanks"],
    ["hey", "wooden chair", "is it in stock", "thank you"],
]
CALIBRATION_QUIET_S = 0.3  # warm-up: a turn is over after this long without a reply
STRAGGLER_S = 1.0  # measured turn: give up on missing replies this long after the last one
TURN_TIMEOUT_S = 30.0
OPEN_TIMEOUT_S = 10.0  # open loop: a turn not answered this long after it arrived is dropped
OPEN_P99_TARGET_MS = 300.0  # open loop: a rate is sustained while its p99 stays under this
OPEN_RATE_TARGET = 40.0  # turns/s Kaarigar should sustain on a 2-core machine (issue 13)
WEBHOOK_SECRET = "bench-secret-token"
SENDER_SECRET = "bench-only-sender-secret-0123456789"
TWILIO_SID = "AC" + "0" * 32
TWILIO_TOKEN = "bench-auth-token"
TWILIO_FROM = "whatsapp:+14155238886"
CHANNELS = ("telegram", "whatsapp")
# The first line of the menu the web app sends when it could not get Rasa's answer.
FALLBACK_MARK = fallback()[0].text.splitlines()[0]
# Every web app's PUBLIC_BASE_URL (the same behind a load balancer); Twilio signs this URL.
PUBLIC_BASE_URL = "https://shop.bench.invalid"
# What is measured: each path of each shape (``--paths``), in this order in the report.
PATHS = ("kaarigar", "rasa", "kaarigar-multi", "rasa-multi")
LABELS = {"kaarigar": "Kaarigar", "rasa": "bare Rasa",
          "kaarigar-multi": "Kaarigar, 2 web apps + 2 Rasa", "rasa-multi": "bare Rasa, 2 servers"}


def split_path(path: str) -> tuple[str, str]:
    """'kaarigar-multi' -> ('kaarigar', 'multi'); 'rasa' -> ('rasa', 'single')."""
    kind, _, shape = path.partition("-")
    return kind, shape or "single"


@dataclass
class Shape:
    """The servers one shape's turns go to. Single: one web app (on ``rasa_urls[0]``). Multi:
    one web app per Rasa server, with the other Rasa servers as its fallbacks, all on one
    database and one Redis; a buyer's turns go to the web apps (on the bare path: the Rasa
    servers) in turn, as a load balancer without stickiness would send them."""

    rasa_urls: list[str]
    database_url: str | None = None  # None: a seeded SQLite file
    redis_url: str | None = None  # None: the web app keeps its state in memory
    pids: dict[str, list[int]] = field(default_factory=dict)  # its servers, whose CPU is read


def script_of(k: int) -> int:
    """Conversation k plays this script (each script on both channels in turn)."""
    return (k // len(CHANNELS)) % len(CONVERSATIONS)


def channel_of(k: int) -> str:
    return CHANNELS[k % len(CHANNELS)]


def pct(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile."""
    if not values:
        return None
    s = sorted(values)
    return s[max(0, min(len(s) - 1, int(-(-p * len(s) // 100)) - 1))]


def stats(latencies: list[float], wall: float, failures: int) -> dict[str, Any]:
    ms = [v * 1000 for v in latencies]
    return {
        "turns": len(ms),
        "failures": failures,
        "seconds": round(wall, 2),
        "throughput_per_s": round(len(ms) / wall, 2) if wall and ms else None,
        "median_ms": round(statistics.median(ms), 1) if ms else None,
        "p95_ms": round(pct(ms, 95), 1) if ms else None,  # type: ignore[arg-type]
        "p99_ms": round(pct(ms, 99), 1) if ms else None,  # type: ignore[arg-type]
    }


def seeded_sqlite(workdir: Path) -> str:
    """A migrated SQLite database with the demo catalog; its URL."""
    return seeded(f"sqlite:///{workdir}/kaarigar.db")


def seeded(url: str) -> str:
    """Migrate the database at ``url`` and load the demo catalog; the URL."""
    from catalog import migrate
    from catalog.db import make_engine, make_sessionmaker, transaction
    from catalog.seed import seed

    engine = make_engine(url)
    migrate.upgrade(engine)
    with transaction(make_sessionmaker(engine)) as session:
        seed(session)
    engine.dispose()
    return url


class Replies:
    """Arrival times of the replies per chat, fed by the fake APIs."""

    def __init__(self) -> None:
        self.times: dict[str, list[float]] = defaultdict(list)
        self.fallback: dict[str, list[bool]] = defaultdict(list)
        self.events: dict[str, asyncio.Event] = defaultdict(asyncio.Event)

    def got(self, chat: str, text: str) -> None:
        self.times[chat].append(time.perf_counter())
        self.fallback[chat].append(FALLBACK_MARK in text)
        self.events[chat].set()

    async def _next(self, chat: str, count: int, until: float) -> bool:
        """Wait until ``chat`` has more than ``count`` replies; False at ``until``."""
        ev = self.events[chat]
        while len(self.times[chat]) <= count:
            ev.clear()
            if len(self.times[chat]) > count:
                break
            try:
                await asyncio.wait_for(ev.wait(), max(0.0, until - time.perf_counter()))
            except TimeoutError:
                return False
        return True

    async def turn(self, chat: str, since: int, expected: int | None, t0: float,
                   timeout: float = TURN_TIMEOUT_S) -> tuple[float, float, int, bool] | None:
        """(first, last latency, replies, any of them the fallback menu) of the turn after
        the ``since``-th reply.

        With ``expected`` None the turn ends after a quiet window (warm-up); otherwise when
        the ``expected``-th reply arrives, or ``STRAGGLER_S`` after the last one if it never
        does (then the count returned is short). None when no reply came at all.
        """
        if not await self._next(chat, since, t0 + timeout):
            return None
        quiet = CALIBRATION_QUIET_S if expected is None else STRAGGLER_S
        while expected is None or len(self.times[chat]) - since < expected:
            n = len(self.times[chat])
            if not await self._next(chat, n, self.times[chat][-1] + quiet):
                break
        end = None if expected is None else since + expected
        ts = self.times[chat][since:end]
        return ts[0] - t0, ts[-1] - t0, len(ts), any(self.fallback[chat][since:end])


# ------------------------------------------------------------------ the web app's process
def serve_main(profile: str | None) -> None:
    """The web app from the environment's settings, as `kaarigar run` builds it; prints
    ``PORT <n>`` once serving and stops on SIGTERM. With ``profile``, cProfile runs from
    SIGUSR1 (sent after the warm-up) to the stop and its stats are written there."""
    import cProfile
    import gc

    from bot.ops import logs
    from bot.ops.event_loop import run
    from bot.ops.serving import serve
    from bot.ops.settings import load
    from bot.web import create_app

    prof = cProfile.Profile() if profile else None

    async def main() -> None:
        settings = load()
        logs.configure(settings.log_level, settings.secrets)  # to web-*.log, as `kaarigar run`
        app = create_app(settings)  # as `kaarigar run` does, outbox worker included
        web = await serve(app, port=settings.port)
        print(f"PORT {web.port}", flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        if prof is not None:
            loop.add_signal_handler(signal.SIGUSR1, prof.enable)
        await stop.wait()
        if prof is not None and profile:
            prof.disable()
            prof.dump_stats(profile)
        await web.stop()

    gc.collect()  # as `kaarigar run` does (bot/cli/chat.py): what is imported stays, out of
    gc.freeze()  # the collector's reach
    run(main())  # the event loop `kaarigar run` serves on


def profile_summary(path: str, top: int = 15) -> list[dict[str, Any]]:
    """The functions the web app spent most time in (own time), from cProfile stats."""
    import pstats

    st = pstats.Stats(path).stats  # type: ignore[attr-defined]
    rows = sorted(st.items(), key=lambda kv: kv[1][2], reverse=True)[:top]
    return [{"function": f"{Path(f).name}:{line}({name})", "calls": nc,
             "own_s": round(tt, 3), "with_callees_s": round(ct, 3)}
            for (f, line, name), (_cc, nc, tt, ct, _callers) in rows]


def _die_with_parent() -> None:
    """In the child: get SIGTERM when the load generator dies, however it dies (Linux)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class WebProcess:
    """``python bench/e2e_load.py --serve`` with the settings in its environment."""

    def __init__(self, env: dict[str, str], workdir: Path, profile: str | None = None,
                 name: str = "web") -> None:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--serve"]
        if profile:
            cmd += ["--profile", profile]
        self.log = workdir / f"{name}.log"
        with self.log.open("wb") as err:
            self.proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE,
                                         stderr=err, text=True, preexec_fn=_die_with_parent)
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], 60)
        line = self.proc.stdout.readline() if ready else ""
        if not line.startswith("PORT "):
            self.stop()
            raise RuntimeError(f"the web app did not start: {self.log.read_text()[-800:]}")
        self.url = f"http://127.0.0.1:{int(line.split()[1])}"

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


# ------------------------------------------------------------------ the load
def _arrivals(rate: float, seconds: float, rng: random.Random) -> list[float]:
    """Poisson arrival times (seconds from the start) at ``rate`` per second over ``seconds``."""
    out: list[float] = []
    t = rng.expovariate(rate)
    while t < seconds:
        out.append(t)
        t += rng.expovariate(rate)
    return out


def _open_stats(latencies: list[float], dropped: int, wall: float, offered: int,
                lags: list[float]) -> dict[str, Any]:
    """One open-loop segment: percentiles over every arrival, a dropped turn counting as
    slower than any answer (so p99 is None when more than 1 % were dropped)."""
    ms = sorted(v * 1000 for v in latencies)
    every = ms + [float("inf")] * dropped

    def p(q: float) -> float | None:
        v = pct(every, q) if every else None
        return None if v is None or v == float("inf") else round(v, 1)

    return {
        "offered": offered,
        "answered": len(ms),
        "dropped": dropped,
        "late": sum(1 for v in ms if v > OPEN_P99_TARGET_MS),
        "seconds": round(wall, 2),
        "achieved_per_s": round(len(ms) / wall, 2) if wall else None,
        "median_ms": p(50),
        "p99_ms": p(99),
        "max_ms": round(ms[-1], 1) if ms else None,
        "send_lag_p99_ms": round(pct(sorted(x * 1000 for x in lags), 99) or 0.0, 1) if lags else None,
    }


def forget_trackers(redis_url: str, uids: range) -> int:
    """Delete the Rasa trackers of buyers ``uids`` (either path) from Redis, where Rasa would
    keep them for a week; how many there were."""
    import redis

    from catalog.customers import sender_id

    senders = [s for uid in uids for s in (
        f"bench-rasa-{uid}", sender_id("telegram", str(uid), SENDER_SECRET),
        sender_id("whatsapp", f"+91{uid:010d}", SENDER_SECRET))]
    keys = [f"kaarigar:tracker:{s}" for s in senders]  # processes.endpoints' key_prefix
    with redis.Redis.from_url(redis_url) as r:
        return sum(r.delete(*keys[i:i + 1000]) for i in range(0, len(keys), 1000))


def _pooled(segments: list[dict[str, Any]], key: str = "latencies") -> list[float]:
    return [v for s in segments for v in s[key]]


def _closed_entry(ss: list[dict[str, Any]]) -> dict[str, Any]:
    """One path at one closed-loop level: pooled over its repetitions, with their spread."""
    lat = _pooled(ss)
    wall = sum(s["stats"]["seconds"] for s in ss)
    fails = [f for s in ss for f in s["fails"]]
    cpu: dict[str, float | None] = {}
    for name in ss[0]["cpu"]:
        vals = [s["cpu"][name] for s in ss]
        cpu[name] = (None if any(v is None for v in vals) or not lat
                     else round(1000 * sum(vals) / len(lat), 1))
    entry = {
        **stats(lat, wall, len(fails)),
        "pooled": "turns, failures and percentiles over every repetition",
        "first_reply": stats(_pooled(ss, "first"), wall, len(fails)),
        "cpu_ms_per_turn": cpu,
        "repetitions": [s["stats"] for s in ss],
        "spread": {key: spread([s["stats"][key] for s in ss])
                   for key in ("throughput_per_s", "median_ms", "p99_ms")},
    }
    if fails:
        entry["failure_kinds"] = sorted(set(fails))
    return entry


def _open_entry(ss: list[dict[str, Any]]) -> dict[str, Any]:
    """One path at one open-loop rate: pooled, the spread, and the median repetition's p99."""
    reps = [s["stats"] for s in ss]
    pooled = _open_stats(_pooled(ss), sum(s["dropped"] for s in ss),
                         sum(r["seconds"] for r in reps), sum(r["offered"] for r in reps), [])
    pooled.pop("send_lag_p99_ms")
    p99s = [r["p99_ms"] if r["p99_ms"] is not None else float("inf") for r in reps]
    return {
        **pooled,
        "repetitions": reps,
        "spread": {key: spread([r[key] for r in reps])
                   for key in ("median_ms", "p99_ms", "achieved_per_s")},
        # the figure judged: the median repetition's p99 (a dropped turn = slow)
        "p99_ms_median": (None if statistics.median(p99s) == float("inf")
                          else round(statistics.median(p99s), 1)),
        "within_target": statistics.median(p99s) < OPEN_P99_TARGET_MS,
    }


def _ratio(over: list[dict[str, Any]], under: list[dict[str, Any]],
           key: str) -> dict[str, Any] | None:
    """``key`` of one path over another's, per repetition (they ran in the same one)."""
    return spread([a["stats"][key] / b["stats"][key] for a, b in zip(over, under, strict=True)
                   if a["stats"][key] and b["stats"][key]], 3)


async def run_async(rasa_url: str, concurrency: tuple[int, ...], turns_per_level: int,
                    log: Callable[[str], None], *, repeat: int = 3,
                    rates: tuple[float, ...] = (10, 20, 40, 60), open_seconds: float = 15.0,
                    database_url: str | None = None, redis_url: str | None = None,
                    pids: dict[str, int] | None = None, profile: str | None = None,
                    seed: int = 13, multi: Shape | None = None,
                    paths: tuple[str, ...] = ("kaarigar", "rasa")) -> dict[str, Any]:
    """Play the load; ``pids`` names other processes (Rasa, action server) whose CPU to read.

    ``rasa_url``, ``database_url``, ``redis_url`` and ``pids`` make the single shape; ``multi``
    the multi-process one, measured when ``paths`` names its paths (``kaarigar-multi``,
    ``rasa-multi``). Closed loop: each level plays at least ``turns_per_level`` turns on each
    path, split over ``repeat`` repetitions. Open loop: ``repeat`` times, each rate for
    ``open_seconds`` on each path. The paths alternate segment by segment (the order reversed
    every other repetition), and the repetitions go round all levels and rates in turn."""
    from fixtures_channels import BOT_TOKEN, FakeTelegram, FakeTwilio
    from starlette.applications import Starlette
    from starlette.routing import Route
    from twilio.request_validator import RequestValidator

    from bot.ops.processes import free_port
    from bot.ops.serving import serve

    repeat = max(1, repeat)
    paths = tuple(p for p in PATHS if p in paths)  # the report's order
    shapes = {"single": Shape([rasa_url], database_url, redis_url,
                              {n: [p] for n, p in (pids or {}).items()})}
    if multi is not None:
        shapes["multi"] = multi
    missing = sorted({split_path(p)[1] for p in paths} - set(shapes))
    if missing or not paths:
        raise ValueError(f"no servers for the {missing or 'chosen'} shape: paths {paths}")
    replies = Replies()
    fake_tg = FakeTelegram()
    fake_tw = FakeTwilio()

    async def tg_endpoint(request):  # type: ignore[no-untyped-def]
        resp = await fake_tg.endpoint(request)
        method, params = fake_tg.calls[-1]
        if method in ("sendMessage", "sendPhoto"):
            replies.got(f"tg:{params.get('chat_id')}",
                        str(params.get("text") or params.get("caption") or ""))
        fake_tg.calls.clear()  # nothing reads them back; keep memory flat
        return resp

    async def tw_create(request):  # type: ignore[no-untyped-def]
        resp = await fake_tw.create(request)
        sent = fake_tw.messages.pop()
        replies.got(f"wa:{str(sent.get('To', '')).removeprefix('whatsapp:')}",
                    str(sent.get("Body") or ""))
        return resp

    # Keep idle connections open as long as the real APIs do (uvicorn's default is 5 s).
    fake_tg.running = await serve(Starlette(routes=[
        Route("/bot{token}/{method}", tg_endpoint, methods=["GET", "POST"])]),
        timeout_keep_alive=120)
    fake_tw.running = await serve(Starlette(routes=[
        Route("/2010-04-01/Accounts/{account}/Messages.json", tw_create, methods=["POST"])]),
        timeout_keep_alive=120)
    workdir = Path(tempfile.mkdtemp(prefix="kaarigar-e2e-"))
    base_env = dict(
        os.environ,
        TELEGRAM_BOT_TOKEN=BOT_TOKEN,
        TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET,
        TELEGRAM_API_BASE_URL=fake_tg.base_url,
        TWILIO_ACCOUNT_SID=TWILIO_SID,
        TWILIO_AUTH_TOKEN=TWILIO_TOKEN,
        TWILIO_WHATSAPP_FROM=TWILIO_FROM,
        TWILIO_API_BASE_URL=fake_tw.base_url,
        PUBLIC_BASE_URL=PUBLIC_BASE_URL,
        KAARIGAR_SENDER_SECRET=SENDER_SECRET,
        KAARIGAR_MEDIA_DIR=str(workdir / "media"),
    )
    for name in ("TWILIO_NOTIFY_CONTENT_SID", "REDIS_URL", "KAARIGAR_RASA_FALLBACK_URLS"):
        base_env.pop(name, None)

    def start_webs(shape: str) -> list[WebProcess]:
        """The shape's web apps, one per Rasa server, each with the others as its fallbacks."""
        sh = shapes[shape]
        env = dict(base_env, DATABASE_URL=sh.database_url or seeded_sqlite(workdir),
                   **({"REDIS_URL": sh.redis_url} if sh.redis_url else {}))
        started: list[WebProcess] = []
        try:
            for i, url in enumerate(sh.rasa_urls):
                others = ",".join(u for u in sh.rasa_urls if u != url)
                started.append(WebProcess(
                    dict(env, RASA_URL=url, KAARIGAR_PORT=str(free_port()),
                         **({"KAARIGAR_RASA_FALLBACK_URLS": others} if others else {})),
                    workdir, profile if shape == "single" else None, f"web-{shape}-{i}"))
        except BaseException:
            for w in started:
                w.stop()
            raise
        return started

    webs: dict[str, list[WebProcess]] = {}
    try:
        for path in paths:
            kind, shape = split_path(path)
            if kind == "kaarigar":
                webs[shape] = await asyncio.to_thread(start_webs, shape)
    except BaseException:
        for ws in webs.values():
            for w in ws:
                w.stop()
        await fake_tg.running.stop()
        await fake_tw.running.stop()
        raise
    validator = RequestValidator(TWILIO_TOKEN)
    http = httpx.AsyncClient(timeout=TURN_TIMEOUT_S,
                             limits=httpx.Limits(max_connections=400, max_keepalive_connections=400))
    run_no = uuid.uuid4().int % 9000 + 1000  # fresh buyers (and Rasa trackers) on every run
    update_ids = itertools.count(run_no * 10**7)
    buyer_ids = itertools.count(run_no * 10**6)  # one per conversation, on either path
    expected: dict[tuple[str, int, str], list[int]] = {}  # (shape, script, channel): replies
    # CPU of each with its helper processes; a name may stand for several processes
    procs = {("web app" if shape == "single" else f"web apps ({shape})"): [w.pid for w in ws]
             for shape, ws in webs.items()}
    for shape in {split_path(p)[1] for p in paths}:
        procs.update(shapes[shape].pids)
    me = "load generator + fakes"  # this process alone: the servers are its children

    def cpu_now() -> dict[str, float | None]:
        out: dict[str, float | None] = {me: cpu_seconds(os.getpid())}
        for name, pids_ in procs.items():
            each = [tree_cpu_seconds(pid) for pid in pids_]
            out[name] = None if None in each else sum(each)  # type: ignore[arg-type]
        return out

    # ---- one turn on each path: (first, last) reply latency from ``t0``, or why it failed
    async def kaarigar_turn(shape: str, web: str, uid: int, s: int, channel: str, i: int,
                            t0: float, warm: bool,
                            timeout: float = TURN_TIMEOUT_S) -> tuple[float, float] | str:
        text = CONVERSATIONS[s][i]
        number = f"+91{uid:010d}"
        chat = f"tg:{uid}" if channel == "telegram" else f"wa:{number}"
        key = (shape, s, channel)
        learnt = expected.setdefault(key, []) if warm else expected[key]
        since = len(replies.times[chat])
        try:
            if channel == "telegram":
                upd = next(update_ids)
                body = {"update_id": upd, "message": {
                    "message_id": upd, "date": int(time.time()), "text": text,
                    "chat": {"id": uid, "type": "private"},
                    "from": {"id": uid, "is_bot": False, "first_name": "Buyer"}}}
                r = await http.post(f"{web}/telegram/webhook", json=body, headers={
                    "X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET})
            else:
                form = {"MessageSid": f"SM{uid:016d}{i:016d}",
                        "AccountSid": TWILIO_SID, "From": f"whatsapp:{number}",
                        "To": TWILIO_FROM, "Body": text, "NumMedia": "0",
                        "ProfileName": "Buyer", "WaId": number.lstrip("+")}
                signed = f"{PUBLIC_BASE_URL}/whatsapp/webhook"  # the URL behind the balancer
                r = await http.post(f"{web}/whatsapp/webhook", data=form, headers={
                    "X-Twilio-Signature": validator.compute_signature(signed, form)})
        except httpx.HTTPError as exc:
            return f"webhook {type(exc).__name__}"
        if r.status_code != 200:
            return f"webhook HTTP {r.status_code}"
        got = await replies.turn(chat, since, None if warm else learnt[i], t0, timeout)
        if got is None:
            return "no reply"
        if warm:
            learnt.append(got[2])
        if got[3]:
            return "fallback menu: the web app could not get Rasa's answer"
        if not warm and got[2] < learnt[i]:
            return f"{got[2]} of {learnt[i]} replies"
        return got[0], got[1]

    async def rasa_turn(url: str, sender: str, s: int, i: int,
                        t0: float) -> tuple[float, float] | str:
        lat: list[float] = []
        fails: list[str] = []
        await rasa_turns.conversation(http, url, sender, [CONVERSATIONS[s][i]], lat, fails)
        if fails:
            return fails[0]
        # rasa_turns times from its own start; the open loop counts from the arrival
        done = time.perf_counter() - t0
        return done, done

    async def turn(path: str, uid: int, s: int, channel: str, i: int, t0: float,
                   warm: bool = False, timeout: float = TURN_TIMEOUT_S) -> tuple[float, float] | str:
        """Turn ``i`` of buyer ``uid`` on ``path``; a shape with several servers gets a buyer's
        turns in turn (no stickiness)."""
        kind, shape = split_path(path)
        if kind == "kaarigar":
            ws = webs[shape]
            return await kaarigar_turn(shape, ws[(uid + i) % len(ws)].url, uid, s, channel, i,
                                       t0, warm, timeout)
        urls = shapes[shape].rasa_urls
        return await rasa_turn(urls[(uid + i) % len(urls)], f"bench-rasa-{uid}", s, i, t0)

    async def conversation(path: str, k: int, warm: bool, seg: dict[str, Any]) -> None:
        """Conversation ``k``'s script on ``path``, each turn once the last is answered."""
        s, channel = script_of(k), channel_of(k)
        uid = next(buyer_ids)
        for i in range(len(CONVERSATIONS[s])):
            got = await turn(path, uid, s, channel, i, time.perf_counter(), warm)
            if isinstance(got, str):
                seg["fails"].append(got)
                if path.startswith("kaarigar") and warm and not got.startswith("fallback"):
                    return
                continue
            seg["first"].append(got[0])
            seg["latencies"].append(got[1])

    async def settle(most_s: float = 10.0) -> float:
        """Wait until the servers are idle (under a fifth of a core between them over half a
        second), so work left over from an overloaded segment (turns given up on, which the
        servers still finish) is not charged to the next one. Returns the seconds waited."""
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < most_s:
            a = cpu_now()
            await asyncio.sleep(0.5)
            b = cpu_now()
            used = sum((b[n] or 0.0) - (a[n] or 0.0) for n in procs)
            if used < 0.1:
                break
        return round(time.perf_counter() - t0, 2)

    def new_segment() -> dict[str, Any]:
        return {"latencies": [], "first": [], "fails": []}

    async def closed_segment(path: str, c: int, ks: range) -> dict[str, Any]:
        seg = new_segment()
        sem = asyncio.Semaphore(c)

        async def one(k: int) -> None:
            async with sem:
                await conversation(path, k, False, seg)

        cpu0 = cpu_now()
        with Load() as load:
            t0 = time.perf_counter()
            await asyncio.gather(*(one(k) for k in ks))
            wall = time.perf_counter() - t0
        cpu1 = cpu_now()
        seg["stats"] = stats(seg["latencies"], wall, len(seg["fails"]))
        seg["stats"]["load"] = load.record
        seg["cpu"] = {n: (None if cpu0[n] is None or cpu1[n] is None else cpu1[n] - cpu0[n])  # type: ignore[operator]
                      for n in cpu0}
        return seg

    async def open_segment(path: str, arrivals: list[float]) -> dict[str, Any]:
        """Turns arriving at the given times (seconds from the start); each arrival is the
        next message of a conversation that is not waiting for an answer (a new buyer if
        every one is), timed from its arrival, dropped after OPEN_TIMEOUT_S."""
        idle: collections.deque[tuple[int, int, str, int]] = collections.deque()
        convs = itertools.count()
        seg = new_segment()
        dropped: list[str] = []
        lags: list[float] = []
        # the web app gives up on Rasa itself; bare Rasa is given up on here
        limit = OPEN_TIMEOUT_S + (STRAGGLER_S + 1 if path.startswith("kaarigar") else 0)

        async def one(conv: tuple[int, int, str, int], t_arrival: float) -> None:
            uid, s, channel, i = conv
            try:
                got = await asyncio.wait_for(
                    turn(path, uid, s, channel, i, t_arrival, timeout=OPEN_TIMEOUT_S), limit)
            except TimeoutError:
                got = "timed out"
            if isinstance(got, str) or got[1] > OPEN_TIMEOUT_S:
                dropped.append(got if isinstance(got, str) else "answered after the timeout")
                return  # this buyer is left alone: a late reply could land in its next turn
            seg["latencies"].append(got[1])
            seg["first"].append(got[0])
            if i + 1 < len(CONVERSATIONS[s]):
                idle.append((uid, s, channel, i + 1))

        tasks = []
        with Load() as load:
            start = time.perf_counter() + 0.05
            for at in arrivals:
                delay = start + at - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                lags.append(max(0.0, time.perf_counter() - (start + at)))
                if idle:
                    conv = idle.popleft()
                else:
                    k = next(convs)
                    conv = (next(buyer_ids), script_of(k), channel_of(k), 0)
                tasks.append(asyncio.create_task(one(conv, start + at)))
            await asyncio.gather(*tasks)
            wall = time.perf_counter() - start
        out = _open_stats(seg["latencies"], len(dropped), wall, len(arrivals), lags)
        out["load"] = load.record
        out["settled_s"] = await settle()
        if dropped:
            out["drop_kinds"] = sorted(set(dropped))
        seg["stats"] = out
        seg["dropped"] = len(dropped)
        return seg

    levels: list[dict[str, Any]] = []
    open_loop: list[dict[str, Any]] = []
    try:
        # Warm-up, outside the measurement: every conversation on both channels at once on each
        # web app path, which also learns how many replies each turn gets; then each
        # conversation once on each bare Rasa path.
        every = len(CONVERSATIONS) * len(CHANNELS)
        for path in paths:
            warm = new_segment()
            kaarigar = path.startswith("kaarigar")
            await asyncio.gather(*(conversation(path, k, kaarigar, warm) for k in range(every)))
            if kaarigar and warm["fails"]:
                logs = "; ".join(w.log.read_text()[-800:] for w in webs[split_path(path)[1]])
                raise RuntimeError(f"warm-up turns through the web app ({path}) failed: "
                                   f"{warm['fails'][:5]}; web app log: {logs}")
        if profile and "single" in webs:
            webs["single"][0].proc.send_signal(signal.SIGUSR1)
        # Conversations per repetition of a level: enough for turns_per_level over them all.
        per_conv = statistics.mean(len(s) for s in CONVERSATIONS)
        segs: dict[tuple[int, str], list[dict[str, Any]]] = defaultdict(list)
        opens: dict[tuple[float, str], list[dict[str, Any]]] = defaultdict(list)
        rng = random.Random(seed)
        k0 = 0
        convs_per_level: dict[int, int] = defaultdict(int)
        for rep in range(repeat):
            order = paths if rep % 2 == 0 else paths[::-1]
            for c in concurrency:
                n = max(c, math.ceil(turns_per_level / per_conv / repeat))
                convs_per_level[c] += n
                for path in order:
                    seg = await closed_segment(path, c, range(k0, k0 + n))
                    segs[(c, path)].append(seg)
                    st = seg["stats"]
                    log(f"e2e closed c={c} rep {rep + 1}/{repeat} {path}: "
                        f"{st['throughput_per_s']}/s median {st['median_ms']} p99 {st['p99_ms']} "
                        f"ms, {st['failures']} failed, load {st['load']}")
                k0 += n
            for rate in rates:
                # the same arrival times for every path within a repetition
                arrivals = _arrivals(rate, open_seconds, rng)
                for path in order:
                    seg = await open_segment(path, arrivals)
                    opens[(rate, path)].append(seg)
                    st = seg["stats"]
                    log(f"e2e open {rate}/s rep {rep + 1}/{repeat} {path}: p50 "
                        f"{st['median_ms']} p99 {st['p99_ms']} ms, {st['late']} late, "
                        f"{st['dropped']} dropped of {st['offered']}, load {st['load']}")
        for c in concurrency:
            level: dict[str, Any] = {"concurrency": c, "conversations": convs_per_level[c]}
            level.update({path: _closed_entry(segs[(c, path)]) for path in paths})
            if {"kaarigar", "rasa"} <= set(paths):
                level["throughput_ratio_spread"] = _ratio(
                    segs[(c, "kaarigar")], segs[(c, "rasa")], "throughput_per_s")
                level["throughput_ratio"] = (level["throughput_ratio_spread"] or {}).get("median")
            # multi over single, per repetition: what the multi-process shape costs or gains
            if {"kaarigar-multi", "rasa-multi"} <= set(paths):
                level["throughput_ratio_multi_spread"] = _ratio(
                    segs[(c, "kaarigar-multi")], segs[(c, "rasa-multi")], "throughput_per_s")
            level["multi_over_single"] = {
                kind: _ratio(segs[(c, f"{kind}-multi")], segs[(c, kind)], "throughput_per_s")
                for kind in ("kaarigar", "rasa") if {kind, f"{kind}-multi"} <= set(paths)}
            levels.append(level)
        for rate in rates:
            open_loop.append({"rate_per_s": rate,
                              **{path: _open_entry(opens[(rate, path)]) for path in paths}})
        memory = peaks({me: os.getpid()})
        for name, pids_ in procs.items():
            for j, pid in enumerate(pids_):
                memory.update(peaks(named_tree(name if len(pids_) == 1 else f"{name} {j}", pid)))
    finally:
        await http.aclose()
        used = range(run_no * 10**6, next(buyer_ids))
        for redis_at in {shapes[split_path(p)[1]].redis_url for p in paths} - {None}:
            with contextlib.suppress(Exception):  # a leftover tracker is no reason to fail
                log(f"e2e: {await asyncio.to_thread(forget_trackers, redis_at, used)} Rasa trackers "
                    "deleted from Redis")
        for ws in webs.values():
            for w in ws:
                await asyncio.to_thread(w.stop)
        await fake_tg.running.stop()
        await fake_tw.running.stop()
    at8 = next((lv for lv in levels if lv["concurrency"] == 8 and "kaarigar" in lv), None)
    extra = {"web_app_profile": {"file": profile, "top_own_time": profile_summary(profile)}
             } if profile and Path(profile).exists() else {}

    def sustained(path: str) -> float | None:
        ok = [row["rate_per_s"] for row in open_loop if row[path]["within_target"]]
        return max(ok) if ok else None

    sus = {path: sustained(path) for path in paths}
    both = open_loop and {"kaarigar", "rasa"} <= set(paths)
    load_all = [s["stats"]["load"] for ss in segs.values() for s in ss] + \
               [s["stats"]["load"] for ss in opens.values() for s in ss]
    return {
        "targets": {"throughput_ratio_min": 0.9, "p99_ms_at_8_max": 150,
                    "open_loop_p99_ms_max": OPEN_P99_TARGET_MS,
                    "open_loop_sustained_per_s_min": OPEN_RATE_TARGET},
        "method": __doc__.strip().split("\n\n")[0].splitlines()[0],
        "repeat": repeat,
        "turns_per_level": turns_per_level,
        "open_loop_seconds": open_seconds,
        "paths": list(paths),
        "conversations": {"scripts": CONVERSATIONS,
                          "channels": "Telegram and WhatsApp alternating on the Kaarigar path",
                          "replies_per_turn": {
                              f"{ch} #{s}" if shape == "single" else f"{shape}: {ch} #{s}": v
                              for (shape, s, ch), v in sorted(expected.items())}},
        "state_store": "redis" if redis_url else "in-process",
        "rasa_url": rasa_url,
        "shapes": {name: {"rasa_urls": sh.rasa_urls,
                          "web_apps": len(webs.get(name, [])),
                          "database": (sh.database_url or "sqlite").split(":", 1)[0],
                          "state_store": "redis" if sh.redis_url else "in-process"}
                   for name, sh in shapes.items() if any(split_path(p)[1] == name for p in paths)},
        "levels": levels,
        "open_loop": open_loop,
        "sustained_per_s": sus,
        "sustained_target_met": (None if "kaarigar" not in sus or not open_loop else
                                 (sus["kaarigar"] or 0) >= OPEN_RATE_TARGET),
        "no_worse_than_rasa": (None if not both else
                               (sus["kaarigar"] or 0) >= (sus["rasa"] or 0)),
        "load": summarise(load_all),
        "processes": memory,
        "p99_ms_at_8": at8["kaarigar"]["p99_ms"] if at8 else None,
        "p99_ms_at_8_spread": at8["kaarigar"]["spread"]["p99_ms"] if at8 else None,
        "throughput_ratio_at_8": at8.get("throughput_ratio") if at8 else None,
        **extra,
    }


def run(rasa_url: str, *, concurrency: tuple[int, ...] = (1, 8, 32),
        turns_per_level: int = 1000, log: Callable[[str], None] = print,
        **kwargs: Any) -> dict[str, Any]:
    return asyncio.run(run_async(rasa_url.rstrip("/"), concurrency, turns_per_level, log,
                                 **kwargs))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--profile", help="cProfile the web app into this file")
    ap.add_argument("--rasa-url", default=os.environ.get("RASA_URL", "http://127.0.0.1:5005"))
    ap.add_argument("--concurrency", default="1,8,32")
    ap.add_argument("--turns", type=int, default=1000,
                    help="turns per closed-loop level and path, over all repetitions")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--rates", default="10,20,40,60", help="open-loop arrival rates per second")
    ap.add_argument("--open-seconds", type=float, default=15.0)
    ap.add_argument("--pid", action="append", default=[], metavar="NAME=PID",
                    help="also read this process's CPU time (e.g. 'rasa server=1234')")
    ap.add_argument("--out", type=Path, help="write the results as JSON here")
    args = ap.parse_args()
    if args.serve:
        serve_main(args.profile)
        return
    result = run(args.rasa_url, concurrency=tuple(int(c) for c in args.concurrency.split(",")),
                 turns_per_level=args.turns, repeat=args.repeat,
                 rates=tuple(float(r) for r in args.rates.split(",") if r),
                 open_seconds=args.open_seconds,
                 log=lambda m: print(m, file=sys.stderr), profile=args.profile,
                 pids={n: int(p) for n, _, p in (a.rpartition("=") for a in args.pid)})
    text = json.dumps(result, indent=2, ensure_ascii=False)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()


# ------------------------------------------------------------------ report
def _ms(v: float | None) -> str:
    return "–" if v is None else f"{v:.1f}"


def markdown(result: dict[str, Any]) -> list[str]:
    """The section of RESULTS.md: closed-loop levels and open-loop rates with the spread of
    their repetitions, every target with met/missed, the load, CPU per turn."""
    from machine_load import text as load_text
    from spread import met, show

    t = result["targets"]
    reps = result.get("repeat", 1)
    paths = result.get("paths") or ["kaarigar", "rasa"]
    out = [
        result["method"] + " Kaarigar: Telegram and Twilio-signed WhatsApp webhooks into the "
        "web app (its own process), replies caught by fake Telegram and Twilio APIs on "
        "loopback; a turn ends when its last reply is delivered. Bare Rasa: the same "
        f"conversations to Rasa's REST channel. State: {result['state_store']}. Each figure is "
        f"the median of {reps} repetitions with their range in brackets (min-max); the paths "
        "alternate segment by segment in the same run.",
        "",
    ]
    multi = (result.get("shapes") or {}).get("multi")
    if multi:
        out += [f"**The parts run apart** (paths marked 2 web apps / 2 servers): "
                f"{multi['web_apps'] or 'no'} web app processes (the web app as `kaarigar run "
                "--only web` builds it), each with its own Rasa server and the other as its "
                f"fallback, {len(multi['rasa_urls'])} Rasa servers and one action server "
                "(`bot.ops.processes.RasaStack`), all on one PostgreSQL database and one Redis "
                "(Rasa's Redis tracker and lock stores; the web apps' accepted and pending "
                "messages, per-buyer order and lock). Each buyer's turns go to the web apps in "
                "turn (bare Rasa: to the Rasa servers in turn), as a load balancer without "
                "stickiness sends them. The single shape is one web app and one Rasa on "
                f"{result['shapes'].get('single', {}).get('database', 'sqlite')}, state "
                f"{result['state_store']}. On one machine two processes of each add no CPU: "
                "the multi figures show what the shape costs (a shared tracker store, "
                "PostgreSQL, the order kept across processes), not scale-out; two Rasa "
                "processes may still use a core one leaves idle, and take a bigger share of a "
                "shared machine. CPU per turn (below) is the steadiest measure of the cost.", ""]
    out += [
        f"Machine load: {load_text(result.get('load') or {})}.",
        "",
        f"### Closed loop ({result.get('turns_per_level')} turns per level and path, over all "
        "repetitions)",
        "",
        "| path | concurrent | turns | failed | turns/s | median ms | p99 ms | p99 ms, all turns "
        "| first reply median ms | Kaarigar/Rasa throughput |"
        + (" multi/single throughput |" if multi else ""),
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|" + ("---:|" if multi else ""),
    ]
    for lv in result["levels"]:
        for path in paths:
            s = lv[path]
            sp = s.get("spread") or {}
            first = (s.get("first_reply") or {}).get("median_ms")
            kind, shape = split_path(path)
            ratio = (lv.get("throughput_ratio_spread" if shape == "single" else
                            f"throughput_ratio_{shape}_spread") if kind == "kaarigar" else None)
            vs_single = (lv.get("multi_over_single") or {}).get(kind) if shape == "multi" else None
            out.append(f"| {LABELS[path]} | {lv['concurrency']} | {s['turns']} | "
                       f"{s['failures']} | {show(sp.get('throughput_per_s'))} | "
                       f"{show(sp.get('median_ms'))} | {show(sp.get('p99_ms'))} | "
                       f"{_ms(s['p99_ms'])} | {_ms(first)} | {show(ratio, 2)} |"
                       + (f" {show(vs_single, 2)} |" if multi else ""))
    out.append("")
    p99, ratio = result.get("p99_ms_at_8"), result.get("throughput_ratio_at_8")
    if p99 is not None:
        out.append(f"- Kaarigar p99 at 8 concurrent (all turns): {p99:.1f} ms, per repetition "
                   f"{show(result.get('p99_ms_at_8_spread'))} (target < {t['p99_ms_at_8_max']} "
                   f"ms): {met(p99 < t['p99_ms_at_8_max'])}.")
    if ratio is not None:
        out.append(f"- Throughput Kaarigar / bare Rasa at 8 concurrent: {ratio:.2f} (target >= "
                   f"{t['throughput_ratio_min']}): {met(ratio >= t['throughput_ratio_min'])}.")
    if result.get("open_loop"):
        out += ["", f"### Open loop (Poisson arrivals, {result.get('open_loop_seconds')} s per "
                "rate and path in each repetition)", "",
                "Late: answered after 300 ms; dropped: not answered within 10 s (or an error "
                "or the fallback menu). Latency runs from the turn's arrival. p50 and p99 are "
                "the median repetition's, with the range. Send lag: how late the load generator "
                "sent a turn after its arrival time (p99, the worst repetition); when it is "
                "large the generator, which also hosts the fake Telegram and Twilio APIs, was "
                "short of CPU itself, and the latencies count that delay too.", "",
                "| rate/s | path | offered | answered | late | dropped | p50 ms | p99 ms | "
                "answered/s | send lag p99 ms | p99 < 300 ms |",
                "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
        for row in result["open_loop"]:
            for path in paths:
                s = row[path]
                sp = s["spread"]
                lags = [r.get("send_lag_p99_ms") for r in s.get("repetitions", [])]
                lag = max((v for v in lags if v is not None), default=None)
                p99s = show(sp.get("p99_ms")) if sp.get("p99_ms") and sp["p99_ms"]["n"] == reps \
                    else (_ms(s["p99_ms_median"]) if s["p99_ms_median"] is not None
                          else "> 10 s (drops)")
                out.append(f"| {row['rate_per_s']:g} | {LABELS[path]} | "
                           f"{s['offered']} | {s['answered']} | {s['late']} | {s['dropped']} | "
                           f"{show(sp.get('median_ms'))} | {p99s} | "
                           f"{show(sp.get('achieved_per_s'))} | {_ms(lag)} | "
                           f"{'yes' if s['within_target'] else 'no'} |")
        sus = result["sustained_per_s"]

        def r(v: float | None) -> str:
            return "none of the rates" if v is None else f"{v:g} turns/s"

        out += ["", f"- Highest rate with p99 < {t['open_loop_p99_ms_max']:.0f} ms: "
                + ", ".join(f"{LABELS[p]} {r(sus.get(p))}" for p in paths) + "."]
        if result.get("sustained_target_met") is not None:
            out.append(f"- Kaarigar sustains >= {t['open_loop_sustained_per_s_min']:g} turns/s: "
                       f"{met(result.get('sustained_target_met'))}.")
        if result.get("no_worse_than_rasa") is not None:
            out.append(f"- Kaarigar no worse than bare Rasa (highest sustained rate): "
                       f"{met(result.get('no_worse_than_rasa'))}.")
    names = sorted({n for lv in result["levels"] for p in paths
                    for n in lv[p].get("cpu_ms_per_turn") or {}})
    out += ["", "CPU time per turn (ms, closed loop, all repetitions), from /proc, by process: "
            "where a turn's work goes (PostgreSQL and Redis, shared with other work, are not "
            "counted).", "",
            "| path | concurrent | " + " | ".join(names) + " |",
            "|---|---:|" + "---:|" * len(names)]
    for lv in result["levels"]:
        for path in paths:
            cpu = lv[path].get("cpu_ms_per_turn") or {}
            out.append(f"| {LABELS[path]} | {lv['concurrency']} | "
                       + " | ".join(_ms(cpu.get(n)) for n in names) + " |")
    out.append("")
    prof = result.get("web_app_profile")
    if prof:
        out += [f"Where the web app spent its time during the measured levels (cProfile, own "
                f"time, `{prof['file']}`). This run was profiled: the web app's CPU times and "
                "the Kaarigar latencies above include cProfile's overhead.", "",
                "| function | calls | own s | with callees s |",
                "|---|---:|---:|---:|"]
        out += [f"| `{r['function']}` | {r['calls']} | {r['own_s']} | {r['with_callees_s']} |"
                for r in prof["top_own_time"][:10]]
        out.append("")
    return out
