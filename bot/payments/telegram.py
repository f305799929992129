"""Telegram Payments: the pre-checkout query and the successful payment, as PTB handlers.

Like python-telegram-bot's ``examples/paymentbot.py``: a ``PreCheckoutQueryHandler`` answers
ok only while the order may still be paid (within Telegram's 10 seconds), and a
``filters.SUCCESSFUL_PAYMENT`` message handler marks the order paid once. The receipt and the
staff's notice go out through the outbox, in the same transaction.

Telegram sends a successful payment once and does not send it again, so a database that is
down at that moment must not lose it: the handler tries again for a few minutes (applying a
payment twice changes nothing: it takes effect once per charge id), then logs an error that
names the order's payload and the charge for the operator.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from telegram import Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, ContextTypes, MessageHandler, PreCheckoutQueryHandler, filters

from catalog import notices, payments
from catalog.db import transaction

log = logging.getLogger(__name__)

CHECK_TIMEOUT = 8.0  # seconds; Telegram gives the bot 10 to answer
RETRY_DELAYS = (0.5, 1, 2, 4, 8, 15, 30, 60, 60, 60)  # seconds, about four minutes in all


def app_language(code: object) -> str | None:
    """The buyer's language from their Telegram app's ("hi", "ur-PK"); None for any other
    (Hinglish readers' apps say "en" or "hi": an order's kept language is better, when found)."""
    base = code.split("-")[0].lower() if isinstance(code, str) else ""
    return base if base in ("hi", "ur") else None


class TelegramPayments:
    """The two payment handlers, over an injected sessionmaker."""

    def __init__(
        self, sessions: sessionmaker[Session], retry_delays: tuple[float, ...] = RETRY_DELAYS
    ) -> None:
        self.sessions = sessions
        self.retry_delays = retry_delays

    def handlers(self) -> list[BaseHandler]:  # type: ignore[type-arg]
        """Register these before any catch-all handler."""
        return [
            PreCheckoutQueryHandler(self.pre_checkout),
            MessageHandler(filters.SUCCESSFUL_PAYMENT, self.successful_payment),
        ]

    def _check(
        self, payload: str, currency: str, total: int, language: str | None = None
    ) -> str | None:
        with transaction(self.sessions) as session:
            return payments.check_invoice(session, payload, currency, total, language)

    async def pre_checkout(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Answer ok, or ok=False with a reason the buyer can read."""
        query = update.pre_checkout_query
        if query is None:
            return
        language = app_language(query.from_user.language_code if query.from_user else None)
        try:
            reason = await asyncio.wait_for(
                asyncio.to_thread(
                    self._check, query.invoice_payload, query.currency, query.total_amount,
                    language,
                ),
                CHECK_TIMEOUT,
            )  # fmt: skip
        except Exception as exc:  # the database is slow or down: refuse, never leave it hanging
            log.warning("pre-checkout %s not checked: %r", update.update_id, exc)
            reason = notices.in_language("payment_busy", language)
        try:
            await query.answer(ok=reason is None, error_message=reason)
        except TelegramError as exc:
            log.warning("pre-checkout %s not answered: %s", update.update_id, exc)

    def _confirm(
        self, payload: str, total: int, currency: str, charge: str, provider_charge: str
    ) -> payments.Outcome:
        with transaction(self.sessions) as session:
            return payments.confirm_paid(
                session, "telegram", payload, total, currency, event_id=charge,
                charge_id=charge, provider_charge_id=provider_charge,
            )  # fmt: skip

    async def successful_payment(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Money arrived: mark the order paid once (a redelivered update changes nothing)."""
        message = update.effective_message
        sp = message.successful_payment if message is not None else None
        if sp is None:
            return
        for delay in (*self.retry_delays, None):
            try:
                outcome = await asyncio.to_thread(
                    self._confirm, sp.invoice_payload, sp.total_amount, sp.currency,
                    sp.telegram_payment_charge_id, sp.provider_payment_charge_id,
                )  # fmt: skip
                break
            except SQLAlchemyError as exc:
                if delay is None:
                    log.error(
                        "telegram payment NOT recorded after retries: charge %s, payload %s, "
                        "%s %s (update %s): %r; mark the order paid by hand",
                        sp.telegram_payment_charge_id, sp.invoice_payload, sp.total_amount,
                        sp.currency, update.update_id, type(exc).__name__,
                    )  # fmt: skip
                    return
                log.warning("telegram payment not recorded yet, retrying in %ss", delay)
                await asyncio.sleep(delay)
        log.info(
            "telegram payment of order %s: %s (update %s)",
            outcome.order_id, outcome.result, update.update_id,
        )  # fmt: skip
