"""Spreadsheets in and out: validate every row first, then upsert by SKU, or write the catalog.

An import writes nothing if any row is bad, unless asked to skip bad rows.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import IO

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.errors import InvalidInput
from catalog.models import Jail, Product
from catalog.money import SYMBOLS, major, to_minor
from catalog.products import MAX_PRICE_MINOR, ProductData, normalize_sku, upsert

REQUIRED = ("sku", "name", "category", "jail", "price", "currency", "stock")
OPTIONAL = (
    "name_hi",
    "name_ur",
    "craft",
    "low_stock_threshold",
    "marks",
    "keywords",
    "description",
    "perishable",
    "lead_time_days",
    "photo",
    "active",
)
EXPORT_COLUMNS = REQUIRED + OPTIONAL
TRUE, FALSE = {"1", "true", "yes", "y"}, {"0", "false", "no", "n", ""}


@dataclass
class RowError:
    line: int
    sku: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line} ({self.sku or 'no SKU'}): {self.reason}"


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    skipped: list[RowError] = field(default_factory=list)


class CsvRejected(InvalidInput):
    """The file as a whole cannot be imported; ``errors`` names each bad row."""

    def __init__(self, message: str, errors: list[RowError] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []


def decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CsvRejected(
            f"the file is not UTF-8 (byte {exc.start}); in a spreadsheet choose "
            "'CSV UTF-8' when saving"
        ) from None


def _int(value: str, name: str, *, minimum: int = 0) -> int:
    try:
        number = int(value.strip() or "0")
    except ValueError:
        raise InvalidInput(f"{name} {value!r} is not a whole number") from None
    if number < minimum:
        raise InvalidInput(f"{name} cannot be below {minimum} (got {number})")
    return number


def _bool(value: str, name: str) -> bool:
    v = value.strip().lower()
    if v in TRUE:
        return True
    if v in FALSE:
        return False
    raise InvalidInput(f"{name} must be yes or no, not {value!r}")


def _parse_row(row: dict[str, str], jails: dict[str, Jail]) -> ProductData:
    for col in REQUIRED:
        if not (row.get(col) or "").strip():
            raise InvalidInput(f"{col} is empty")
    try:
        price = to_minor(row["price"])
    except InvalidInput:
        raise InvalidInput(f"price {row['price']!r} is not an amount like 2400.00") from None
    if price <= 0 or price > MAX_PRICE_MINOR:
        raise InvalidInput(f"price {row['price']} is not between 0.01 and {MAX_PRICE_MINOR // 100}")
    currency = row["currency"].strip().upper()
    if currency not in SYMBOLS:
        raise InvalidInput(f"currency {currency!r} is not one of {', '.join(SYMBOLS)}")
    jail = row["jail"].strip().upper()
    if jail not in jails:
        raise InvalidInput(f"unknown jail {jail!r}")
    get = lambda col: (row.get(col) or "").strip()  # noqa: E731
    return ProductData(
        sku=normalize_sku(row["sku"]),
        name=get("name"),
        category=get("category").lower(),
        jail_code=jail,
        price_minor=price,
        currency=currency,
        stock=_int(row["stock"], "stock"),
        name_hi=get("name_hi") or None,
        name_ur=get("name_ur") or None,
        keywords=get("keywords"),
        craft=get("craft"),
        description=get("description"),
        low_stock_threshold=_int(get("low_stock_threshold") or "2", "low_stock_threshold"),
        marks=get("marks"),
        photo=get("photo") or None,
        perishable=_bool(get("perishable"), "perishable"),
        lead_time_days=_int(get("lead_time_days") or "0", "lead_time_days"),
        active=_bool(get("active") or "yes", "active"),
    )


def validate(text: str, jails: dict[str, Jail]) -> tuple[list[ProductData], list[RowError]]:
    """Parse every row; returns the good rows and an error for each bad one."""
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise CsvRejected(
            f"missing columns: {', '.join(missing)}; the header must include {','.join(REQUIRED)}"
        )
    unknown = [h for h in header if h not in EXPORT_COLUMNS]
    if unknown:
        raise CsvRejected(
            f"unknown columns: {', '.join(unknown)}; known: {','.join(EXPORT_COLUMNS)}"
        )
    reader.fieldnames = header
    good: list[ProductData] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    line = reader.line_num
    for row in reader:
        start, line = line + 1, reader.line_num
        sku = normalize_sku(row.get("sku") or "")
        if None in row:
            errors.append(RowError(start, sku, "more cells than columns (a stray comma?)"))
            continue
        if sku in seen:
            errors.append(RowError(start, sku, f"duplicate SKU, first on line {seen[sku]}"))
            continue
        try:
            data = _parse_row(row, jails)
        except InvalidInput as exc:
            errors.append(RowError(start, sku, str(exc)))
            continue
        seen[sku] = start
        good.append(data)
    return good, errors


def import_csv(
    session: Session,
    raw: bytes,
    *,
    actor: str,
    skip_bad: bool = False,
    only_new: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Validate, then upsert every row in the caller's transaction.

    ``only_new`` adds products whose SKU is unknown and leaves existing ones as they are.
    """
    jails = {j.code.upper(): j for j in session.scalars(select(Jail))}
    rows, errors = validate(decode(raw), jails)
    if errors and not skip_bad:
        raise CsvRejected(f"{len(errors)} bad row(s); nothing was imported", errors)
    result = ImportResult(skipped=errors)
    existing = set(session.scalars(select(Product.sku))) if only_new else set()
    for data in rows:
        if data.sku in existing:
            continue
        _, created = upsert(session, data, jails[data.jail_code], actor=actor)
        if created:
            result.created += 1
        else:
            result.updated += 1
        if progress:
            progress(1)
    return result


def count_rows(raw: bytes) -> int:
    return max(0, len(decode(raw).splitlines()) - 1)


def export_rows(session: Session) -> Iterable[dict[str, str]]:
    stmt = select(Product).order_by(Product.sku)
    for p in session.scalars(stmt):
        yield {
            "sku": p.sku,
            "name": p.name,
            "category": p.category,
            "jail": p.jail.code,
            "price": major(p.price_minor),
            "currency": p.currency,
            "stock": str(p.stock),
            "name_hi": p.name_hi or "",
            "name_ur": p.name_ur or "",
            "craft": p.craft,
            "low_stock_threshold": str(p.low_stock_threshold),
            "marks": p.marks,
            "keywords": p.keywords,
            "description": p.description,
            "perishable": "yes" if p.perishable else "no",
            "lead_time_days": str(p.lead_time_days),
            "photo": p.photo or "",
            "active": "yes" if p.active else "no",
        }


def export_csv(session: Session, out: IO[str]) -> int:
    writer = csv.DictWriter(out, fieldnames=list(EXPORT_COLUMNS), lineterminator="\n")
    writer.writeheader()
    n = 0
    for row in export_rows(session):
        writer.writerow(row)
        n += 1
    return n
