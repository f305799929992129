"""Logging that never prints a phone number, a chat id, a token or a configured secret.

Libraries put personal data in their own texts (a Twilio error names the number it could not
reach; httpx logs Telegram URLs, which carry the bot token), so redaction happens on every
record that reaches our handlers, message and traceback alike, not at each call site.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from pathlib import Path

REDACTED = "[redacted]"
CONSOLE_LOG = Path("var/log/console.log")  # while the console chat owns the terminal

_PATTERNS = (
    # Telegram bot tokens, alone or inside an API URL (/bot123456:ABC.../sendMessage)
    re.compile(r"(?<!\d)\d{5,12}:[A-Za-z0-9_-]{20,}"),
    # PostgreSQL's error details quote the failing row or key: names, numbers, addresses
    re.compile(r"(?<=Failing row contains )\(.*?\)(?=\.?\s*$)", re.MULTILINE),
    re.compile(r"(?<=Key )\(.*?\)=\(.*?\)(?= )"),
    # credentials inside URLs: scheme://user:password@host
    re.compile(r"(?<=://)[^/\s:@]+:[^/\s@]+(?=@)"),
    # phone numbers and chat ids: 9 or more digits, with an optional + and single separators
    re.compile(r"(?<![\w.])\+?\d(?:[ \-]?\d){8,}(?![\w.])"),
)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every secret and anything shaped like a number or token replaced."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    for pattern in _PATTERNS:
        text = pattern.sub(REDACTED, text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites each record's message and traceback in place, before any handler formats it."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        # longest first, so a secret containing another is replaced whole
        self.secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)
        self._formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage(), self.secrets)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self.secrets)
        return True


def install(secrets: Iterable[str] = (), root: logging.Logger | None = None) -> RedactingFilter:
    """Add the filter to every handler of the root logger (ours and libraries' alike)."""
    root = root or logging.getLogger()
    flt = RedactingFilter(secrets)
    for handler in root.handlers:
        handler.addFilter(flt)
    return flt


def configure(level: str = "INFO", secrets: Iterable[str] = ()) -> None:
    """One stderr handler with redaction; httpx's per-request lines only at DEBUG."""
    logging.basicConfig(
        level=level.upper(), format="%(asctime)s %(name)s %(levelname)s %(message)s", force=True
    )
    if level.upper() != "DEBUG":
        logging.getLogger("httpx").setLevel(logging.WARNING)
    install(secrets)


def to_file(path: Path = CONSOLE_LOG, level: str = "INFO", secrets: Iterable[str] = ()) -> Path:
    """Every log record to ``path`` (appended, redacted) and none to the terminal: while the
    console chat runs, a log line (a buyer over the rate limit, Rasa slow) would land in the
    middle of the conversation. Returns the path, for telling where the logs went."""
    path.parent.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(
        level=level.upper(), format="%(asctime)s %(name)s %(levelname)s %(message)s",
        filename=str(path), encoding="utf-8", force=True,
    )  # fmt: skip
    if level.upper() != "DEBUG":
        logging.getLogger("httpx").setLevel(logging.WARNING)
    install(secrets)
    return path
