"""A terminal chat with the same Rasa server the web app uses; buttons become numbered choices."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import threading
import uuid
from collections.abc import Callable, Sequence

from bot.core.conversation import Conversation
from bot.core.messages import Inbound, Reply

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


async def read_line(read: Callable[[str], str], prompt: str) -> str:
    """``read`` in a daemon thread: a pending ``input()`` must not hold up Ctrl-C's shutdown
    (``asyncio.to_thread`` would, since the loop joins its executor's threads on close)."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[str] = loop.create_future()

    def settle(value: str | None, error: BaseException | None) -> None:
        if not future.done():
            future.set_exception(error) if error else future.set_result(value or "")

    def work() -> None:
        value, error = None, None
        try:
            value = read(prompt)
        except BaseException as exc:  # noqa: BLE001 - EOFError/KeyboardInterrupt go to the caller
            error = exc
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits any more
            loop.call_soon_threadsafe(settle, value, error)

    threading.Thread(target=work, name="console-input", daemon=True).start()
    return await future


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
            line = await read_line(read, "you> ")
        except (EOFError, KeyboardInterrupt):
            write("")
            return sent
        if line.strip().lower() in QUIT:
            return sent
        if not line.strip():
            continue
        inbound = Inbound(
            "console", user_id, uuid.uuid4().hex, text=line, numbered=True, remembered=False
        )
        replies = await conversation.handle(inbound)
        sent += 1
        if replies:
            write(render(replies))
