"""Telegram front end: Update -> Inbound, Reply -> messages with inline keyboards.

Webhook mode (the web app puts updates on ``application.update_queue``) follows PTB's custom
webhook example with ``updater(None)``; polling mode serves a jail without a public address.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Sequence

from pydantic import SecretStr
from sqlalchemy.orm import Session, sessionmaker
from telegram import (
    Bot,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LabeledPrice,
    Update,
)
from telegram.error import TelegramError
from telegram.ext import AIORateLimiter, Application, ContextTypes, TypeHandler

from bot.core.conversation import Conversation
from bot.core.messages import Inbound, Invoice, Reply, coordinates
from bot.core.state import StateStore, key
from bot.handlers.splitting import split_text
from bot.payments.telegram import TelegramPayments
from catalog import photos

log = logging.getLogger(__name__)

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_LIMIT = 64  # bytes of UTF-8
TOKEN_PREFIX = "t:"
TOKEN_TTL = 7 * 24 * 3600.0
RETRIES = 1  # after a 429 (flood control): one more try once Telegram's retry_after has passed


TelegramApp = Application  # the web app names PTB's type through this adapter


def parse_update(body: bytes, bot: Bot) -> Update:
    """A Telegram update from the webhook body; ValueError when it is not one."""
    data = json.loads(body)  # bytes: invalid UTF-8 raises UnicodeDecodeError, a ValueError
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    try:
        update = Update.de_json(data, bot)
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"not a Telegram update: {exc!r}") from None
    if update is None or not isinstance(update.update_id, int):
        raise ValueError("not a Telegram update")
    return update


def to_inbound(update: Update) -> Inbound | None:
    """The buyer's message in this update, or None for updates we do not serve.

    ``private`` is False unless the chat is one-to-one: in a group, others read the replies.
    """
    user = update.effective_user
    if user is None:
        return None
    uid, mid = str(user.id), str(update.update_id)
    chat = update.effective_chat
    private = chat is not None and chat.type == "private"
    if update.callback_query is not None:
        payload = update.callback_query.data or ""
        return Inbound("telegram", uid, mid, button_payload=payload, private=private)
    message = update.message
    if message is None:
        return None
    if message.photo:
        return Inbound(
            "telegram",
            uid,
            mid,
            text=message.caption or "",
            media_url=message.photo[-1].file_id,  # largest size; fetched through getFile
            media_type="image/jpeg",
            private=private,
        )
    code = user.language_code if isinstance(user.language_code, str) else None
    language = code[:8] if code else None  # a hint for the first message's language
    if message.text is not None:
        return Inbound("telegram", uid, mid, text=message.text, private=private, language=language)
    if message.location is not None:  # a location pin, or a place (a venue carries one too)
        point = coordinates(message.location.latitude, message.location.longitude)
        return Inbound("telegram", uid, mid, location=True, coordinates=point, private=private,
                       language=language)  # fmt: skip
    return None


class CallbackTokens:
    """Payloads longer than Telegram's 64 bytes travel as a short token kept in the store."""

    def __init__(self, store: StateStore, namespace: str = "") -> None:
        self.store = store
        self.namespace = namespace

    def _key(self, token: str) -> str:
        return key(*(p for p in (self.namespace, "cb", token) if p))

    async def encode(self, payload: str) -> str:
        if (
            payload
            and len(payload.encode()) <= CALLBACK_LIMIT
            and not payload.startswith(TOKEN_PREFIX)
        ):
            return payload
        token = TOKEN_PREFIX + hashlib.sha256(payload.encode()).hexdigest()[:20]
        await self.store.set_json(self._key(token), payload, TOKEN_TTL)
        return token

    async def decode(self, data: str) -> str | None:
        """The payload for callback data; None when a token expired or was never issued."""
        if not data.startswith(TOKEN_PREFIX):
            return data
        value = await self.store.get_json(self._key(data))
        return value if isinstance(value, str) else None


async def keyboard(replies_buttons: Sequence, tokens: CallbackTokens) -> InlineKeyboardMarkup:
    """One button per row: titles in Hindi and Urdu are long."""
    rows = [
        [InlineKeyboardButton(b.title[:64] or "?", callback_data=await tokens.encode(b.payload))]
        for b in replies_buttons
    ]
    return InlineKeyboardMarkup(rows)


async def send_invoice(
    bot: Bot, chat_id: int | str, invoice: Invoice, provider_token: str | None
) -> None:
    """A card invoice by Telegram Payments; as plain text when no provider token is set."""
    if not provider_token:
        await bot.send_message(chat_id, invoice.as_text())
        return
    await bot.send_invoice(
        chat_id, title=invoice.title, description=invoice.description, payload=invoice.payload,
        provider_token=provider_token, currency=invoice.currency,
        prices=[LabeledPrice(label, amount) for label, amount in invoice.prices],
    )  # fmt: skip


async def send_replies(
    bot: Bot,
    chat_id: int | str,
    replies: Sequence[Reply],
    tokens: CallbackTokens,
    media_base_url: str | None = None,
    provider_token: str | None = None,
) -> None:
    """Render replies: photos with captions, long text split, buttons on the last chunk, then
    any invoice (``provider_token``: Telegram Payments' token from BotFather).

    Stored product photos go out as URLs under ``media_base_url``/media/ (Telegram fetches them).
    """
    for reply in replies:
        if reply.text or reply.image or reply.buttons or reply.invoice is None:
            await _send_one(bot, chat_id, reply, tokens, media_base_url)
        if reply.invoice is not None:
            await send_invoice(bot, chat_id, reply.invoice, provider_token)


async def _send_one(
    bot: Bot, chat_id: int | str, reply: Reply, tokens: CallbackTokens, media_base_url: str | None
) -> None:
    """One reply's photo, text and buttons."""
    markup = await keyboard(reply.buttons, tokens) if reply.buttons else None
    text = reply.text
    image = photos.public_url(reply.image, media_base_url) if reply.image else None
    if image:
        caption = text if len(text) <= CAPTION_LIMIT else ""
        await bot.send_photo(
            chat_id,
            photo=image,
            caption=caption or None,
            reply_markup=markup if caption or not text else None,
        )
        if caption or not text:
            return
    chunks = split_text(text, TEXT_LIMIT) or ["…"]
    for i, chunk in enumerate(chunks):
        last = i == len(chunks) - 1
        await bot.send_message(chat_id, chunk, reply_markup=markup if last else None)


async def send_notification(bot: Bot, chat_id: int | str, text: str) -> None:
    """Send an outbox notification, split at Telegram's limit. Like every send of the
    application's bot it goes through the rate limiter (``build_application``), which waits out
    a 429's ``retry_after`` and tries once more."""
    for chunk in split_text(text, TEXT_LIMIT):
        await bot.send_message(chat_id, chunk)


class TelegramFrontEnd:
    """The PTB handler: answers callbacks, asks the conversation, renders its replies.

    ``accepted_upstream``: the web app's webhook already recorded each update as accepted
    (``Conversation.accept``) before queueing it; in polling mode the handler does it.
    ``sessions`` (default: the conversation's) serve Telegram Payments' updates, and
    ``payment_provider_token`` (BotFather's) turns invoices into Telegram invoices.
    """

    def __init__(
        self,
        conversation: Conversation,
        tokens: CallbackTokens,
        media_base_url: str | None = None,
        accepted_upstream: bool = False,
        *,
        sessions: sessionmaker[Session] | None = None,
        payment_provider_token: SecretStr | str | None = None,
    ) -> None:
        self.conversation = conversation
        self.tokens = tokens
        self.media_base_url = media_base_url
        self.accepted_upstream = accepted_upstream
        self.sessions = sessions or conversation.sessions
        token = payment_provider_token
        self.provider_token = token.get_secret_value() if isinstance(token, SecretStr) else token
        self._background: set[asyncio.Task[None]] = set()

    async def on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Handle one update; errors are logged with the pseudonym, never the chat id."""
        query = update.callback_query
        if query is not None:
            # Answer at once, or the client keeps spinning; not awaited here, because the
            # conversation must take this buyer's lock before any await to keep their order.
            task = asyncio.create_task(self._answer(query))
            self._background.add(task)
            task.add_done_callback(self._background.discard)
        inbound = to_inbound(update)
        chat = update.effective_chat
        if inbound is None:
            return
        if chat is None:  # nowhere to answer (a button under an inline-mode message)
            if self.accepted_upstream:
                await self.conversation.skip(inbound)
            return
        replies = await self.conversation.handle(inbound, accepted=self.accepted_upstream)
        if replies:
            await send_replies(
                context.bot, chat.id, replies, self.tokens, self.media_base_url, self.provider_token
            )

    @staticmethod
    async def _answer(query: CallbackQuery) -> None:
        try:
            await query.answer()
        except TelegramError as exc:
            log.info("callback answer failed: %s", exc)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log a failed update without personal data."""
    uid = getattr(update, "update_id", "?")
    log.error("telegram update %s failed: %r", uid, context.error)


def build_application(
    token: str,
    base_url: str,
    front: TelegramFrontEnd,
    *,
    polling: bool = False,
    concurrency: int = 64,
) -> Application:
    """The PTB application; webhook mode has no Updater (the web app feeds the queue)."""
    builder = (
        Application.builder()
        .token(token)
        .base_url(base_url)
        .concurrent_updates(concurrency)  # the conversation keeps each buyer in order
        # Every send (replies, invoices, notifications) keeps under Telegram's flood limits
        # (30 messages a second, 20 a minute per group) and, on a 429, waits out retry_after
        # and tries RETRIES more times.
        .rate_limiter(AIORateLimiter(max_retries=RETRIES))
    )
    if base_url.endswith("/bot"):  # files (staff photos) come from the same server's /file/bot
        builder = builder.base_file_url(base_url.removesuffix("/bot") + "/file/bot")
    if not polling:
        builder = builder.updater(None)
    app = builder.build()
    if front.sessions is not None:  # payments first: the catch-all below would take them
        app.add_handlers(TelegramPayments(front.sessions).handlers())
    app.add_handler(TypeHandler(Update, front.on_update))
    app.add_error_handler(on_error)
    return app
