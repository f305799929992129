"""Which payment methods each jail accepts, and which of them a buyer is offered.

A jail's methods are set by admins (CLI) and checked here: a UPI QR needs the jail's merchant
UPI ID, a manual transfer needs the details to transfer to, and the gateway's links and UPI are
for rupees only. A jail nobody configured accepts cash on delivery.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import audit
from catalog.errors import InvalidInput
from catalog.models import Jail

COD, LINK, UPI_QR, TELEGRAM, MANUAL = (
    "cod",
    "payment_link",
    "upi_qr",
    "telegram_invoice",
    "manual",
)
METHODS = (COD, LINK, UPI_QR, TELEGRAM, MANUAL)
ONLINE = frozenset({LINK, UPI_QR, TELEGRAM})  # waited for, reminded, expired when unpaid
RUPEES_ONLY = frozenset({LINK, UPI_QR})
VPA = re.compile(r"[a-zA-Z0-9._-]{2,256}@[a-zA-Z][a-zA-Z0-9.-]{1,63}")


# what a buyer types for each method: Latin (English, Hinglish), Devanagari, Urdu
METHOD_WORDS: dict[str, tuple[str, ...]] = {
    COD: ("cod", "cash", "cash on delivery", "nakad", "naqad", "naqd", "nagad", "कैश", "नकद",
          "नक़द", "कैश ऑन डिलीवरी", "کیش", "نقد", "نقدی", "کیش آن ڈیلیوری"),
    LINK: ("upi", "card", "link", "online", "यूपीआई", "कार्ड", "लिंक", "ऑनलाइन", "یو پی آئی",
           "کارڈ", "لنک", "آن لائن"),
    UPI_QR: ("upi", "qr", "यूपीआई", "क्यूआर", "یو پی آئی", "کیو آر"),
    TELEGRAM: ("card", "telegram", "online", "कार्ड", "टेलीग्राम", "ऑनलाइन", "کارڈ", "ٹیلیگرام",
               "آن لائن"),
    MANUAL: ("transfer", "bank", "wallet", "jazzcash", "jazz cash", "easypaisa", "easy paisa",
             "बैंक", "ट्रांसफर", "वॉलेट", "بینک", "ٹرانسفر", "والٹ", "جاز کیش", "ایزی پیسہ"),
}  # fmt: skip
_WORD = {
    method: re.compile("|".join(rf"(?<![\w\u0900-\u097F\u0600-\u06FF]){re.escape(w)}"
                                rf"(?![\w\u0900-\u097F\u0600-\u06FF])" for w in words), re.I)
    for method, words in METHOD_WORDS.items()
}  # fmt: skip
# a question about paying ("can I pay by card?", "upi chalega?"), not a choice
QUESTION = re.compile(
    r"[?؟]|\b(can|could|how|what|which|do you|is there|kya|kaise|kaun|kitna)\b"
    r"|क्या|कैसे|कौन|کیا|کیسے|کون",
    re.I,
)


def not_a_choice(text: str) -> bool:
    """A question about paying ("can I pay by card?", "upi chalega?") or a long message: not a
    typed answer to "how will you pay?"."""
    return bool(QUESTION.search(text)) or len(text.split()) > 6


def methods_named(text: str, methods: list[str]) -> list[str]:
    """The methods among ``methods`` that ``text`` names ("upi", "cash on delivery", "नकद")."""
    return [m for m in methods if m in _WORD and _WORD[m].search(text)]


def get_methods(jail: Jail) -> list[str]:
    """The jail's methods in the order buyers see them; COD when none were ever set."""
    if not jail.payment_methods:
        return [COD]
    return jail.payment_methods.split(",")


def set_methods(
    session: Session,
    jail: Jail,
    methods: list[str],
    *,
    actor: str,
    upi_vpa: str | None = None,
    upi_payee: str | None = None,
    manual_details: str | None = None,
) -> list[str]:
    """Validate and store a jail's methods (and the UPI ID or transfer details they need)."""
    chosen = list(dict.fromkeys(m.strip().lower() for m in methods if m.strip()))
    if not chosen:
        raise InvalidInput(f"give at least one payment method: {', '.join(METHODS)}")
    unknown = [m for m in chosen if m not in METHODS]
    if unknown:
        raise InvalidInput(f"unknown payment method {unknown[0]!r}; one of: {', '.join(METHODS)}")
    before = _snapshot(jail)
    if upi_vpa is not None:
        jail.upi_vpa = _vpa(upi_vpa)
    if upi_payee is not None:
        jail.upi_payee = upi_payee.strip() or None
    if manual_details is not None:
        jail.manual_details = manual_details.strip() or None
    if jail.country != "IN" and RUPEES_ONLY & set(chosen):
        raise InvalidInput("payment links and UPI take rupees only: not for a jail outside India")
    if UPI_QR in chosen and not (jail.upi_vpa and jail.upi_payee):
        raise InvalidInput("upi_qr needs the jail's merchant UPI ID and payee name")
    if MANUAL in chosen and not jail.manual_details:
        raise InvalidInput("manual needs the account details buyers transfer to")
    jail.payment_methods = ",".join(chosen)
    audit.record(
        session,
        actor=actor,
        action="payment_methods",
        entity="jail",
        entity_id=jail.code,
        before=before,
        after=_snapshot(jail),
    )
    return chosen


def _vpa(value: str) -> str | None:
    value = value.strip()
    if not value:
        return None
    if not VPA.fullmatch(value):
        raise InvalidInput("a UPI ID looks like name@bank, e.g. himkara.kanda@sbi")
    return value


def _snapshot(jail: Jail) -> dict[str, str | None]:
    return {
        "methods": jail.payment_methods,
        "upi_vpa": jail.upi_vpa,
        "upi_payee": jail.upi_payee,
        "manual_details": jail.manual_details,
    }


def offered(jail: Jail, *, channel: str, gateway: bool, telegram_invoices: bool) -> list[str]:
    """The jail's methods a buyer on ``channel`` can use with what is configured right now."""
    usable = []
    for method in get_methods(jail):
        if method == LINK and not gateway:
            continue
        if method == TELEGRAM and not (channel == "telegram" and telegram_invoices):
            continue
        if method == MANUAL and not has_transfer_details(jail):
            continue
        usable.append(method)
    return usable or [COD]


# what older seeds stored instead of transfer details: never shown to a buyer
OLD_PLACEHOLDER = "(details from the jail's office)"
SEED_JAILS = Path(__file__).parent / "seed_data" / "jails.csv"


def has_transfer_details(jail: Jail) -> bool:
    """Whether the jail has real details to transfer to (not unset, not an old placeholder)."""
    details = (jail.manual_details or "").strip()
    return bool(details) and OLD_PLACEHOLDER not in details


def seed_details(code: str) -> str | None:
    """The demo transfer details of a seed jail (jails.csv's ``manual_details``), else None."""
    with open(SEED_JAILS, encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["code"] == code:
                return (row.get("manual_details") or "").strip() or None
    return None


def default_methods(jail: Jail, *, gateway: bool) -> tuple[list[str], str | None]:
    """The demo defaults: Indian jails take the gateway's link when it is set up, else COD;
    Pakistani jails COD, and a manual transfer when the seed has details for the jail.
    Returns the methods and manual details."""
    if jail.country == "IN":
        return ([LINK] if gateway else [COD]), None
    details = seed_details(jail.code)
    return ([COD, MANUAL] if details else [COD]), details


def apply_defaults(session: Session, *, gateway: bool, actor: str = "seed") -> int:
    """Give every jail whose methods were never set the demo defaults; returns how many.

    Jails configured by an admin are left alone, so running it again changes nothing.
    """
    changed = 0
    for jail in session.scalars(select(Jail).where(Jail.payment_methods.is_(None))):
        methods, details = default_methods(jail, gateway=gateway)
        set_methods(session, jail, methods, actor=actor, manual_details=details)
        changed += 1
    for jail in session.scalars(select(Jail).where(Jail.manual_details.contains(OLD_PLACEHOLDER))):
        details = seed_details(jail.code)  # an older seed's placeholder: the demo details now
        if details:
            set_methods(session, jail, get_methods(jail), actor=actor, manual_details=details)
            changed += 1
    session.flush()
    return changed
