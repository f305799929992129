"""Staff command parsing: command words and their Hindi aliases, usage lines, argument checks."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from catalog.errors import InvalidInput
from catalog.money import to_minor
from catalog.products import MAX_PRICE_MINOR
from catalog.refs import parse_ref

USAGE: dict[str, str] = {
    "stock": "/stock SKU N (e.g. /stock KS-101 25)",
    "restock": "/restock SKU +N|-N [reason] (e.g. /restock KS-101 -1 damaged)",
    "price": "/price SKU AMOUNT (e.g. /price KS-101 2400)",
    "sold": "/sold SKU N (e.g. /sold KS-101 3)",
    "photo": "/photo SKU with a photo attached",
    "add": "/add (admins: /add JAILCODE), then answer name, category, price, stock, photo",
    "hide": "/hide SKU",
    "show": "/show SKU",
    "orders": "/orders [placed|unpaid|paid|shipped|delivered|cancelled|today|week]",
    "order": "/order ORDER (lines, total, status and where to deliver; e.g. /order KG-1042)",
    "ship": "/ship ORDER [tracking] [--unpaid] (e.g. /ship KG-1042 EE123456789IN; --unpaid ships a transfer or UPI order not paid yet)",
    "paid": "/paid ORDER [UTR or TID] (e.g. /paid KG-1042 412345678901, /paid KG-1042 TID 31245678901)",
    "cancel": "/cancel ORDER reason (e.g. /cancel KG-1042 out of wool)",
    "refund": "/refund ORDER (after /cancel; e.g. /refund KG-1042)",
    "lowstock": "/lowstock [PAGE|all] (ten at a time: /lowstock 2 the next ten, /lowstock all every one)",
    "reply": "/reply BUYER message (e.g. /reply #8 your order ships tomorrow)",
    "report": "/report [today|week|month|YYYY-MM]",
    "undo": "/undo (your last change, within 10 minutes)",
    "help": "/help",
    "staff": "/staff add telegram|whatsapp ID JAILCODE|admin",
    "rate": "/rate CURRENCY RATE (how much one INR buys, e.g. /rate GBP 0.0094)",
}
ADMIN_ONLY = frozenset({"staff", "rate"})

ALIASES: dict[str, str] = {name: name for name in USAGE} | {
    "स्टॉक": "stock",
    "count": "stock",
    "गिनती": "stock",
    "adjust": "restock",
    "कीमत": "price",
    "keemat": "price",
    "kimat": "price",
    "दाम": "price",
    "daam": "price",
    "बिका": "sold",
    "bika": "sold",
    "बिक्री": "sold",
    "bikri": "sold",
    "फोटो": "photo",
    "foto": "photo",
    "new": "add",
    "नया": "add",
    "naya": "add",
    "छुपाओ": "hide",
    "chhupao": "hide",
    "दिखाओ": "show",
    "dikhao": "show",
    "ऑर्डर": "order",
    "भेजो": "ship",
    "bhejo": "ship",
    "shipped": "ship",
    "भुगतान": "paid",
    "bhugtan": "paid",
    "रिफंड": "refund",
    "rifund": "refund",
    "रद्द": "cancel",
    "radd": "cancel",
    "low": "lowstock",
    "low-stock": "lowstock",
    "कम": "lowstock",
    "kam": "lowstock",
    "रिपोर्ट": "report",
    "वापस": "undo",
    "wapas": "undo",
    "मदद": "help",
    "madad": "help",
    "rates": "rate",
    "jawab": "reply",
    "जवाब": "reply",
}


class UsageError(Exception):
    """Input that doesn't fit the command; the reply adds the usage line."""


@dataclass(frozen=True)
class Command:
    name: str
    args: tuple[str, ...]
    rest: str  # everything after the command word, as typed
    slash: bool


def _word(text: str) -> tuple[str, str]:
    """The command word (lower case, without the slash or a Telegram @bot) and the rest."""
    word, _, rest = text.strip().lstrip("/").partition(" ")
    word = word.split("@", 1)[0].lower()  # Telegram groups send /stock@KaarigarBot
    if "\n" in word:
        word, _, more = word.partition("\n")
        rest = f"{more} {rest}"
    return word, rest


def parse(channel: str, text: str) -> Command | None:
    """A staff command, or None if the text isn't one. With or without the slash on every
    channel (the text goes to Rasa unless its sender is registered staff)."""
    text = (text or "").strip()
    slash = text.startswith("/")
    if not text:
        return None
    word, rest = _word(text)
    name = ALIASES.get(word)
    if name is None:
        return None
    rest = rest.strip()
    args = tuple(rest.split())
    if name in ORDER_COMMANDS:
        args = join_ref(args)
    return Command(name, args, rest, slash)


# slash words that are not staff commands: Telegram's /start and button payloads
NOT_STAFF = frozenset({"start"})
_CODE = re.compile(r"(?i)^[a-z]{2,4}-?\d{2,4}(/\w+)?$")  # a SKU: KS-101, PC-101/9


def not_a_command(text: str) -> str | None:
    """For staff: the reply to a message that looks like a command but is none, in one line:
    "/foo" is unknown; "/stok ..." (or "stok KS-101 5") was a typo of /stock and does not run.
    None for anything else (it goes to Rasa)."""
    text = (text or "").strip()
    slash = text.startswith("/")
    word, rest = _word(text)
    if not word or word in ALIASES or word in NOT_STAFF or "{" in word or "{" in rest:
        return None
    if not slash and not (rest.split() and _CODE.match(rest.split()[0])):
        return None  # a buyer's words ("stok hai?"), unless a product code follows
    # one letter off a command of four letters or more ("stok", "ordr"); "/foo" is no "/foto"
    close = difflib.get_close_matches(word, list(ALIASES), n=1, cutoff=0.8) if len(word) > 3 else []
    if close:
        name = ALIASES[close[0]]
        return f"Did you mean /{name}? Nothing changed. Usage: {USAGE[name]}"
    return f"Unknown command /{word[:30]}; see /help" if slash else None


CONFIRM_WORDS = frozenset({"yes", "haan", "han", "हाँ", "हां"})  # documented: "yes"


def confirmed(cmd: Command) -> tuple[Command, bool]:
    """A command ending in "yes" (or "haan") confirms a change that looked like a typo;
    returns the command without that word, and whether it was there."""
    if len(cmd.args) > 2 and cmd.args[-1].lower() in CONFIRM_WORDS:
        args = cmd.args[:-1]
        return Command(cmd.name, args, " ".join(args), cmd.slash), True
    return cmd, False


def need(cmd: Command, n: int, what: str) -> None:
    """At least ``n`` arguments, else a usage error naming ``what``."""
    if len(cmd.args) < n:
        raise UsageError(f"give {what}")


# Numbers with more digits than this are read as HUGE: past every bound, so the catalog
# refuses them by name instead of the database overflowing (or int() refusing 4300 digits).
MAX_DIGITS = 12
HUGE = 10**MAX_DIGITS


def whole(digits: str) -> int:
    """Digits (with an optional sign) as an int; HUGE (signed) when there are too many."""
    sign = -1 if digits.startswith("-") else 1
    digits = digits.lstrip("+-").lstrip("0") or "0"
    return sign * (int(digits) if len(digits) <= MAX_DIGITS else HUGE)


def count(text: str, what: str = "N") -> int:
    """A whole number of zero or more units."""
    if re.fullmatch(r"-\d+", text):
        raise UsageError("stock cannot go below zero")
    if not re.fullmatch(r"\+?\d+", text):
        raise UsageError(f"{what} must be a whole number, not {text[:20]!r}")
    return whole(text)


def quantity(text: str) -> int:
    """A positive number of units sold ("-2" is no sale, not stock going below zero)."""
    n = 0 if re.fullmatch(r"-\d+", text) else count(text)
    if n == 0:
        raise UsageError("the number sold must be at least 1")
    return n


def signed(text: str) -> int:
    """A non-zero change: +5, -2 (a bare 5 means +5)."""
    if not re.fullmatch(r"[+-]?\d+", text) or whole(text) == 0:
        raise UsageError(f"the change must be +N or -N, not {text[:20]!r}")
    return whole(text)


def amount(text: str) -> int:
    """A price in minor units from "2400", "₹2,400", "Rs 2400.50", "2450/-"."""
    cleaned = re.sub(r"^(₹|rs\.?|inr|pkr)\s*", "", text.strip().lower())
    cleaned = re.sub(r"\s*/-$", "", cleaned)  # "2450/-": how prices are written in India
    if re.fullmatch(r"-\s*\d[\d,]*(\.\d+)?", cleaned):  # "-100" is a number, below zero
        raise UsageError("a price must be more than zero")
    if re.fullmatch(r"\d[\d,]{15,}(\.\d+)?", cleaned):  # 20 digits: a number, too big
        raise UsageError(f"a price above {MAX_PRICE_MINOR // 100} is not plausible here")
    # Plain digits only: "1e309", "inf" and "nan" are numbers to Decimal but not prices.
    if not re.fullmatch(r"\d[\d,]{0,14}(\.\d{1,2})?", cleaned):
        raise UsageError(f"the price must be a number, not {text[:20]!r}")
    try:
        return to_minor(cleaned)
    except InvalidInput:
        raise UsageError(f"the price must be a number, not {text[:20]!r}") from None


_REF_SHAPED = re.compile(r"(?i)(kg[-‐‑–—#]?|#)?[0-9]+")  # ASCII digits only: not "²"


def is_order(text: str) -> bool:
    """The word reads as an order number (however many digits), not as a status or junk."""
    return parse_ref(text) is not None or _REF_SHAPED.fullmatch(text) is not None


def order_id(text: str) -> int:
    """An order number as staff type it: KG-0042, kg42, #42 or 42 (catalog.refs.parse_ref);
    a run of digits too long to be one is read as HUGE, so the reply is "No order ..."."""
    found = parse_ref(text)
    if found is not None:
        return found
    if _REF_SHAPED.fullmatch(text):
        return HUGE
    raise UsageError(f"an order number looks like KG-1042 or 1042, not {text[:20]!r}")


ORDER_COMMANDS = frozenset({"order", "ship", "paid", "cancel", "refund"})
_SPLIT_PREFIX = re.compile(r"(?i)kg[-‐‑–—#]?|#")


def join_ref(args: tuple[str, ...]) -> tuple[str, ...]:
    """Staff typing "/ship KG 42" or "/ship KG - 42" send several words: join the reference."""
    if args and _SPLIT_PREFIX.fullmatch(args[0]):
        for n in (3, 2):
            if len(args) >= n and parse_ref(" ".join(args[:n])) is not None:
                return ("".join(args[:n]), *args[n:])
    return args
