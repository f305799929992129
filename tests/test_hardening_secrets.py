"""Buyers' numbers, addresses and the platforms' tokens never reach a log, and real tokens are
refused with the development pseudonym key (issue 10, items 6 and 8)."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.ops import logs
from bot.ops.settings import DEV_SENDER_SECRET, SettingsError, load
from catalog.db import make_sessionmaker
from catalog.models import Customer
from tests.fixtures_channels import BOT_TOKEN, FakeRasa, FakeTelegram, FakeTwilio, wait_until
from tests.web_support import (
    AUTH_TOKEN,
    SENDER_SECRET,
    post_tg,
    post_wa,
    running_app,
    settings_for,
    tg_text_update,
    wa_form,
)

NUMBER = "+919812345678"
ADDRESS = "12 Mall Road, Shimla 171001"


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """Everything logged at DEBUG, through a handler that carries the redacting filter."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root, httpx_log = logging.getLogger(), logging.getLogger("httpx")
    levels = root.level, httpx_log.level  # `kaarigar run` in other tests quiets httpx
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    httpx_log.setLevel(logging.NOTSET)
    logs.install([AUTH_TOKEN, SENDER_SECRET, BOT_TOKEN], root=_only(handler))
    yield stream
    root.removeHandler(handler)
    root.setLevel(levels[0])
    httpx_log.setLevel(levels[1])


def _only(handler: logging.Handler) -> logging.Logger:
    """A logger holding just ``handler``, so ``install`` filters it and not pytest's own."""
    holder = logging.Logger("holder")
    holder.addHandler(handler)
    return holder


async def test_debug_logs_of_a_failed_whatsapp_send_and_a_telegram_turn_hold_no_number_or_token(
    sqlite_engine: Engine,
    fake_rasa: FakeRasa,
    fake_telegram: FakeTelegram,
    fake_twilio: FakeTwilio,
    captured: io.StringIO,
) -> None:
    settings = settings_for(str(sqlite_engine.url), fake_rasa, fake_telegram, fake_twilio)
    fake_twilio.invalid.add(f"whatsapp:{NUMBER}")
    sessions = make_sessionmaker(sqlite_engine)
    async with running_app(settings, sessions) as (_, client):
        assert (await post_wa(client, wa_form(NUMBER, f"ship to {ADDRESS}"))).status_code == 200
        assert (await post_tg(client, tg_text_update(7_012_345_678, "hello"))).status_code == 200
        await wait_until(lambda: bool(fake_twilio.refused), "the refused WhatsApp send")
        await fake_telegram.wait_for("sendMessage")
        await wait_until(lambda: "not a valid phone" in captured.getvalue(), "the Twilio error")
    out = captured.getvalue()
    assert "Traceback" in out  # the error path did log, with its traceback
    assert "/sendMessage" in out  # httpx's DEBUG line for the Telegram call is there too
    for secret in (NUMBER, NUMBER.lstrip("+"), "7012345678", BOT_TOKEN, AUTH_TOKEN, "171001"):
        assert secret not in out
    assert logs.REDACTED in out


def test_a_logged_database_error_carries_no_parameters_or_row(
    engine: Engine, captured: io.StringIO
) -> None:
    sessions: sessionmaker[Session] = make_sessionmaker(engine)
    row = {"sender_id": "wh-x", "channel": None, "phone": NUMBER, "address": ADDRESS}
    with sessions() as session, pytest.raises(IntegrityError) as failed:
        session.execute(insert(Customer).values(**row))  # channel is NOT NULL
    assert "parameters hidden" in str(failed.value)  # SQLAlchemy's part of the text
    logging.getLogger("kaarigar.test").error("insert failed", exc_info=failed.value)
    out = captured.getvalue()
    assert "IntegrityError" in out
    assert NUMBER not in out and "Mall Road" not in out  # PostgreSQL quotes the failing row


@pytest.mark.parametrize(
    "text",
    [
        "Twilio: The 'To' number whatsapp:+92 300 1234567 is not valid",
        "POST https://api.telegram.org/bot123456789:AAH4xyzABCDEFGHIJKLmnopqrstuvwx/sendMessage",
        "connect redis://default:s3cr3tpass@cache:6379/0 failed",
        "chat 5012345678 failed",
    ],
)
def test_redact_blanks_numbers_tokens_and_url_passwords(text: str) -> None:
    out = logs.redact(text)
    assert logs.REDACTED in out
    for secret in ("1234567", "AAH4xyz", "s3cr3tpass", "5012345678"):
        assert secret not in out


def test_redact_keeps_order_numbers_sizes_and_times() -> None:
    text = "order 1042 shipped at 17:06:15, 2 x KS-101 for Rs 2,400"
    assert logs.redact(text) == text


@pytest.mark.parametrize("token", ["TELEGRAM_BOT_TOKEN", "TWILIO_AUTH_TOKEN"])
@pytest.mark.parametrize("secret", [None, DEV_SENDER_SECRET, "short"])
def test_real_tokens_with_the_development_pseudonym_key_are_refused(
    token: str, secret: str | None
) -> None:
    values = {token: "123456:real-looking-token"}
    if secret is not None:
        values["KAARIGAR_SENDER_SECRET"] = secret
    with pytest.raises(SettingsError, match="KAARIGAR_SENDER_SECRET"):
        load(**values)


def test_a_long_random_pseudonym_key_is_accepted_and_no_token_needs_none() -> None:
    assert load(TELEGRAM_BOT_TOKEN="123456:t", KAARIGAR_SENDER_SECRET="k" * 32).telegram_bot_token
    assert load().sender_secret.get_secret_value() == DEV_SENDER_SECRET  # the demo, no tokens
