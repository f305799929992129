"""End-to-end load: buyer conversations through the web app, and the same messages to bare Rasa.

Kaarigar path: Telegram updates (POST /telegram/webhook with the secret header) and
Twilio-signed WhatsApp webhooks into ``bot.web.create_app`` served on loopback; replies are
caught by the fake Telegram Bot API and fake Twilio REST API of ``tests/fixtures_channels.py``.
A turn's latency runs from posting the webhook to the *first* reply delivered to the fake API
(``first``), and to the last reply of the turn (``last``: the last one seen before 30 ms with
no further reply for that chat). The next message of a conversation is sent once the turn is
over; conversations run ``concurrency`` at a time, closed loop.

Bare Rasa path: the same messages with the same senders' pattern to Rasa's REST channel
(``POST /webhooks/rest/webhook``), latency of the HTTP call.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO))

# Buyer conversations: English, romanized Hindi, Devanagari.
CONVERSATIONS = [
    ["hi", "show me kullu shawls", "under 3000", "thanks"],
    ["namaste", "mujhe chappal chahiye", "peshawari wali dikhao", "dhanyavad"],
    ["नमस्ते", "कुल्लू शॉल दिखाओ", "सस्ता वाला", "धन्यवाद"],
    ["hello", "do you have carpets from bhadohi", "what is your return policy", "bye"],
    ["hi", "aam ka achaar", "kitne ka hai", "ok thanks"],
    ["hey", "wooden chair", "is it in stock", "thank you"],
]
QUIET_S = 0.03
TURN_TIMEOUT_S = 30.0
WEBHOOK_SECRET = "bench-secret-token"
TWILIO_SID = "AC" + "0" * 32
TWILIO_TOKEN = "bench-auth-token"
TWILIO_FROM = "whatsapp:+14155238886"


def pct(values: list[float], p: float) -> float | None:
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
        "throughput_per_s": round(len(ms) / wall, 2) if wall else None,
        "median_ms": round(statistics.median(ms), 1) if ms else None,
        "p95_ms": round(pct(ms, 95), 1) if ms else None,  # type: ignore[arg-type]
        "p99_ms": round(pct(ms, 99), 1) if ms else None,  # type: ignore[arg-type]
    }


class Replies:
    """Timestamps of replies per chat, fed by the fake APIs."""

    def __init__(self) -> None:
        self.times: dict[str, list[float]] = defaultdict(list)
        self.events: dict[str, asyncio.Event] = defaultdict(asyncio.Event)

    def got(self, chat: str) -> None:
        self.times[chat].append(time.perf_counter())
        self.events[chat].set()

    async def turn(self, chat: str, since: int, t0: float) -> tuple[float, float] | None:
        """(first, last) latency of the replies after the ``since``-th one, or None on timeout."""
        deadline = t0 + TURN_TIMEOUT_S
        while len(self.times[chat]) <= since:
            ev = self.events[chat]
            ev.clear()
            if len(self.times[chat]) > since:
                break
            try:
                await asyncio.wait_for(ev.wait(), max(0.001, deadline - time.perf_counter()))
            except TimeoutError:
                return None
        while True:
            n = len(self.times[chat])
            await asyncio.sleep(QUIET_S)
            if len(self.times[chat]) == n:
                break
        ts = self.times[chat]
        return ts[since] - t0, ts[-1] - t0


async def run_async(rasa_url: str, concurrency: tuple[int, ...], conversations_per_level: int,
                    log: Callable[[str], None]) -> dict[str, Any]:
    from fixtures_channels import BOT_TOKEN, FakeTelegram, FakeTwilio
    from starlette.applications import Starlette
    from starlette.routing import Route
    from twilio.request_validator import RequestValidator

    from bot.serving import serve
    from bot.settings import load
    from bot.web import create_app
    from catalog import migrate
    from catalog.db import make_engine, make_sessionmaker, transaction
    from catalog.seed import seed

    replies = Replies()
    fake_tg = FakeTelegram()
    fake_tw = FakeTwilio()

    async def tg_endpoint(request):  # type: ignore[no-untyped-def]
        resp = await FakeTelegram.endpoint(fake_tg, request)
        method, params = fake_tg.calls[-1]
        if method in ("sendMessage", "sendPhoto"):
            replies.got(f"tg:{params.get('chat_id')}")
        return resp

    async def tw_create(request):  # type: ignore[no-untyped-def]
        resp = await FakeTwilio.create(fake_tw, request)
        replies.got(f"wa:{str(fake_tw.messages[-1].get('To', '')).removeprefix('whatsapp:')}")
        return resp

    fake_tg.running = await serve(Starlette(routes=[
        Route("/bot{token}/{method}", tg_endpoint, methods=["GET", "POST"])]))
    fake_tw.running = await serve(Starlette(routes=[
        Route("/2010-04-01/Accounts/{account}/Messages.json", tw_create, methods=["POST"])]))

    tmp = Path(tempfile.mkdtemp(prefix="kaarigar-e2e-"))
    db_url = f"sqlite:///{tmp}/e2e.db"
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    with transaction(make_sessionmaker(engine)) as session:
        seed(session)
    placeholder = "http://127.0.0.1:9"  # replaced once the app's port is known
    settings = load(
        DATABASE_URL=db_url,
        RASA_URL=rasa_url,
        TELEGRAM_BOT_TOKEN=BOT_TOKEN,
        TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET,
        TELEGRAM_API_BASE_URL=fake_tg.base_url,
        TWILIO_ACCOUNT_SID=TWILIO_SID,
        TWILIO_AUTH_TOKEN=TWILIO_TOKEN,
        TWILIO_WHATSAPP_FROM=TWILIO_FROM,
        TWILIO_API_BASE_URL=fake_tw.base_url,
        PUBLIC_BASE_URL=placeholder,
        KAARIGAR_SENDER_SECRET="bench",
    )
    app = create_app(settings, sessions=make_sessionmaker(engine), outbox_interval=None,
                     namespace=f"bench-{uuid.uuid4().hex[:6]}")
    web = await serve(app)
    settings.public_base_url = web.url  # what Twilio would have signed against
    validator = RequestValidator(TWILIO_TOKEN)
    http = httpx.AsyncClient(timeout=TURN_TIMEOUT_S,
                             limits=httpx.Limits(max_connections=200, max_keepalive_connections=200))
    update_ids = iter(range(10_000_000, 99_999_999))
    run_id = uuid.uuid4().hex[:6]

    async def kaarigar_conversation(k: int, level: int, lat_first: list[float],
                                    lat_last: list[float], fails: list[int]) -> None:
        script = CONVERSATIONS[k % len(CONVERSATIONS)]
        telegram = k % 2 == 0
        uid = 7_000_000 + level * 100_000 + k
        number = f"+9198{level:02d}{k:06d}"
        chat = f"tg:{uid}" if telegram else f"wa:{number}"
        for i, text in enumerate(script):
            since = len(replies.times[chat])
            t0 = time.perf_counter()
            if telegram:
                upd = next(update_ids)
                body = {"update_id": upd, "message": {
                    "message_id": i + 1, "date": int(time.time()), "text": text,
                    "chat": {"id": uid, "type": "private"},
                    "from": {"id": uid, "is_bot": False, "first_name": "Buyer"}}}
                r = await http.post(f"{web.url}/telegram/webhook", json=body,
                                    headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET})
            else:
                form = {"MessageSid": f"SM{run_id}{level:02d}{k:05d}{i:03d}".ljust(34, "0"),
                        "AccountSid": TWILIO_SID, "From": f"whatsapp:{number}",
                        "To": TWILIO_FROM, "Body": text, "NumMedia": "0",
                        "ProfileName": "Buyer", "WaId": number.lstrip("+")}
                url = f"{web.url}/whatsapp/webhook"
                r = await http.post(url, data=form, headers={
                    "X-Twilio-Signature": validator.compute_signature(url, form)})
            if r.status_code != 200:
                fails.append(r.status_code)
                continue
            got = await replies.turn(chat, since, t0)
            if got is None:
                fails.append(0)
                continue
            lat_first.append(got[0])
            lat_last.append(got[1])

    async def rasa_conversation(k: int, level: int, lat: list[float], fails: list[int]) -> None:
        script = CONVERSATIONS[k % len(CONVERSATIONS)]
        sender = f"bench-rasa-{run_id}-{level}-{k}"
        for text in script:
            t0 = time.perf_counter()
            try:
                r = await http.post(f"{rasa_url}/webhooks/rest/webhook",
                                    json={"sender": sender, "message": text})
                ok = r.status_code == 200 and bool(r.json())
            except httpx.HTTPError:
                ok = False
            if ok:
                lat.append(time.perf_counter() - t0)
            else:
                fails.append(1)

    async def level_run(make, n: int, c: int) -> float:  # type: ignore[no-untyped-def]
        sem = asyncio.Semaphore(c)

        async def one(k: int) -> None:
            async with sem:
                await make(k)

        t0 = time.perf_counter()
        await asyncio.gather(*(one(k) for k in range(n)))
        return time.perf_counter() - t0

    levels = []
    try:
        # Warm up both paths (connections, Rasa's first-call costs) outside the measurement.
        await kaarigar_conversation(0, 99, [], [], [])
        await rasa_conversation(0, 99, [], [])
        for c in concurrency:
            n = max(c, conversations_per_level)
            kf: list[float] = []
            kl: list[float] = []
            kfail: list[int] = []
            wall_k = await level_run(
                lambda k, c=c, kf=kf, kl=kl, kfail=kfail: kaarigar_conversation(k, c, kf, kl, kfail),
                n, c)
            rl: list[float] = []
            rfail: list[int] = []
            wall_r = await level_run(
                lambda k, c=c, rl=rl, rfail=rfail: rasa_conversation(k, c, rl, rfail), n, c)
            k_stats = stats(kl, wall_k, len(kfail))
            k_stats["first_reply"] = stats(kf, wall_k, len(kfail))
            r_stats = stats(rl, wall_r, len(rfail))
            ratio = (k_stats["throughput_per_s"] / r_stats["throughput_per_s"]
                     if k_stats["throughput_per_s"] and r_stats["throughput_per_s"] else None)
            levels.append({"concurrency": c, "conversations": n, "kaarigar": k_stats,
                           "rasa": r_stats,
                           "throughput_ratio": round(ratio, 3) if ratio else None})
            log(f"e2e c={c}: kaarigar {k_stats['throughput_per_s']}/s p99 {k_stats['p99_ms']} ms; "
                f"rasa {r_stats['throughput_per_s']}/s p99 {r_stats['p99_ms']} ms")
    finally:
        await http.aclose()
        await web.stop()
        await fake_tg.running.stop()
        await fake_tw.running.stop()
        engine.dispose()
    at8 = next((lv for lv in levels if lv["concurrency"] == 8), None)
    return {
        "targets": {"throughput_ratio_min": 0.9, "p99_ms_at_8_max": 150},
        "method": __doc__.strip().splitlines()[0],
        "quiet_window_ms": QUIET_S * 1000,
        "rasa_url": rasa_url,
        "levels": levels,
        "p99_ms_at_8": at8["kaarigar"]["p99_ms"] if at8 else None,
        "throughput_ratio_at_8": at8["throughput_ratio"] if at8 else None,
    }


def run(rasa_url: str, *, concurrency: tuple[int, ...] = (1, 8, 32),
        conversations_per_level: int = 64, log: Callable[[str], None] = print) -> dict[str, Any]:
    return asyncio.run(run_async(rasa_url.rstrip("/"), concurrency, conversations_per_level, log))
