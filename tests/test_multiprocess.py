"""The parts run apart: two web app processes and two Rasa servers as real OS processes.

One PostgreSQL schema and one Redis database serve them all. The web apps are started with
the real command (``kaarigar run --only web``), Rasa with ``kaarigar run --only rasa`` (two of
them) and the action server with ``kaarigar run --only actions``. Web app A talks to Rasa A,
web app B to Rasa B; Rasa keeps conversations in Redis, and each web app takes the buyer's
Redis lock (bot/core/locks.py) before calling Rasa, so one buyer's turns go one at a time
whichever process gets them. The test is Telegram: it posts updates with the webhook secret to
either web app, and the bot's answers arrive at the fake Bot API served here.
"""

from __future__ import annotations

import asyncio
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
from starlette.routing import Route

from bot.ops.processes import free_port
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
            [KAARIGAR, "run", "--only", only, "--no-chat"],
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
    telegram: ThreadedTelegram
    sessions: sessionmaker[Session]

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
        for part in parts:
            part.wait_for("running; Ctrl-C stops")
        web_ports = [free_port(), free_port()]
        webs: list[Part] = []
        for name, port, rasa in zip(("web-a", "web-b"), web_ports, rasas):
            webs.append(
                Part.start(
                    name,
                    "web",
                    _env(
                        DATABASE_URL=database_url,
                        REDIS_URL=_redis_url(),
                        RASA_URL=rasa,
                        TELEGRAM_BOT_TOKEN=BOT_TOKEN,
                        TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET,
                        TELEGRAM_API_BASE_URL=telegram.fake.base_url,
                        PUBLIC_BASE_URL=PUBLIC,
                        KAARIGAR_SENDER_SECRET=SENDER_SECRET,
                        KAARIGAR_BIND_HOST="127.0.0.1",
                        KAARIGAR_PORT=str(port),
                    ),
                )
            )
        parts += webs
        for web in webs:
            web.wait_for("web app healthy on ")
        print(f"cluster up in {time.monotonic() - started:.1f} s")
        yield Cluster([f"http://127.0.0.1:{p}" for p in web_ports], webs, rasas, telegram, sessions)
    finally:
        for part in reversed(parts):
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

    def tail(self) -> list[tuple[str, list[str]]]:
        """The last messages the buyer saw, for a failure message."""
        return [(_text(m), [b["text"] for b in _buttons(m)]) for m in self.seen()[-4:]]


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
    listed = staff.send(1 - web, _mentions(f"{order.id} "), text="/orders")
    assert any(items in _text(m) for m in listed), listed


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
    waiting for the answer; they alternate A, B, A, ... Every one reaches Rasa once, and one
    turn at a time (each answered before the next starts).

    Their order is not asserted: the per-buyer Redis lock serialises turns but is not a queue, so
    when update 2 reaches B within a Redis round trip of A acknowledging update 1, B may take the
    lock first (seen once in CI: hello 0, 2, 1, 3, 5, 4). Strict order across web apps needs a
    per-buyer sequence number given at acceptance (README, deployment: known limits). Messages
    sent after the previous answer keep their order and context (the purchase test above)."""
    buyer = Buyer(cluster, next(_users))
    sent = [f"hello {i}" for i in range(6)]
    for i, message in enumerate(sent):
        assert post(cluster.webs[i % 2], _update(buyer.user, text=message)) == 200
    users = wait_until(
        lambda: len(u := cluster.tracker_users(buyer.user)) >= len(sent) and u, "six turns"
    )
    assert sorted(users) == sent  # none lost, none twice
    kinds = "".join("u" if kind == "user" else "b" for kind, _ in cluster.tracker(buyer.user))
    assert "uu" not in kinds and kinds.endswith("b"), kinds  # each answered before the next


def test_killing_a_web_app_between_turns_loses_and_duplicates_nothing(cluster: Cluster) -> None:
    """SIGKILL web app A. Updates sent to it afterwards fail to connect and are delivered to B
    (Telegram retries; nginx passes them to the next upstream); the buyer's conversation goes
    on there with its context, and each message is handled once.

    Not covered, because it does not work today (see the README's deployment section): an
    update A had acknowledged but not yet answered when it died is lost."""
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
