"""The parts run apart: two web app processes and two Rasa servers as real OS processes.

One PostgreSQL schema and one Redis database serve them all. The web apps are started with
the real command (``kaarigar run --only web``), Rasa with ``kaarigar run --only rasa`` (two of
them) and the action server with ``kaarigar run --only actions``. Web app A talks to Rasa A,
web app B to Rasa B, each with the other Rasa as its fallback (KAARIGAR_RASA_FALLBACK_URLS);
Rasa keeps conversations in Redis, and each web app takes the buyer's Redis lock
(bot/core/locks.py) before calling Rasa, so one buyer's turns go one at a time whichever process
gets them. The test is Telegram: it posts updates with the webhook secret to either web app, and
the bot's answers arrive at the fake Bot API served here.

The last tests kill parts mid-turn (issue 13): a Rasa server (SIGKILL to its process group
while web app A waits on it), then web app A between turns, then a web app C holding
acknowledged messages mid-turn; the web apps run with a 4 s lease (KAARIGAR_LEASE_SECONDS).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest
import redis
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bot.ops.processes import dying_with_parent, free_port
from bot.ops.serving import serve
from catalog import customers, migrate
from catalog import staff as staffing
from catalog.db import make_engine, make_sessionmaker, transaction
from catalog.models import Order
from catalog.seed import seed
from tests.conftest import PG_URL, REDIS_URL, new_schema, unavailable
from tests.fixtures_channels import BOT_TOKEN, FakeTelegram
from tests.fixtures_rasa import prepare_model
from tests.test_e2e_channels import FORM_ANSWERS, _answer, _is_kullu
from tests.web_support import PUBLIC, SENDER_SECRET, WEBHOOK_SECRET

pytestmark = [pytest.mark.rasa, pytest.mark.postgres, pytest.mark.redis]

KAARIGAR = str(Path(sys.executable).parent / "kaarigar")
REDIS_DB = 12  # Rasa's tracker keys and the web apps' keys, apart from the other tests' db
ADMIN = 990_001  # a staff admin on Telegram (sees every jail's orders)
START_TIMEOUT = 600.0  # two Rasa servers load at once on a shared 2-core machine
TURN_TIMEOUT = 60.0
LEASE = 4.0  # seconds: a dead web app's messages are taken over within about this long
KINDS = ("user", "bot")
_users = itertools.count(random.randrange(10**8, 10**9) * 10)  # fresh buyers in a kept Redis
_update_ids = itertools.count(int(time.time()) % 1_000_000 * 1000)


def _redis_url() -> str:
    parsed = urlparse(REDIS_URL)
    return parsed._replace(path=f"/{REDIS_DB}").geturl()


def wait_until(
    predicate: Callable[[], Any],
    what: str,
    timeout: float = TURN_TIMEOUT,
    context: Callable[[], object] = lambda: "",
) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := predicate()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what} {context()}")
        time.sleep(0.02)
    return found


@dataclass
class Part:
    """One ``kaarigar run --only ...`` process; its output lines are collected as they come."""

    name: str
    process: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)

    @classmethod
    def start(cls, name: str, only: str, env: dict[str, str]) -> Part:
        process = subprocess.Popen(
            dying_with_parent([KAARIGAR, "run", "--only", only, "--no-chat"]),
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        part = cls(name, process)
        threading.Thread(target=part._read, daemon=True).start()
        return part

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, prefix: str, timeout: float = START_TIMEOUT) -> str:
        def seen() -> str | None:
            if self.process.poll() is not None:
                time.sleep(0.2)  # the reader thread catches up with the last lines
                raise AssertionError(f"{self.name} exited:\n" + "\n".join(self.lines[-40:]))
            return next((line for line in self.lines if line.startswith(prefix)), None)

        return str(wait_until(seen, f"{self.name}: {prefix!r}", timeout))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # kaarigar stops its own children
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)


class ThreadedTelegram:
    """The fake Bot API on its own event loop thread, so the test itself is plain code."""

    def __init__(self) -> None:
        self.fake = FakeTelegram()
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        app = Starlette(
            routes=[Route("/bot{token}/{method}", self.fake.endpoint, methods=["GET", "POST"])]
        )
        self.fake.running = asyncio.run_coroutine_threadsafe(serve(app), self.loop).result(30)

    def to(self, chat: int) -> list[dict[str, Any]]:
        """What the bot sent to one chat (texts and photos), in order."""
        return [
            p
            for m, p in list(self.fake.calls)
            if m in ("sendMessage", "sendPhoto") and int(p.get("chat_id", 0)) == chat
        ]

    def close(self) -> None:
        assert self.fake.running is not None
        asyncio.run_coroutine_threadsafe(self.fake.running.stop(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)


@dataclass
class Cluster:
    webs: list[str]  # the two web apps' URLs
    web_parts: list[Part]
    rasas: list[str]
    rasa_parts: list[Part]
    telegram: ThreadedTelegram
    sessions: sessionmaker[Session]
    web_env: dict[str, str]  # what a further web app is started with (its port and Rasa aside)
    extras: list[Part]

    def start_web(self, name: str, rasa_url: str) -> tuple[Part, str]:
        """Another web app on the same database and Redis; stopped with the cluster."""
        port = free_port()
        env = dict(self.web_env, RASA_URL=rasa_url, KAARIGAR_PORT=str(port))
        part = Part.start(name, "web", env)
        self.extras.append(part)
        part.wait_for("web app healthy on ")
        return part, f"http://127.0.0.1:{port}"

    def tracker_users(self, user: int) -> list[str]:
        """The buyer's messages as Rasa recorded them (in Redis), in order."""
        return [t for kind, t in self.tracker(user) if kind == "user"]

    def tracker(self, user: int) -> list[tuple[str, str]]:
        """The buyer's and the bot's messages as Rasa recorded them, in order."""
        sender = customers.sender_id("telegram", str(user), SENDER_SECRET)
        for url in self.rasas:  # either Rasa reads the shared tracker
            try:
                tracker = httpx.get(f"{url}/conversations/{sender}/tracker", timeout=30).json()
                events = tracker["events"]
                return [(e["event"], e.get("text") or "") for e in events if e["event"] in KINDS]
            except httpx.HTTPError:
                continue
        raise AssertionError("no Rasa answered")


def _env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KAARIGAR_", "TELEGRAM_"))}
    env.pop("RASA_URL", None)
    env.update(KAARIGAR_LOG_LEVEL="WARNING", **values)
    return env


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    try:
        redis.Redis.from_url(_redis_url()).ping()
    except redis.RedisError as exc:
        unavailable("Redis on 127.0.0.1:6379", exc)
    admin, schema = new_schema("kmp")
    database_url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    engine = make_engine(database_url)
    migrate.upgrade(engine)  # once, before the web apps start (they upgrade too: a no-op then)
    sessions = make_sessionmaker(engine)
    with transaction(sessions) as session:
        seed(session)
        staffing.add(session, "telegram", str(ADMIN), role="admin", jail_code=None)
    model = prepare_model(sessions)
    telegram = ThreadedTelegram()
    parts: list[Part] = []
    extras: list[Part] = []  # parts the tests start
    started = time.monotonic()
    try:
        action_port = free_port()
        parts.append(
            Part.start(
                "actions",
                "actions",
                _env(DATABASE_URL=database_url, ACTION_SERVER_PORT=str(action_port)),
            )
        )
        rasa_ports = [free_port(), free_port()]
        for name, port in zip(("rasa-a", "rasa-b"), rasa_ports):
            if len(parts) > 1:  # one model load at a time: two at once on a busy 2-core
                parts[-1].wait_for("running; Ctrl-C stops")  # machine can pass Rasa's 300 s
            parts.append(
                Part.start(
                    name,
                    "rasa",
                    _env(
                        KAARIGAR_ACTION_URL=f"http://127.0.0.1:{action_port}",
                        KAARIGAR_RASA_PORT=str(port),
                        KAARIGAR_MODEL=str(model),
                        REDIS_URL=_redis_url(),
                    ),
                )
            )
        rasas = [f"http://127.0.0.1:{port}" for port in rasa_ports]
        rasa_parts = parts[1:]
        for part in parts:
            part.wait_for("running; Ctrl-C stops")
        web_ports = [free_port(), free_port()]
        webs: list[Part] = []
        web_env = _env(
            DATABASE_URL=database_url,
            REDIS_URL=_redis_url(),
            TELEGRAM_BOT_TOKEN=BOT_TOKEN,
            TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET,
            TELEGRAM_API_BASE_URL=telegram.fake.base_url,
            PUBLIC_BASE_URL=PUBLIC,
            KAARIGAR_SENDER_SECRET=SENDER_SECRET,
            KAARIGAR_BIND_HOST="127.0.0.1",
            KAARIGAR_LEASE_SECONDS=str(LEASE),
        )
        for name, port, rasa, other in zip(
            ("web-a", "web-b"), web_ports, rasas, reversed(rasas), strict=True
        ):
            env = dict(web_env, RASA_URL=rasa, KAARIGAR_RASA_FALLBACK_URLS=other)
            webs.append(Part.start(name, "web", dict(env, KAARIGAR_PORT=str(port))))
        parts += webs
        for web in webs:
            web.wait_for("web app healthy on ")
        print(f"cluster up in {time.monotonic() - started:.1f} s")
        yield Cluster(
            [f"http://127.0.0.1:{p}" for p in web_ports], webs, rasas, rasa_parts, telegram,
            sessions, web_env, extras,
        )  # fmt: skip
    finally:
        for part in reversed(parts + extras):
            part.stop()
        telegram.close()
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def _update(user: int, *, text: str | None = None, data: str | None = None) -> dict[str, Any]:
    uid = next(_update_ids)
    chat = {"id": user, "type": "private"}
    person = {"id": user, "is_bot": False, "first_name": "Buyer"}
    if data is not None:
        return {
            "update_id": uid,
            "callback_query": {
                "id": f"cq{uid}",
                "from": person,
                "chat_instance": "ci",
                "data": data,
                "message": {"message_id": 1, "date": 1_700_000_000, "chat": chat, "text": "menu",
                            "from": {"id": 123456, "is_bot": True, "first_name": "Kaarigar"}},
            },
        }  # fmt: skip
    return {
        "update_id": uid,
        "message": {"message_id": uid, "date": 1_700_000_000, "chat": chat, "from": person,
                    "text": text},
    }  # fmt: skip


def post(web: str, update: dict[str, Any]) -> int:
    response = httpx.post(
        f"{web}/telegram/webhook",
        json=update,
        headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
        timeout=30,
    )
    return response.status_code


def _text(params: dict[str, Any]) -> str:
    return str(params.get("text") or params.get("caption") or "")


def _buttons(params: dict[str, Any]) -> list[dict[str, Any]]:
    markup = params.get("reply_markup") or {}
    return [b for row in markup.get("inline_keyboard", []) for b in row]


@dataclass
class Buyer:
    """A Telegram user whose updates go to the web app the test names."""

    cluster: Cluster
    user: int

    def seen(self) -> list[dict[str, Any]]:
        return self.cluster.telegram.to(self.user)

    def send(
        self, web: int, until: Callable[[list[dict[str, Any]]], bool], *, text: str | None = None,
        data: str | None = None,
    ) -> list[dict[str, Any]]:  # fmt: skip
        """Post one update to web app ``web``; wait until its answer satisfies ``until``."""
        before = len(self.seen())
        assert post(self.cluster.webs[web], _update(self.user, text=text, data=data)) == 200
        return wait_until(  # type: ignore[no-any-return]
            lambda: (new := self.seen()[before:]) and until(new) and new,
            f"the answer to {text or data!r} through web app {'AB'[web]}",
            context=self.tail,
        )

    def tail(self) -> list[object]:
        """The last messages the buyer saw, and the web apps' last log lines, for a failure
        message."""
        seen = [(_text(m), [b["text"] for b in _buttons(m)]) for m in self.seen()[-4:]]
        webs = self.cluster.web_parts + self.cluster.extras
        return [*seen, *(f"{w.name}: {line}" for w in webs for line in w.lines[-15:])]


def _has_kullu_button(messages: list[dict[str, Any]]) -> bool:
    return any(_is_kullu(b["text"]) for m in messages for b in _buttons(m))


def _mentions(*words: str) -> Callable[[list[dict[str, Any]]], bool]:
    return lambda messages: any(all(w in _text(m) for w in words) for m in messages)


def _last_order(sessions: sessionmaker[Session]) -> Order | None:
    with sessions() as s:
        return s.scalars(select(Order).order_by(Order.id.desc())).unique().first()


def test_one_buyer_alternating_between_web_apps_buys_and_staff_see_it_on_the_other(
    cluster: Cluster,
) -> None:
    """Browse on A, pick on B, add on A, cart on B, check out alternating; the order placed
    through one web app is listed by a staff command sent through the other."""
    buyer = Buyer(cluster, next(_users))
    found = buyer.send(0, _has_kullu_button, text="kullu shawl dikhao")
    kullu = next(b for m in found for b in _buttons(m) if _is_kullu(b["text"]))
    # B decodes A's button (a long payload travels as a token kept in Redis) and knows the buyer
    picked = buyer.send(1, lambda ms: any(_buttons(m) for m in ms), data=kullu["callback_data"])
    assert any("kullu" in _text(m).lower() or "कुल्लू" in _text(m) for m in picked), picked
    added = buyer.send(0, _mentions("2 x "), text="2")  # A knows which product "2" is about
    line = next(_text(m) for m in added if "2 x " in _text(m))
    name = line.split("2 x ", 1)[1].split("(")[0].split("\n")[0].strip()
    cart = buyer.send(1, _mentions(name), text="/view_cart")  # B sees the cart A filled
    assert cart

    last_id = o.id if (o := _last_order(cluster.sessions)) else 0

    def settled(before: int) -> bool:
        seen = buyer.seen()
        return len(seen) > before and (_answerable(seen[-1]) or _placed(cluster.sessions, last_id))

    web, before = 0, len(buyer.seen())
    assert post(cluster.webs[web], _update(buyer.user, text="checkout")) == 200
    wait_until(lambda: settled(before), "the answer to checkout", context=buyer.tail)
    for _ in range(12):  # answer the checkout form, each answer through the other web app
        if _placed(cluster.sessions, last_id):
            break
        question = buyer.seen()[-1]
        answer, index = _answer(_text(question), [b["text"] for b in _buttons(question)])
        web, before = 1 - web, len(buyer.seen())
        if index is not None:
            update = _update(buyer.user, data=_buttons(question)[index]["callback_data"])
        else:
            update = _update(buyer.user, text=answer)
        assert post(cluster.webs[web], update) == 200
        wait_until(lambda: settled(before), f"the answer to {answer!r}", context=buyer.tail)  # noqa: B023
    order = _last_order(cluster.sessions)
    assert order is not None and order.id > last_id, f"no order; last: {buyer.seen()[-1]}"
    items = ", ".join(f"{line.quantity}x{line.product.sku}" for line in order.lines)
    assert items.startswith("2x"), items

    staff = Buyer(cluster, ADMIN)  # staff ask the web app that did not place the order
    # the new-order notice may reach the admin first; /orders lists the order's lines
    listed = staff.send(1 - web, _mentions(items), text="/orders")
    assert any(items in _text(m) and "placed" in _text(m) for m in listed), listed


def _answerable(message: dict[str, Any]) -> bool:
    try:
        _answer(_text(message), [b["text"] for b in _buttons(message)], FORM_ANSWERS)
    except AssertionError:
        return False
    return True


def _placed(sessions: sessionmaker[Session], after: int) -> bool:
    order = _last_order(sessions)
    return order is not None and order.id > after


def test_an_update_delivered_to_both_web_apps_is_handled_once(cluster: Cluster) -> None:
    buyer = Buyer(cluster, next(_users))
    update = _update(buyer.user, text="hello")
    statuses: list[int] = []
    threads = [
        threading.Thread(target=lambda w=web: statuses.append(post(w, update)))
        for web in cluster.webs
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200, 200]  # both acknowledge: Telegram must not retry either
    wait_until(lambda: buyer.seen(), "the answer to hello")
    # a later turn of the same buyer is answered after any other answer to "hello" would be
    buyer.send(0, _mentions(), text="/view_cart")
    assert cluster.tracker_users(buyer.user) == ["hello", "/view_cart"]


def test_messages_acknowledged_in_turn_by_alternate_web_apps_are_each_handled_once_in_turn(
    cluster: Cluster,
) -> None:
    """Like Telegram: each update is posted once the one before was acknowledged (200), without
    waiting for the answer; they alternate A, B, A, ... Every one reaches Rasa once, in the
    order sent, and one turn at a time (each answered before the next starts).

    Before issue 13's order fix the per-buyer Redis lock serialised turns but was not a queue:
    update 2 reaching B within a Redis round trip of A acknowledging update 1 could take the
    lock first (seen once in CI: hello 0, 2, 1, 3, 5, 4). Now each accepted update waits for
    the buyer's updates accepted before it (bot/core/pending.py, ``in_order``)."""
    buyer = Buyer(cluster, next(_users))
    sent = [f"hello {i}" for i in range(6)]
    for i, message in enumerate(sent):
        assert post(cluster.webs[i % 2], _update(buyer.user, text=message)) == 200
    users = wait_until(
        lambda: len(u := cluster.tracker_users(buyer.user)) >= len(sent) and u, "six turns"
    )
    assert users == sent  # none lost, none twice, in the order sent
    kinds = "".join("u" if kind == "user" else "b" for kind, _ in cluster.tracker(buyer.user))
    assert "uu" not in kinds and kinds.endswith("b"), kinds  # each answered before the next


def _signal(pids: list[int], sig: signal.Signals) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants (``kaarigar run --only rasa`` starts Rasa in its own
    session, so its process group alone would miss the server)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        found.append(todo.pop())
        todo += children.get(found[-1], [])
    return found


def _record(update: dict[str, Any]) -> dict[bytes, bytes]:
    """The web apps' pending record of an update (bot/core/pending.py); {} once answered."""
    r = redis.Redis.from_url(_redis_url())
    try:
        return r.hgetall(f"kaarigar:pending:telegram:{update['update_id']}")  # type: ignore[return-value]
    finally:
        r.close()


def _begun(update: dict[str, Any]) -> bool:
    """A web app has begun the update's turn (it is on its way to Rasa) and not finished it."""
    return b"started" in _record(update)


BUSY = "assistant is busy"  # the fallback menu: Rasa did not answer


def _answered_once(
    cluster: Cluster, buyer: Buyer, sent: list[str], *, ordered: bool = False
) -> None:
    """Each message reached Rasa once and was answered before the next; every message the bot
    said was sent to Telegram once (none lost, none twice), and none is the fallback menu."""

    def settled() -> bool:
        events = cluster.tracker(buyer.user)
        bots = sum(kind == "bot" for kind, _ in events)
        users = sum(kind == "user" for kind, _ in events)
        return (
            bool(events)
            and users >= len(sent)
            and events[-1][0] == "bot"
            and len(buyer.seen()) >= bots
        )

    wait_until(settled, f"the answers to {sent}", context=buyer.tail)
    time.sleep(LEASE + 1)  # a second answer (a second owner) would have come by now
    events = cluster.tracker(buyer.user)
    users = [t for kind, t in events if kind == "user"]
    assert users == sent if ordered else sorted(users) == sorted(sent), users
    kinds = "".join("u" if kind == "user" else "b" for kind, _ in events)
    assert "uu" not in kinds and kinds.endswith("b"), kinds
    seen = buyer.seen()
    assert len(seen) == kinds.count("b"), (buyer.tail(), events)
    assert not any(BUSY in _text(m) for m in seen), buyer.tail()


def test_killing_a_rasa_server_mid_turn_loses_and_duplicates_nothing(cluster: Cluster) -> None:
    """Rasa A is stopped (SIGSTOP), so the turns web app A sends it hang there, while web app
    B's go to Rasa B. Three buyers post alternately to A and B; once A's turns have reached
    Rasa A (their pending records say begun), Rasa A is SIGKILLed. A's requests fail with a
    reset connection: A finds the messages in no tracker and sends them to Rasa B (its
    fallback). A's next turns cannot connect to Rasa A and go to Rasa B too."""
    rasa_a = _tree(cluster.rasa_parts[0].process.pid)
    buyers = [Buyer(cluster, next(_users)) for _ in range(3)]
    sent: dict[int, list[str]] = {b.user: [] for b in buyers}
    to_a: list[dict[str, Any]] = []

    def say(buyer: Buyer, web: int, text: str) -> None:
        update = _update(buyer.user, text=text)
        assert post(cluster.webs[web], update) == 200
        sent[buyer.user].append(text)
        if web == 0:
            to_a.append(update)

    _signal(rasa_a, signal.SIGSTOP)
    try:
        for i, buyer in enumerate(buyers):
            say(buyer, i % 2, "hello")
            say(buyer, (i + 1) % 2, "namaste")
        wait_until(lambda: sum(map(_begun, to_a)) >= 2, "web app A's turns to reach Rasa A")
    finally:
        _signal(rasa_a, signal.SIGKILL)
    killed = time.monotonic()
    for buyer in buyers:
        say(buyer, 0, "/view_cart")  # Rasa A is gone: web app A goes to Rasa B at once
    for buyer in buyers:
        _answered_once(cluster, buyer, sent[buyer.user])
    print(f"all answered {time.monotonic() - killed:.1f} s after Rasa A was killed")
    assert not any(_record(u) for u in to_a)


def test_killing_a_web_app_between_turns_loses_and_duplicates_nothing(cluster: Cluster) -> None:
    """SIGKILL web app A. Updates sent to it afterwards fail to connect and are delivered to B
    (Telegram retries; nginx passes them to the next upstream); the buyer's conversation goes
    on there with its context, and each message is handled once. (An update A had acknowledged
    but not answered when it died: the next test.)"""
    buyer = Buyer(cluster, next(_users))
    found = buyer.send(0, _has_kullu_button, text="kullu shawl dikhao")  # context made on A
    kullu = next(b for m in found for b in _buttons(m) if _is_kullu(b["text"]))
    web_a = cluster.web_parts[0].process
    web_a.send_signal(signal.SIGKILL)
    assert web_a.wait(30) == -signal.SIGKILL
    refused: list[str] = []

    def deliver(update: dict[str, Any]) -> None:
        """To A first, like the upstream that had it; to B when A cannot be reached."""
        try:
            status = post(cluster.webs[0], update)
        except httpx.ConnectError:
            refused.append(str(update["update_id"]))
            status = post(cluster.webs[1], update)
        assert status == 200

    def say(until: Callable[[list[dict[str, Any]]], bool], **what: str) -> None:
        before = len(buyer.seen())
        deliver(_update(buyer.user, **what))
        wait_until(
            lambda: until(buyer.seen()[before:]), f"the answer to {what}", context=buyer.tail
        )

    say(lambda ms: any(_buttons(m) for m in ms), data=kullu["callback_data"])
    say(_mentions("2 x "), text="2")  # B knows the product picked before A died
    assert len(refused) == 2
    users = cluster.tracker_users(buyer.user)
    assert users[0] == "kullu shawl dikhao" and users[2] == "2" and len(users) == 3, users


class Stall:
    """A Rasa that takes every message and never answers: a web app's turns hang on it."""

    def __init__(self) -> None:
        self.posts: list[str] = []
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        self.released = asyncio.run_coroutine_threadsafe(self._event(), self.loop).result(5)
        app = Starlette(
            routes=[
                Route("/webhooks/rest/webhook", self.webhook, methods=["POST"]),
                Route("/", self.root, methods=["GET"]),
            ]
        )
        self.running = asyncio.run_coroutine_threadsafe(serve(app), self.loop).result(30)

    @staticmethod
    async def _event() -> asyncio.Event:
        return asyncio.Event()

    async def webhook(self, request: Request) -> Response:
        self.posts.append((await request.json())["message"])
        await self.released.wait()
        return PlainTextResponse("stopped", status_code=503)

    async def root(self, request: Request) -> Response:
        return PlainTextResponse("Hello from Rasa: 3.6.21")

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.released.set)
        asyncio.run_coroutine_threadsafe(self.running.stop(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)


def test_killing_a_web_app_holding_acknowledged_messages_loses_and_duplicates_nothing(
    cluster: Cluster,
) -> None:
    """Web app C's Rasa never answers, so C's turns hang mid-turn. C acknowledges (200) three
    updates of two buyers: two turns wait on that Rasa, the third (the first buyer's second
    message) waits for its buyer's turn. C is SIGKILLed. Once its lease expires, web app B takes
    the three over: the two begun turns are looked up in Rasa's tracker (not there) and sent to
    Rasa, the third after them. Every acknowledged message is answered once, each buyer's in
    the order sent."""
    stall = Stall()
    try:
        web_c, url_c = cluster.start_web("web-c", stall.running.url)
        first, second = Buyer(cluster, next(_users)), Buyer(cluster, next(_users))
        updates = [
            _update(first.user, text="hello"),
            _update(second.user, text="namaste"),
            _update(first.user, text="/view_cart"),
        ]
        for update in updates:
            assert post(url_c, update) == 200  # acknowledged: Telegram will not send it again
        wait_until(lambda: len(stall.posts) == 2, "web app C's two turns to reach its Rasa")
        assert _begun(updates[0]) and _begun(updates[1])
        assert _record(updates[2]) and not _begun(updates[2])  # waiting for its buyer's turn
        web_c.process.send_signal(signal.SIGKILL)
        killed = time.monotonic()
        assert web_c.process.wait(30) == -signal.SIGKILL
        _answered_once(cluster, first, ["hello", "/view_cart"], ordered=True)
        _answered_once(cluster, second, ["namaste"])
        print(f"taken over and answered within {time.monotonic() - killed:.1f} s of the kill")
        assert not any(_record(u) for u in updates)
    finally:
        stall.close()
