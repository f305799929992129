"""The staff handler: jail staff run their shop with short commands, answered in one line.

The channel front ends call ``handle`` before Rasa. It returns None when the message is not a
staff command from a registered staff member, and the front end then passes it to Rasa.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from bot.handlers import staff_flows
from bot.handlers.staff_commands import run
from bot.handlers.staff_parse import parse
from bot.messages import Inbound, Reply
from bot.state import StateStore


@dataclass
class StaffDeps:
    """What the staff handler needs from the app."""

    sessions: sessionmaker[Session]
    state: StateStore
    fetch_media: Callable[[Inbound], Awaitable[bytes]]
    media_dir: Path


async def handle(inbound: Inbound, deps: StaffDeps) -> list[Reply] | None:
    """Answer a staff command; None if this is not one from a registered staff member."""
    cmd = parse(inbound.channel, inbound.text)
    draft = await deps.state.get_json(staff_flows.draft_key(inbound))
    if draft is not None:
        if cmd is not None and cmd.name == "cancel" and not cmd.args:
            return await staff_flows.abandon(inbound, deps)
        if cmd is None or not cmd.slash:
            return await staff_flows.continue_add(inbound, deps, draft)
    if cmd is None:
        return None
    if cmd.name == "add":
        return await staff_flows.start_add(inbound, deps, cmd)
    if cmd.name == "photo":
        return await staff_flows.photo(inbound, deps, cmd)
    text = await asyncio.to_thread(
        run, deps.sessions, inbound.channel, inbound.user_id, cmd, private=inbound.private
    )
    return None if text is None else [Reply(text)]
