"""What the staff handler needs from the app, built once by ``bot.web`` and passed in."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from bot.core.messages import Inbound
from bot.core.relay import Relay
from bot.core.state import StateStore
from bot.payments.razorpay import RazorpayClient


@dataclass
class StaffDeps:
    """What the staff handler needs from the app."""

    sessions: sessionmaker[Session]
    state: StateStore
    fetch_media: Callable[[Inbound], Awaitable[bytes]]
    media_dir: Path
    gateway: RazorpayClient | None = None  # refunds of payments made through payment links
    relay: Relay | None = None  # a /reply opens the buyer's window (bot/core/relay.py)
