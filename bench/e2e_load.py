"""End-to-end load: buyer conversations through the web app, and the same messages to bare Rasa.

Kaarigar path: Telegram updates (POST /telegram/webhook with the secret header) and
Twilio-signed WhatsApp webhooks into the web app (``bot.web.create_app``), which runs in its
own process as under ``kaarigar run``; replies are caught by the fake Telegram Bot API and
fake Twilio REST API of ``tests/fixtures_channels.py`` on loopback, in the load generator's
process. A turn runs from posting the webhook to the delivery of its last reply (``first``:
its first reply). How many replies each turn gets is learnt once per conversation and channel
in a warm-up (a turn is over after 300 ms without another reply), so measured turns end the
moment their last reply arrives. The next message of a conversation is sent once the turn is
over; conversations run ``concurrency`` at a time, closed loop, with no pause between turns.

Bare Rasa path: the same conversations, same messages, to Rasa's REST channel
(``POST /webhooks/rest/webhook``), a turn being the HTTP call (``bench/rasa_turns.py``).
Each level plays half its conversations through Kaarigar, then to bare Rasa, then the other
half to bare Rasa and through Kaarigar, so a machine whose load drifts favours neither path.

Between levels it reads each process's CPU time, so the report says what a turn costs in CPU
in the web app, Rasa, the action server and the load generator itself.

    .venv/bin/python bench/e2e_load.py --rasa-url http://127.0.0.1:5005 --conversations 8
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import json
import os
import select
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import rasa_turns  # noqa: E402
from footprint import cpu_seconds, named_tree, peaks, tree_cpu_seconds  # noqa: E402

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
WEBHOOK_SECRET = "bench-secret-token"
TWILIO_SID = "AC" + "0" * 32
TWILIO_TOKEN = "bench-auth-token"
TWILIO_FROM = "whatsapp:+14155238886"
CHANNELS = ("telegram", "whatsapp")
# The first line of the menu the web app sends when it could not get Rasa's answer.
FALLBACK_MARK = fallback()[0].text.splitlines()[0]


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
    from catalog import migrate
    from catalog.db import make_engine, make_sessionmaker, transaction
    from catalog.seed import seed

    url = f"sqlite:///{workdir}/kaarigar.db"
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

    async def turn(self, chat: str, since: int, expected: int | None,
                   t0: float) -> tuple[float, float, int, bool] | None:
        """(first, last latency, replies, any of them the fallback menu) of the turn after
        the ``since``-th reply.

        With ``expected`` None the turn ends after a quiet window (warm-up); otherwise when
        the ``expected``-th reply arrives, or ``STRAGGLER_S`` after the last one if it never
        does (then the count returned is short). None when no reply came at all.
        """
        if not await self._next(chat, since, t0 + TURN_TIMEOUT_S):
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

    from bot.ops.serving import serve
    from bot.ops.settings import load
    from bot.web import create_app

    prof = cProfile.Profile() if profile else None

    async def main() -> None:
        settings = load()
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

    asyncio.run(main())


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

    def __init__(self, env: dict[str, str], workdir: Path, profile: str | None = None) -> None:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--serve"]
        if profile:
            cmd += ["--profile", profile]
        self.log = workdir / "web.log"
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
async def run_async(rasa_url: str, concurrency: tuple[int, ...], conversations_per_level: int,
                    log: Callable[[str], None], *, database_url: str | None = None,
                    redis_url: str | None = None, pids: dict[str, int] | None = None,
                    profile: str | None = None) -> dict[str, Any]:
    """Play the load; ``pids`` names other processes (Rasa, action server) whose CPU to read."""
    from fixtures_channels import BOT_TOKEN, FakeTelegram, FakeTwilio
    from starlette.applications import Starlette
    from starlette.routing import Route
    from twilio.request_validator import RequestValidator

    from bot.ops.processes import free_port
    from bot.ops.serving import serve

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
    port = free_port()
    env = dict(
        os.environ,
        DATABASE_URL=database_url or seeded_sqlite(workdir),
        RASA_URL=rasa_url,
        KAARIGAR_PORT=str(port),
        TELEGRAM_BOT_TOKEN=BOT_TOKEN,
        TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET,
        TELEGRAM_API_BASE_URL=fake_tg.base_url,
        TWILIO_ACCOUNT_SID=TWILIO_SID,
        TWILIO_AUTH_TOKEN=TWILIO_TOKEN,
        TWILIO_WHATSAPP_FROM=TWILIO_FROM,
        TWILIO_API_BASE_URL=fake_tw.base_url,
        PUBLIC_BASE_URL=f"http://127.0.0.1:{port}",  # what Twilio signs against
        KAARIGAR_SENDER_SECRET="bench-only-sender-secret-0123456789",
        KAARIGAR_MEDIA_DIR=str(workdir / "media"),
    )
    env.pop("TWILIO_NOTIFY_CONTENT_SID", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    else:
        env.pop("REDIS_URL", None)
    try:
        web = await asyncio.to_thread(WebProcess, env, workdir, profile)
    except BaseException:
        await fake_tg.running.stop()
        await fake_tw.running.stop()
        raise
    validator = RequestValidator(TWILIO_TOKEN)
    http = httpx.AsyncClient(timeout=TURN_TIMEOUT_S,
                             limits=httpx.Limits(max_connections=200, max_keepalive_connections=200))
    run_no = uuid.uuid4().int % 9000 + 1000  # fresh buyers (and Rasa trackers) on every run
    update_ids = iter(range(run_no * 10**6, (run_no + 1) * 10**6))
    expected: dict[tuple[int, str], list[int]] = {}
    procs = {"web app": web.pid, **(pids or {})}  # CPU of each with its helper processes
    me = "load generator + fakes"  # this process alone: the servers are its children

    def cpu_now() -> dict[str, float | None]:
        return {**{name: tree_cpu_seconds(pid) for name, pid in procs.items()},
                me: cpu_seconds(os.getpid())}

    async def kaarigar_conversation(k: int, level: int, lat_first: list[float],
                                    lat_last: list[float], fails: list[str]) -> None:
        s, channel = script_of(k), channel_of(k)
        script = CONVERSATIONS[s]
        uid = run_no * 10**6 + level * 10**4 + k
        number = f"+91{uid:010d}"
        chat = f"tg:{uid}" if channel == "telegram" else f"wa:{number}"
        learnt = expected.setdefault((s, channel), []) if level == 0 else expected[(s, channel)]
        for i, text in enumerate(script):
            since = len(replies.times[chat])
            t0 = time.perf_counter()
            try:
                if channel == "telegram":
                    upd = next(update_ids)
                    body = {"update_id": upd, "message": {
                        "message_id": upd, "date": int(time.time()), "text": text,
                        "chat": {"id": uid, "type": "private"},
                        "from": {"id": uid, "is_bot": False, "first_name": "Buyer"}}}
                    r = await http.post(f"{web.url}/telegram/webhook", json=body, headers={
                        "X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET})
                else:
                    form = {"MessageSid": f"SM{uid:016d}{i:016d}",
                            "AccountSid": TWILIO_SID, "From": f"whatsapp:{number}",
                            "To": TWILIO_FROM, "Body": text, "NumMedia": "0",
                            "ProfileName": "Buyer", "WaId": number.lstrip("+")}
                    url = f"{web.url}/whatsapp/webhook"
                    r = await http.post(url, data=form, headers={
                        "X-Twilio-Signature": validator.compute_signature(url, form)})
            except httpx.HTTPError as exc:
                fails.append(f"webhook {type(exc).__name__}")
                continue
            if r.status_code != 200:
                fails.append(f"webhook HTTP {r.status_code}")
                continue
            got = await replies.turn(chat, since, learnt[i] if level else None, t0)
            if got is None:
                fails.append("no reply")
                continue
            if got[3]:
                fails.append("fallback menu: the web app could not get Rasa's answer")
                if level == 0:
                    learnt.append(got[2])
                continue
            if level == 0:
                learnt.append(got[2])
            elif got[2] < learnt[i]:
                fails.append(f"{got[2]} of {learnt[i]} replies")
                continue
            lat_first.append(got[0])
            lat_last.append(got[1])

    async def rasa_conversation(k: int, level: int, lat: list[float], fails: list[str]) -> None:
        await rasa_turns.conversation(http, rasa_url, f"bench-rasa-{run_no}-{level}-{k}",
                                      CONVERSATIONS[script_of(k)], lat, fails)

    async def level_run(play: Callable[[int], Awaitable[None]], ks: range, c: int,
                        spent: dict[str, Any]) -> None:
        """Conversations ``ks``, c at a time; adds the wall time and each process's CPU
        seconds to ``spent``."""
        sem = asyncio.Semaphore(c)

        async def one(k: int) -> None:
            async with sem:
                await play(k)

        cpu0 = cpu_now()
        t0 = time.perf_counter()
        await asyncio.gather(*(one(k) for k in ks))
        spent["wall"] = spent.get("wall", 0.0) + time.perf_counter() - t0
        cpu1 = cpu_now()
        for name in cpu0:
            if cpu0[name] is None or cpu1[name] is None or spent.get(name, 0.0) is None:
                spent[name] = None
            else:
                spent[name] = spent.get(name, 0.0) + cpu1[name] - cpu0[name]  # type: ignore[operator]

    def cpu_per_turn(used: dict[str, float | None], turns: int) -> dict[str, float | None]:
        return {name: round(1000 * s / turns, 1) if s is not None and turns else None
                for name, s in used.items()}

    levels: list[dict[str, Any]] = []
    try:
        # Warm-up, outside the measurement: every conversation on both channels at once, which
        # also learns how many replies each turn gets; then each conversation once to Rasa.
        warm_fails: list[str] = []
        every = len(CONVERSATIONS) * len(CHANNELS)
        await asyncio.gather(*(kaarigar_conversation(k, 0, [], [], warm_fails)
                               for k in range(every)))
        if warm_fails:
            raise RuntimeError(f"warm-up turns through the web app failed: {warm_fails[:5]}; "
                               f"web app log: {web.log.read_text()[-800:]}")
        await asyncio.gather(*(rasa_conversation(k, 0, [], []) for k in range(every)))
        if profile:
            web.proc.send_signal(signal.SIGUSR1)
        for c in concurrency:
            n = max(c, conversations_per_level)
            kf: list[float] = []
            kl: list[float] = []
            kfail: list[str] = []
            rl: list[float] = []
            rfail: list[str] = []

            async def play_k(k: int, c: int = c, kf: list[float] = kf, kl: list[float] = kl,
                             kfail: list[str] = kfail) -> None:
                await kaarigar_conversation(k, c, kf, kl, kfail)

            async def play_r(k: int, c: int = c, rl: list[float] = rl,
                             rfail: list[str] = rfail) -> None:
                await rasa_conversation(k, c, rl, rfail)

            # Kaarigar, Rasa, Rasa, Kaarigar (halves, when each keeps c conversations at
            # once): a machine getting busier or quieter during the level favours neither.
            spent_k: dict[str, Any] = {}
            spent_r: dict[str, Any] = {}
            halves = [range(n // 2), range(n // 2, n)] if n >= 2 * c else [range(n)]
            await level_run(play_k, halves[0], c, spent_k)
            for ks in halves:
                await level_run(play_r, ks, c, spent_r)
            if len(halves) == 2:
                await level_run(play_k, halves[1], c, spent_k)
            wall_k, cpu_k = spent_k.pop("wall"), spent_k
            wall_r, cpu_r = spent_r.pop("wall"), spent_r
            k_stats = stats(kl, wall_k, len(kfail))
            k_stats["first_reply"] = stats(kf, wall_k, len(kfail))
            k_stats["cpu_ms_per_turn"] = cpu_per_turn(cpu_k, len(kl))
            if kfail:
                k_stats["failure_kinds"] = sorted(set(kfail))
            r_stats = stats(rl, wall_r, len(rfail))
            r_stats["cpu_ms_per_turn"] = cpu_per_turn(cpu_r, len(rl))
            if rfail:
                r_stats["failure_kinds"] = sorted(set(rfail))
            ratio = (k_stats["throughput_per_s"] / r_stats["throughput_per_s"]
                     if k_stats["throughput_per_s"] and r_stats["throughput_per_s"] else None)
            levels.append({"concurrency": c, "conversations": n, "kaarigar": k_stats,
                           "rasa": r_stats,
                           "throughput_ratio": round(ratio, 3) if ratio else None})
            log(f"e2e c={c}: kaarigar {k_stats['throughput_per_s']}/s median "
                f"{k_stats['median_ms']} p99 {k_stats['p99_ms']} ms ({len(kfail)} failed); "
                f"rasa {r_stats['throughput_per_s']}/s median {r_stats['median_ms']} p99 "
                f"{r_stats['p99_ms']} ms ({len(rfail)} failed)")
        memory = peaks({me: os.getpid()})
        for name, pid in procs.items():
            memory.update(peaks(named_tree(name, pid)))
    finally:
        await http.aclose()
        await asyncio.to_thread(web.stop)
        await fake_tg.running.stop()
        await fake_tw.running.stop()
    at8 = next((lv for lv in levels if lv["concurrency"] == 8), None)
    extra = {"web_app_profile": {"file": profile, "top_own_time": profile_summary(profile)}
             } if profile and Path(profile).exists() else {}
    return {
        "targets": {"throughput_ratio_min": 0.9, "p99_ms_at_8_max": 150},
        "method": __doc__.strip().split("\n\n")[0].splitlines()[0],
        "conversations": {"scripts": CONVERSATIONS,
                          "channels": "Telegram and WhatsApp alternating on the Kaarigar path",
                          "replies_per_turn": {f"{ch} #{s}": v
                                               for (s, ch), v in sorted(expected.items())}},
        "state_store": "redis" if redis_url else "in-process",
        "rasa_url": rasa_url,
        "levels": levels,
        "processes": memory,
        "p99_ms_at_8": at8["kaarigar"]["p99_ms"] if at8 else None,
        "throughput_ratio_at_8": at8["throughput_ratio"] if at8 else None,
        **extra,
    }


def run(rasa_url: str, *, concurrency: tuple[int, ...] = (1, 8, 32),
        conversations_per_level: int = 32, log: Callable[[str], None] = print,
        **kwargs: Any) -> dict[str, Any]:
    return asyncio.run(run_async(rasa_url.rstrip("/"), concurrency, conversations_per_level, log,
                                 **kwargs))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--profile", help="cProfile the web app into this file")
    ap.add_argument("--rasa-url", default=os.environ.get("RASA_URL", "http://127.0.0.1:5005"))
    ap.add_argument("--concurrency", default="1,8,32")
    ap.add_argument("--conversations", type=int, default=32)
    ap.add_argument("--pid", action="append", default=[], metavar="NAME=PID",
                    help="also read this process's CPU time (e.g. 'rasa server=1234')")
    ap.add_argument("--out", type=Path, help="write the results as JSON here")
    args = ap.parse_args()
    if args.serve:
        serve_main(args.profile)
        return
    result = run(args.rasa_url, concurrency=tuple(int(c) for c in args.concurrency.split(",")),
                 conversations_per_level=args.conversations,
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
    """The section of RESULTS.md: latency and throughput per level, targets, CPU per turn."""
    t = result["targets"]
    out = [
        result["method"] + " Kaarigar: Telegram and Twilio-signed WhatsApp webhooks into the "
        "web app (its own process), replies caught by fake Telegram and Twilio APIs on "
        "loopback; a turn ends when its last reply is delivered. Bare Rasa: the same "
        f"conversations to Rasa's REST channel. State: {result['state_store']}. Targets: "
        f"Kaarigar's throughput >= {t['throughput_ratio_min']} of bare Rasa's, p99 < "
        f"{t['p99_ms_at_8_max']} ms at 8 concurrent conversations.",
        "",
        "| path | concurrent | turns | failed | turns/s | median ms | p95 ms | p99 ms | "
        "first reply median ms | Kaarigar/Rasa throughput |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for lv in result["levels"]:
        for path in ("kaarigar", "rasa"):
            s = lv[path]
            first = (s.get("first_reply") or {}).get("median_ms")
            ratio = lv["throughput_ratio"] if path == "kaarigar" else None
            out.append(f"| {'Kaarigar' if path == 'kaarigar' else 'bare Rasa'} | "
                       f"{lv['concurrency']} | {s['turns']} | {s['failures']} | "
                       f"{_ms(s['throughput_per_s'])} | {_ms(s['median_ms'])} | "
                       f"{_ms(s['p95_ms'])} | {_ms(s['p99_ms'])} | {_ms(first)} | "
                       f"{'–' if ratio is None else f'{ratio:.2f}'} |")
    out.append("")
    p99, ratio = result.get("p99_ms_at_8"), result.get("throughput_ratio_at_8")
    if p99 is not None:
        out.append(f"p99 at 8 concurrent: {p99:.1f} ms (target < {t['p99_ms_at_8_max']}): "
                   f"{'met' if p99 < t['p99_ms_at_8_max'] else '**missed**'}.")
    if ratio is not None:
        out.append(f"Throughput ratio at 8 concurrent: {ratio:.2f} (target >= "
                   f"{t['throughput_ratio_min']}): "
                   f"{'met' if ratio >= t['throughput_ratio_min'] else '**missed**'}.")
    names = sorted({n for lv in result["levels"] for p in ("kaarigar", "rasa")
                    for n in lv[p].get("cpu_ms_per_turn") or {}})
    out += ["", "CPU time per turn (ms), from /proc, by process: where a turn's work goes.", "",
            "| path | concurrent | " + " | ".join(names) + " |",
            "|---|---:|" + "---:|" * len(names)]
    for lv in result["levels"]:
        for path in ("kaarigar", "rasa"):
            cpu = lv[path].get("cpu_ms_per_turn") or {}
            out.append(f"| {'Kaarigar' if path == 'kaarigar' else 'bare Rasa'} | "
                       f"{lv['concurrency']} | " + " | ".join(_ms(cpu.get(n)) for n in names)
                       + " |")
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
