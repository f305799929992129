"""Issue 10, item 5: a long catalog import lets the bot write while it runs.

The import commits in batches, so SQLite's write lock (and PostgreSQL's row locks) are released
between them: a staff member's stock count gets in within a couple of seconds, not after the
whole file. The 200 000-row timing lives in bench/import_bench.py.
"""

from __future__ import annotations

import threading
import time

from click.testing import CliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.cli import main
from catalog import csvio, products, search, stock
from catalog.db import transaction
from catalog.models import AuditEntry, Product, ProductTerm, StockMove

ROWS = 20_000
HEADER = "sku,name,category,jail,price,currency,stock,keywords\n"


def big_file(rows: int = ROWS) -> bytes:
    """KS-101 first (a product staff also count), then many new products."""
    lines = [HEADER, "KS-101,Kullu Shawl (Wool),handloom,KND,2400.00,INR,40,shawl\n"]
    lines += [f"BIG-{i:06d},Bulk Shawl {i},handloom,KND,{100 + i % 900}.00,INR,{i % 50},wool\n"
              for i in range(rows)]
    return "".join(lines).encode()


def import_like_the_cli(sessions: sessionmaker[Session], raw: bytes, progress) -> None:
    """What ``kaarigar catalog import`` runs."""
    csvio.import_file(sessions, raw, actor="cli", progress=progress)


def test_staff_write_gets_in_while_a_long_import_runs(seeded):
    started, finished = threading.Event(), threading.Event()
    failure: list[BaseException] = []

    def run() -> None:
        try:
            import_like_the_cli(seeded, big_file(), lambda n: started.set())
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            failure.append(exc)
        finally:
            started.set()
            finished.set()

    worker = threading.Thread(target=run)
    worker.start()
    assert started.wait(120), "the import never began writing"
    t0 = time.monotonic()
    with transaction(seeded) as s:
        stock.set_stock(s, "KS-101", 7, reason="count", actor="staff:1")
    waited = time.monotonic() - t0
    import_still_running = not finished.is_set()
    worker.join(300)
    assert not failure, failure
    assert waited < 2.0, f"the staff write waited {waited:.1f}s for the import"
    assert import_still_running, "the write only got in after the import"
    with seeded() as s:
        assert s.scalar(select(func.count()).where(Product.sku.like("BIG-%"))) == ROWS
        assert products.get(s, "KS-101").stock == 7


def test_batched_import_keeps_ledger_audit_and_search_index(seeded):
    raw = HEADER.encode() + (
        b"KS-101,Kullu Shawl (Wool),handloom,KND,2500.00,INR,30,shawl\n"
        b"NEW-7,Terracotta Elephant,pottery,GKP,900,INR,3,haathi\n"
        b"NEW-8,Clay Lamp,pottery,GKP,90,INR,0,diya\n"
    )
    result = csvio.import_file(seeded, raw, actor="cli", batch_size=2)
    assert (result.created, result.updated) == (2, 1)
    with seeded() as s:
        for sku, expected in (("KS-101", 30), ("NEW-7", 3), ("NEW-8", 0)):
            p = products.get(s, sku)
            assert p.stock == expected == stock.ledger_sum(s, p.id)
            # The index rows are the ones search.reindex writes for the product.
            rows = s.execute(select(ProductTerm.term, ProductTerm.weight, ProductTerm.in_stock,
                                    ProductTerm.price_minor).where(ProductTerm.product_id == p.id))
            assert set(rows) == {(t, w, p.stock > 0, p.price_minor)
                                 for t, w in search.product_terms(p, p.jail).items()}
        audit = s.scalars(select(AuditEntry).where(AuditEntry.entity_id == "NEW-7")).one()
        assert (audit.action, audit.before, audit.after) == ("stock", {"stock": 0}, {"stock": 3})
        elephant = products.get(s, "NEW-7")
        moves = s.scalars(select(StockMove.reason).where(StockMove.product_id == elephant.id))
        assert list(moves) == ["catalog import"]
    # Importing the same file again changes nothing.
    again = csvio.import_file(seeded, raw, actor="cli", batch_size=2)
    assert (again.created, again.updated) == (0, 3)
    with seeded() as s:
        assert stock.ledger_sum(s, products.get(s, "KS-101").id) == 30
        assert s.scalar(select(func.count()).select_from(AuditEntry)
                        .where(AuditEntry.entity_id == "NEW-7")) == 1


def test_cli_draws_the_progress_bar_on_stderr_only_when_asked(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/k.db")
    runner = CliRunner()
    assert runner.invoke(main, ["seed"], catch_exceptions=False).exit_code == 0
    path = tmp_path / "big.csv"
    path.write_bytes(big_file(1_200))
    quiet = runner.invoke(main, ["catalog", "import", str(path)], catch_exceptions=False)
    assert quiet.exit_code == 0 and "importing" not in quiet.stderr
    asked = runner.invoke(main, ["catalog", "import", "--progress", str(path)],
                          catch_exceptions=False)
    assert asked.exit_code == 0
    assert "importing" in asked.stderr and "100%" in asked.stderr
    assert asked.stdout.strip() == "0 created, 1201 updated, 0 skipped"
