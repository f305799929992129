"""Catalog import benchmark: a large CSV through ``kaarigar catalog import``'s code path.

Writes N synthetic but realistic products (``bench/catalog_bench.py``'s generator) to a CSV
file, imports it into a fresh, seeded database (SQLite file, or a schema of its own on the
PostgreSQL server), and reports the wall time and the importing process's peak RSS. The import
runs in a child process, so its peak RSS is its own. While it runs, this process counts the
stock of a seeded product every half second, as a staff member would, and reports the longest
wait: the bot must keep writing during an import.

Run alone: ``python bench/import_bench.py --rows 200000 --db sqlite --db postgres``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from catalog_bench import DEFAULT_PG_URL, fresh_database, generate_products, seed_base  # noqa: E402

from catalog import csvio, stock  # noqa: E402
from catalog.db import make_engine, make_sessionmaker, transaction  # noqa: E402

COLUMNS = list(csvio.EXPORT_COLUMNS)


def write_csv(path: Path, rows: int, jails: list[Any], seed: int = 7) -> None:
    """``rows`` products as an operator's spreadsheet would hold them."""
    by_id = {j.id: j.code for j in jails}
    products = generate_products(rows, jails, 1_000_000, random.Random(seed))
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(COLUMNS)
        for p in products:
            cells = p | {"jail": by_id[p["jail_id"]], "price": f"{p['price_minor'] / 100:.2f}",
                         "perishable": "yes" if p["perishable"] else "no",
                         "active": "yes" if p["active"] else "no"}
            writer.writerow(["" if cells.get(c) is None else cells[c] for c in COLUMNS])


def child(url: str, schema: str | None, path: Path) -> None:
    """Import ``path`` as the CLI does, then print seconds and peak RSS as JSON."""
    args: dict[str, Any] = {"connect_args": {"options": f"-csearch_path={schema}"}} if schema else {}
    sessions = make_sessionmaker(make_engine(url, **args))
    t0 = time.perf_counter()
    with sessions() as session:
        checked = csvio.check(path, csvio.jails_by_code(session))
    checked_s = time.perf_counter() - t0
    result = csvio.import_file(sessions, path, actor="bench", checked=checked)
    print(json.dumps({
        "seconds": round(time.perf_counter() - t0, 1),
        "check_seconds": round(checked_s, 1),
        "created": result.created,
        "bad_rows": len(result.skipped),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }))


def staff_counts_while(proc: subprocess.Popen[str], sessions: Any) -> list[float]:
    """Set KS-101's stock every half second while the import runs; each write's wait."""
    waits: list[float] = []
    while proc.poll() is None:
        t0 = time.perf_counter()
        with transaction(sessions) as session:
            stock.set_stock(session, "KS-101", len(waits) % 50, reason="count", actor="bench")
        waits.append(time.perf_counter() - t0)
        time.sleep(0.5)
    return waits


def run(kind: str, rows: int, pg_url: str) -> dict[str, Any]:
    with fresh_database(kind, pg_url) as db, tempfile.TemporaryDirectory() as tmp:
        jails = seed_base(db, 40, random.Random(1))
        path = Path(tmp) / "catalog.csv"
        write_csv(path, rows, jails)
        url = f"sqlite:///{db.notes['file']}" if kind == "sqlite" else pg_url
        cmd = [sys.executable, __file__, "--child", url, db.notes.get("schema", ""), str(path)]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        waits = staff_counts_while(proc, db.sessions)
        out, _ = proc.communicate()
        if proc.returncode:
            raise SystemExit(f"the import failed ({kind})")
        report: dict[str, Any] = json.loads(out)
        report |= {"db": kind, "rows": rows, "file_mb": round(path.stat().st_size / 2**20, 1),
                   "staff_writes": len(waits), "staff_max_wait_s": round(max(waits, default=0), 2),
                   "load_average": os.getloadavg()}
        return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--db", action="append", choices=["sqlite", "postgres"])
    parser.add_argument("--pg-url", default=os.environ.get("KAARIGAR_TEST_PG_URL", DEFAULT_PG_URL))
    parser.add_argument("--child", nargs=3, metavar=("URL", "SCHEMA", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        url, schema, path = args.child
        child(url, schema or None, Path(path))
        return
    for kind in args.db or ["sqlite", "postgres"]:
        print(json.dumps(run(kind, args.rows, args.pg_url)), flush=True)


if __name__ == "__main__":
    main()
