"""Spreadsheets in and out: validate every row first, then upsert by SKU, or write the catalog.

An import reads the file twice, streaming: first every row is checked (each bad one named by
its line), then the good rows are written in batches of a few hundred, one transaction each,
so the bot's own writes get in between batches (SQLite has one write lock). Nothing is written
if any row is bad, unless asked to skip bad rows. An export neutralises text a spreadsheet
would run as a formula by prefixing ``'``; an import takes that prefix off again, so an
exported file re-imports to the same data.

Sizes and colours (``catalog.variants``): a row whose SKU is ``PARENT/VALUE`` is a size or
colour of PARENT, whose row must come earlier in the file or be in the catalog already; the
parent's optional ``variant_kind`` column says "size" or "colour", a child's optional
``variant`` how its value is written ("Red"). A parent's stock is its children's sum whatever
its own row says. An export writes each parent's children right after it (SKU order).
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from types import SimpleNamespace
from typing import IO, Any, BinaryIO, cast

from sqlalchemy import Table, delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from catalog import variants
from catalog.db import transaction
from catalog.errors import InvalidInput
from catalog.models import AuditEntry, Base, Jail, Product, ProductTerm, StockMove
from catalog.money import major, to_minor
from catalog.products import (
    FORMULA_STARTS,
    MAX_PRICE_MINOR,
    ProductData,
    check_data,
    normalize_sku,
    variant_value,
)
from catalog.search import COPIED, product_terms, sort_keys

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
    "variant_kind",
    "variant",
)
EXPORT_COLUMNS = REQUIRED + OPTIONAL
NUMBER_COLUMNS = frozenset({"price", "stock", "low_stock_threshold", "lead_time_days"})
TRUE, FALSE = {"1", "true", "yes", "y"}, {"0", "false", "no", "n", ""}
BATCH_SIZE = 500  # rows per transaction: long enough to be fast, short enough to share the lock
IMPORT_REASON = "catalog import"
Source = bytes | Path
Progress = Callable[[int], None]
Known = Callable[[str], bool]  # whether the catalog has a product (that can have sizes) by SKU


@dataclass
class RowError:
    line: int
    sku: str
    reason: str

    def __str__(self) -> str:
        sku = "".join(c if c.isprintable() else "?" for c in self.sku[:40])
        return f"line {self.line} ({sku or 'no SKU'}): {self.reason}"


@dataclass
class Checked:
    """What the first pass found: how many rows will be written, and every bad row."""

    good: int = 0
    errors: list[RowError] = field(default_factory=list)


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


# ------------------------------------------------------------------ reading
@contextmanager
def _opened(source: Source) -> Iterator[BinaryIO]:
    if isinstance(source, Path):
        with source.open("rb") as fh:
            yield fh
    else:
        yield io.BytesIO(source)


def _lines(fh: BinaryIO) -> Iterator[str]:
    """The file's lines as text; bad UTF-8 is refused with the byte it starts at."""
    offset = 0
    for raw in fh:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CsvRejected(
                f"the file is not UTF-8 (byte {offset + exc.start}); in a spreadsheet choose "
                "'CSV UTF-8' when saving"
            ) from None
        yield text.removeprefix("\ufeff") if offset == 0 else text
        offset += len(raw)


def _header(reader: Any) -> list[str]:
    try:
        header = [h.strip().lower() for h in next(reader, [])]
    except csv.Error as exc:
        raise CsvRejected(f"the header line cannot be read: {exc}") from None
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
    return header


def _records(lines: Iterable[str]) -> Iterator[tuple[int, list[str], list[str] | str]]:
    """(first line, header, cells) per record, or a reason instead of cells if unreadable."""
    reader = csv.reader(lines)
    header = _header(reader)
    line = reader.line_num
    while True:
        start = line + 1
        try:
            cells: list[str] | str = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            limit = csv.field_size_limit()
            cells = (f"a cell is longer than {limit} characters" if "field limit" in str(exc)
                     else f"the line cannot be read as CSV ({exc})")
        line = reader.line_num
        if cells:
            yield start, header, cells


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


def unneutralise(cell: str) -> str:
    """Take off the ``'`` an export put before text a spreadsheet would run."""
    if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS):
        return cell[1:]
    return cell


def _price(text: str) -> int:
    try:
        price = to_minor(text)
    except InvalidInput:
        raise InvalidInput(f"price {text!r} is not an amount like 2400.00") from None
    if price <= 0 or price > MAX_PRICE_MINOR:
        raise InvalidInput(f"price {text} is not between 0.01 and {MAX_PRICE_MINOR // 100}")
    return price


def _parse_row(row: dict[str, str], jails: dict[str, Jail]) -> ProductData:
    get = lambda col: unneutralise((row.get(col) or "").strip())  # noqa: E731
    for col in REQUIRED:
        if not get(col):
            raise InvalidInput(f"{col} is empty")
    jail = get("jail").upper()
    if jail not in jails:
        raise InvalidInput(f"unknown jail {jail!r}")
    data = ProductData(
        sku=normalize_sku(get("sku")),
        name=get("name"),
        category=get("category").lower(),
        jail_code=jail,
        price_minor=_price(get("price")),
        currency=get("currency").upper(),
        stock=_int(get("stock"), "stock"),
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
        variant_kind=get("variant_kind") or None,
        variant=get("variant") or None,
    )
    check_data(data)
    return data


def known_parents(session: Session) -> Known:
    """Whether a SKU is a product of the catalog that is not itself a size or colour."""
    cache: dict[str, bool] = {}

    def known(sku: str) -> bool:
        if sku not in cache:
            stmt = select(Product.id).where(Product.sku == sku, Product.parent_id.is_(None))
            cache[sku] = session.scalar(stmt) is not None
        return cache[sku]

    return known


def known_parents_in(sessions: sessionmaker[Session]) -> Known:
    """``known_parents`` for a caller without a session: each look-up in a short one."""
    cache: dict[str, bool] = {}

    def known(sku: str) -> bool:
        if sku not in cache:
            with sessions() as session:
                cache[sku] = known_parents(session)(sku)
        return cache[sku]

    return known


def _parent_problem(sku: str, seen: dict[str, int], known: Known | None) -> str | None:
    """Why a size's or colour's row cannot be imported (its parent is missing), else None."""
    parent, value = variants.split_sku(sku)
    if value is None or (parent in seen and "/" not in parent):
        return None
    if known is not None and known(parent):
        return None
    return (f"{sku} is a size or colour of {parent}, which is neither in the catalog nor on "
            f"an earlier line: add a row for {parent} above it")  # fmt: skip


def _rows(
    lines: Iterable[str], jails: dict[str, Jail], known: Known | None = None
) -> Iterator[ProductData | RowError]:
    """Every record as product data, or as the reason it is bad."""
    seen: dict[str, int] = {}
    for line, header, cells in _records(lines):
        if isinstance(cells, str):
            yield RowError(line, "", cells)
            continue
        row = dict(zip(header, cells, strict=False))
        sku = normalize_sku(unneutralise(row.get("sku") or ""))
        if len(cells) > len(header):
            yield RowError(line, sku, "more cells than columns (a stray comma?)")
        elif sku in seen:
            yield RowError(line, sku, f"duplicate SKU, first on line {seen[sku]}")
        else:
            try:
                data = _parse_row(row, jails)
            except InvalidInput as exc:
                yield RowError(line, sku, str(exc))
                continue
            problem = _parent_problem(data.sku, seen, known)
            if problem:
                yield RowError(line, sku, problem)
                continue
            seen[sku] = line
            yield data


def check(source: Source, jails: dict[str, Jail], known: Known | None = None) -> Checked:
    """First pass: count the good rows and name every bad one, holding no row in memory.
    ``known`` (``known_parents``) says which parents of sizes the catalog has already."""
    checked = Checked()
    with _opened(source) as fh:
        for item in _rows(_lines(fh), jails, known):
            if isinstance(item, RowError):
                checked.errors.append(item)
            else:
                checked.good += 1
    return checked


def _good_rows(
    source: Source, jails: dict[str, Jail], known: Known | None = None
) -> Iterator[ProductData]:
    with _opened(source) as fh:
        for item in _rows(_lines(fh), jails, known):
            if isinstance(item, ProductData):
                yield item


def _batches(rows: Iterable[ProductData], size: int) -> Iterator[list[ProductData]]:
    it = iter(rows)
    while batch := list(islice(it, size)):
        yield batch


# ------------------------------------------------------------------ writing
def _table(model: type[Base]) -> Table:
    """A model's table, for Core executemany (cheaper than the ORM's bulk insert)."""
    return cast(Table, model.__table__)


def _columns(data: ProductData, jail: Jail) -> dict[str, Any]:
    """The product's column values as an import writes them (as ``products.upsert`` does)."""
    return {
        "jail_id": jail.id,
        "name": data.name.strip(),
        "name_hi": data.name_hi or None,
        "name_ur": data.name_ur or None,
        "keywords": data.keywords,
        "category": data.category.strip().lower(),
        "craft": data.craft,
        "description": data.description,
        "price_minor": data.price_minor,
        "currency": data.currency.upper(),
        "low_stock_threshold": data.low_stock_threshold,
        "marks": data.marks,
        "photo": data.photo or None,
        "perishable": data.perishable,
        "lead_time_days": data.lead_time_days,
        "active": data.active,
        "stock": data.stock,
        "variant_kind": data.variant_kind,
        "variant": variant_value(data.sku, data.variant),
    }


@dataclass
class _Batch:
    """One batch's writes, gathered so each table gets one bulk statement."""

    session: Session
    actor: str
    jails: dict[str, Jail]
    moves: list[dict[str, Any]] = field(default_factory=list)
    audits: list[dict[str, Any]] = field(default_factory=list)
    indexed: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    parents: set[int] = field(default_factory=set)  # products whose sizes this batch touched

    def stock_changed(self, product_id: int, sku: str, before: int, after: int) -> None:
        """The ledger row and audit row ``stock.set_stock`` writes for a count."""
        self.moves.append({"product_id": product_id, "delta": after - before,
                           "stock_after": after, "reason": IMPORT_REASON, "actor": self.actor,
                           "order_id": None})
        self.audits.append({"actor": self.actor, "channel": None, "action": "stock",
                            "entity": "product", "entity_id": sku, "before": {"stock": before},
                            "after": {"stock": after}, "reason": IMPORT_REASON})

    def flush(self) -> None:
        """Write the ledger, the audit trail and the search index of the batch's products."""
        if self.moves:
            self.session.execute(_table(StockMove).insert(), self.moves)
            self.session.execute(_table(AuditEntry).insert(), self.audits)
        place = _PlaceTerms(self.jails)
        rows = [row for pid, cols in self.indexed for row in _index_rows(pid, cols, place)]
        if rows:
            rows.sort()  # in the index's order: each page is read and written once per batch
            _insert_index_rows(self.session, rows)


class _PlaceTerms:
    """Each jail's own search terms, worked out once per batch instead of once per product."""

    def __init__(self, jails: dict[str, Jail]) -> None:
        self._jails = {j.id: j for j in jails.values()}
        self._terms: dict[int, dict[str, int]] = {}

    def __call__(self, jail_id: int) -> dict[str, int]:
        if jail_id not in self._terms:
            self._terms[jail_id] = product_terms(_BLANK, self._jails[jail_id])
        return self._terms[jail_id]


# A product without text: ``product_terms`` of it and a jail gives the jail's terms alone.
_BLANK = Product(sku="", name="", keywords="", category="", craft="", marks="")
_NO_PLACE = Jail(code="", name="", town="", region="", programme="")
_INDEX_COLUMNS = ("term", "product_id", "weight", *COPIED)


def _index_rows(product_id: int, cols: dict[str, Any], place: _PlaceTerms) -> list[tuple[Any, ...]]:
    """The search index rows of one product, as ``search.reindex`` builds them.

    ``product_terms`` takes the highest weight of a term over the product's fields and its
    jail's; merging the jail's cached terms the same way gives the same rows.
    """
    product = SimpleNamespace(**cols)  # the term builders only read these attributes
    weighted = dict(place(cols["jail_id"]))
    for term, weight in product_terms(product, _NO_PLACE).items():  # type: ignore[arg-type]
        weighted[term] = max(weighted.get(term, 0), weight)
    keys = sort_keys(product)  # type: ignore[arg-type]
    extra = tuple(keys[c] for c in COPIED)
    return [(term, product_id, weight, *extra) for term, weight in weighted.items()]


def _insert_index_rows(session: Session, rows: list[tuple[Any, ...]]) -> None:
    """The driver's fastest path (COPY, or one executemany): a big import has millions."""
    conn = session.connection()
    table, columns = ProductTerm.__tablename__, ", ".join(_INDEX_COLUMNS)
    if conn.dialect.name == "postgresql":
        cur = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cur, cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join("?" * len(_INDEX_COLUMNS))
    conn.exec_driver_sql(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)


def _existing(session: Session, skus: list[str]) -> dict[str, dict[str, Any]]:
    """The batch's products already in the catalog, locked until the batch commits."""
    stmt = select(Product.__table__).where(Product.sku.in_(skus)).with_for_update()
    return {row.sku: dict(row._mapping) for row in session.execute(stmt)}


def _parent_ids(session: Session, skus: Iterable[str]) -> dict[str, int]:
    wanted = sorted({variants.split_sku(s)[0] for s in skus})
    if not wanted:
        return {}
    found = session.execute(select(Product.sku, Product.id).where(Product.sku.in_(wanted)))
    return {sku: pid for sku, pid in found}


def _create(batch: _Batch, new: list[ProductData]) -> None:
    """Insert the new products; sizes and colours after the rest, since they need their
    parent's id (which may be new in this batch)."""
    plain = [d for d in new if "/" not in d.sku]
    children = [d for d in new if "/" in d.sku]
    for group in (plain, children):
        if group:
            _insert(batch, group)


def _insert(batch: _Batch, new: list[ProductData]) -> None:
    values = [{"sku": d.sku, **_columns(d, batch.jails[d.jail_code])} for d in new]
    parents = _parent_ids(batch.session, [v["sku"] for v in values if "/" in v["sku"]])
    for cols in values:
        if "/" in cols["sku"]:
            cols["parent_id"] = parents[variants.split_sku(cols["sku"])[0]]
            batch.parents.add(cols["parent_id"])
    # A plain executemany and one look-up of the new ids: RETURNING over many rows makes
    # SQLAlchemy build statements that psycopg then spends long parsing.
    batch.session.execute(_table(Product).insert(), values)
    skus = [v["sku"] for v in values]
    found = batch.session.execute(select(Product.sku, Product.id).where(Product.sku.in_(skus)))
    ids: dict[str, int] = {sku: pid for sku, pid in found}
    for cols in values:
        pid = ids[cols["sku"]]
        if cols["stock"]:
            batch.stock_changed(pid, cols["sku"], 0, cols["stock"])
        if "/" not in cols["sku"]:  # a size or colour is found through its parent
            batch.indexed.append((pid, cols))
        else:
            batch.parents.add(cols["parent_id"])


def _update(batch: _Batch, pairs: list[tuple[ProductData, dict[str, Any]]]) -> None:
    changes: list[dict[str, Any]] = []
    with_sizes = _with_children(batch.session, [old["id"] for _, old in pairs])
    for data, old in pairs:
        cols = _columns(data, batch.jails[data.jail_code])
        cols["photo"] = cols["photo"] or old["photo"]
        cols["variant_kind"] = cols["variant_kind"] or old["variant_kind"]
        if old["id"] in with_sizes:
            cols["stock"] = old["stock"]  # the sum of its sizes, whatever the file says
        if old["parent_id"] is not None:
            batch.parents.add(old["parent_id"])
        if all(cols[c] == old.get(c) for c in cols):
            continue
        if cols["stock"] != old["stock"]:
            batch.stock_changed(old["id"], data.sku, old["stock"], cols["stock"])
        changes.append({"id": old["id"], **cols})
        if old["parent_id"] is None:
            batch.indexed.append((old["id"], {"sku": data.sku, **cols}))
    if not changes:
        return
    ids = [c["id"] for c in changes]
    # Index rows go first, so the trigger that copies stock and price into them has none to touch.
    batch.session.execute(delete(ProductTerm).where(ProductTerm.product_id.in_(ids)))
    batch.session.execute(update(Product), changes)


def _with_children(session: Session, ids: list[int]) -> set[int]:
    if not ids:
        return set()
    stmt = select(Product.parent_id).where(Product.parent_id.in_(ids)).distinct()
    return {pid for pid in session.scalars(stmt) if pid is not None}


def _sum_parents(batch: _Batch) -> None:
    """Each parent whose sizes changed gets their sum as its stock (a first size takes over
    what the parent had counted), through the ledger like any count."""
    for pid in sorted(batch.parents):
        total = batch.session.scalar(
            select(func.coalesce(func.sum(Product.stock), 0)).where(Product.parent_id == pid)
        )
        row = batch.session.execute(
            select(Product.sku, Product.stock).where(Product.id == pid).with_for_update()
        ).one()
        if row.stock != total:
            batch.session.execute(update(Product).where(Product.id == pid).values(stock=total))
            batch.stock_changed(pid, row.sku, row.stock, int(total or 0))


def _write(
    session: Session,
    rows: list[ProductData],
    jails: dict[str, Jail],
    *,
    actor: str,
    only_new: bool,
    result: ImportResult,
) -> None:
    """Upsert one batch with a handful of bulk statements."""
    existing = _existing(session, [d.sku for d in rows])
    new = [d for d in rows if d.sku not in existing]
    old = [] if only_new else [(d, existing[d.sku]) for d in rows if d.sku in existing]
    batch = _Batch(session, actor, jails)
    if new:
        _create(batch, new)
    _update(batch, old)
    _sum_parents(batch)
    batch.flush()
    result.created += len(new)
    result.updated += len(old)


def _refuse_bad(checked: Checked, skip_bad: bool) -> None:
    if checked.errors and not skip_bad:
        raise CsvRejected(f"{len(checked.errors)} bad row(s); nothing was imported", checked.errors)


def jails_by_code(session: Session) -> dict[str, Jail]:
    return {j.code.upper(): j for j in session.scalars(select(Jail))}


def import_file(
    sessions: sessionmaker[Session],
    source: Source,
    *,
    actor: str,
    skip_bad: bool = False,
    only_new: bool = False,
    batch_size: int = BATCH_SIZE,
    checked: Checked | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Check the whole file, then upsert its good rows one committed batch at a time.

    Between batches other writers get the database; ``progress`` hears each batch's size.
    ``checked`` is the first pass's result when the caller already ran ``check``.
    """
    with sessions() as session:
        jails = jails_by_code(session)
        pause = _Pause(session.get_bind().dialect.name == "sqlite")
    known = known_parents_in(sessions)
    checked = checked or check(source, jails, known)
    _refuse_bad(checked, skip_bad)
    result = ImportResult(skipped=checked.errors)
    for rows in _batches(_good_rows(source, jails, known), batch_size):
        with transaction(sessions) as session:
            pause.tune(session)
            _write(session, rows, jails, actor=actor, only_new=only_new, result=result)
        if progress:
            progress(len(rows))
        pause.between_batches()
    return result


class _Pause:
    """Lets SQLite's other writers in between batches.

    A writer waiting for SQLite's lock sleeps and retries (at most 100 ms apart), so an
    importer that begins its next batch at once could keep it out for the whole file. After
    each half second of writing the importer stands aside for longer than one such sleep.
    PostgreSQL queues waiters on its row locks and needs no pause.
    """

    EVERY_S = 0.5
    FOR_S = 0.15
    CACHE_KIB = 65_536  # a page cache that holds the index pages a batch touches

    def __init__(self, sqlite: bool) -> None:
        self.sqlite = sqlite
        self.since = time.monotonic()

    def tune(self, session: Session) -> None:
        if self.sqlite:
            session.connection().exec_driver_sql(f"PRAGMA cache_size = -{self.CACHE_KIB}")

    def between_batches(self) -> None:
        if self.sqlite and time.monotonic() - self.since >= self.EVERY_S:
            time.sleep(self.FOR_S)
            self.since = time.monotonic()


def import_csv(
    session: Session,
    raw: Source,
    *,
    actor: str,
    skip_bad: bool = False,
    only_new: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Check, then upsert every row in the caller's transaction (the seed, small files).

    ``only_new`` adds products whose SKU is unknown and leaves existing ones as they are.
    """
    jails = jails_by_code(session)
    known = known_parents(session)
    checked = check(raw, jails, known)
    _refuse_bad(checked, skip_bad)
    result = ImportResult(skipped=checked.errors)
    for rows in _batches(_good_rows(raw, jails, known), BATCH_SIZE):
        _write(session, rows, jails, actor=actor, only_new=only_new, result=result)
        if progress:
            progress(len(rows))
    return result


# ------------------------------------------------------------------ export
def neutralise(cell: str) -> str:
    """Text a spreadsheet would run as a formula gets a leading ``'`` (OWASP's advice)."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def export_rows(session: Session) -> Iterable[dict[str, str]]:
    stmt = select(Product).order_by(Product.sku)
    for p in session.scalars(stmt):
        row = {
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
            "variant_kind": p.variant_kind or "",
            "variant": p.variant or "",
        }
        yield {k: v if k in NUMBER_COLUMNS else neutralise(v) for k, v in row.items()}


def export_csv(session: Session, out: IO[str]) -> int:
    writer = csv.DictWriter(out, fieldnames=list(EXPORT_COLUMNS), lineterminator="\n")
    writer.writeheader()
    n = 0
    for row in export_rows(session):
        writer.writerow(row)
        n += 1
    return n
