"""A terminal chat with the same Rasa server the web app uses; buttons become numbered choices."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import Callable, Sequence

from bot.conversation import Conversation
from bot.messages import Inbound, Reply

QUIT = {"quit", "exit", "/quit"}


def render(replies: Sequence[Reply]) -> str:
    """Replies as terminal text: choices numbered across the whole answer."""
    lines: list[str] = []
    n = itertools.count(1)
    for reply in replies:
        if reply.image:
            lines.append(f"[photo: {reply.image}]")
        if reply.text:
            lines.append(reply.text)
        lines.extend(f"  {next(n)}. {b.title}" for b in reply.buttons)
    return "\n".join(lines)


async def chat(
    conversation: Conversation,
    read: Callable[[str], str] = input,
    write: Callable[[str], None] = print,
    user_id: str = "local",
) -> int:
    """Read lines until EOF or "quit"; returns how many messages were sent."""
    sent = 0
    write(
        'Kaarigar console chat. Type a message ("kullu shawl dikhao"), a number to pick, "quit" to leave.'
    )
    while True:
        try:
            line = await asyncio.to_thread(read, "you> ")
        except (EOFError, KeyboardInterrupt):
            write("")
            return sent
        if line.strip().lower() in QUIT:
            return sent
        if not line.strip():
            continue
        inbound = Inbound("console", user_id, uuid.uuid4().hex, text=line)
        replies = await conversation.handle(inbound)
        sent += 1
        if replies:
            write(render(replies))
