"""Find the staff command handler (bot/handlers/staff.py) and bind its dependencies.

Kept behind this one function so the conversation only sees ``StaffHandler``; when the staff
module is absent, every message goes to Rasa.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from bot.conversation import StaffHandler
from bot.messages import Inbound, Reply
from bot.payments.razorpay import RazorpayClient
from bot.state import StateStore

log = logging.getLogger(__name__)

MediaFetcher = Callable[[Inbound], Awaitable[bytes]]


def load_staff(
    sessions: sessionmaker[Session],
    store: StateStore,
    fetch_media: MediaFetcher,
    media_dir: Path,
    *,
    gateway: RazorpayClient | None = None,
) -> StaffHandler | None:
    """The staff handler bound to its dependencies, or None when it is not installed.

    ``gateway`` is the payment gateway's client, for ``/refund`` of payments made there.
    """
    try:
        module = importlib.import_module("bot.handlers.staff")
    except ModuleNotFoundError as exc:
        if exc.name != "bot.handlers.staff":
            raise
        return None
    try:
        deps = module.StaffDeps(
            sessions=sessions,
            state=store,
            fetch_media=fetch_media,
            media_dir=media_dir,
            gateway=gateway,
        )
    except (AttributeError, TypeError) as exc:
        log.error("staff handler present but could not be wired: %s", exc)
        return None
    handle = module.handle

    async def staff(inbound: Inbound) -> list[Reply] | None:
        result: list[Reply] | None = await handle(inbound, deps)
        return result

    return staff
