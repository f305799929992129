"""The demo catalog: jails and products of the Himachal, Uttar Pradesh and Peshawar programmes.

Each jail gets the shipping zones of its country (``catalog.shipping.DEFAULT_ZONES``).

Seeding twice changes nothing. No inmate is named anywhere: credit goes to jail and programme.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import csvio, money, shipping
from catalog.models import Jail

DATA = Path(__file__).parent / "seed_data"

# Indicative rates staff would set; one INR buys this much of each currency.
DEMO_RATES = {
    "GBP": "0.0094",
    "USD": "0.0119",
    "EUR": "0.0110",
    "AED": "0.0437",
    "SAR": "0.0446",
    "CAD": "0.0163",
    "AUD": "0.0181",
    "PKR": "3.33",
}


def seed_jails(session: Session) -> int:
    added = 0
    with open(DATA / "jails.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            jail = session.scalar(select(Jail).where(Jail.code == row["code"]))
            if jail is None:
                jail = Jail(code=row["code"])
                session.add(jail)
                added += 1
            jail.name, jail.town, jail.region = row["name"], row["town"], row["region"]
            jail.country, jail.programme = row["country"], row["programme"]
            share = row["wage_share_percent"]
            jail.wage_share_percent = int(share) if share else None
    session.flush()
    for jail in session.scalars(select(Jail)):
        shipping.store_defaults(session, jail)  # only for a jail without zones of its own
    return added


def seed(session: Session) -> csvio.ImportResult:
    seed_jails(session)
    for currency, rate in DEMO_RATES.items():
        if money.rate(session, "INR", currency) is None:
            money.set_rate(session, "INR", currency, Decimal(rate))
    if money.rate(session, "PKR", "INR") is None:
        money.set_rate(
            session, "PKR", "INR", (1 / Decimal(DEMO_RATES["PKR"])).quantize(Decimal("0.0001"))
        )
    raw = (DATA / "products.csv").read_bytes()
    return csvio.import_csv(session, raw, actor="seed", only_new=True)
