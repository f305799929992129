#!/usr/bin/env python3
"""Kaarigar's benchmark suite: one command, every figure next to its target.

    kaarigar bench                      # everything (the import alone adds 6-8 minutes)
    kaarigar bench --only catalog       # one part (catalog, staff, payments, import, nlu,
                                        # e2e, footprint); the others' figures are kept
    python bench/run.py --only catalog --sizes 1000,10000
    kaarigar bench --only e2e --turns 200 --repeat 2 --rates 10,20 --open-seconds 5 \
        --concurrency 1,8 --out-dir /tmp/bench          # a quick run
    kaarigar bench --only e2e,catalog,footprint --sizes 100000   # the headline figures
                                        # (23 minutes on 2 busy cores)

Each headline figure is the median of ``--repeat`` repetitions (3 by default) with their
range; the 1-minute load average and the CPU steal are recorded before and during every
repetition (``bench/machine_load.py``). Kaarigar and bare Rasa are measured in the same run,
segment by segment.

The nlu, e2e and footprint parts share one Rasa server and action server, started once on a
seeded SQLite database with the model in models/ (trained first if missing) and always
stopped at the end; footprint stops them before timing `kaarigar run` from cold. The e2e part
also measures the multi-process shape (``--paths``, by default its Kaarigar path): two web
apps, two Rasa servers and an action server on a fresh schema at ``--pg-url`` and Redis at
``--redis-url`` (or ``$KAARIGAR_BENCH_REDIS_URL``), started for the part and stopped after it.

Writes ``bench/results/results.json``, ``RESULTS.md``, ``latency_vs_concurrency.png`` and
``open_loop.png``.
Targets steer the work: a missed target is reported, it does not fail the run. A part that
cannot run (no PostgreSQL, no Rasa, a module not written yet) says "not run: <reason>".
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "bench"
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(BENCH))

from machine_load import Load, reference_ms, summarise  # noqa: E402
from machine_load import text as load_text  # noqa: E402
from spread import met as met_text  # noqa: E402
from spread import show, spread  # noqa: E402

PARTS = ["catalog", "staff", "payments", "import", "nlu", "e2e", "footprint"]
DEFAULT_PG_URL = os.environ.get("KAARIGAR_BENCH_PG_URL",
                                "postgresql://postgres@127.0.0.1:5432/test")
# The multi-process shape's Redis (Rasa's tracker and lock stores, the web apps' state) when
# --redis-url is not given.
DEFAULT_REDIS_URL = os.environ.get("KAARIGAR_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
E2E_PATHS = "kaarigar,rasa,kaarigar-multi"


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------ machine
def machine() -> dict[str, Any]:
    mem_kb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO,
                                capture_output=True, text=True, timeout=5).stdout.strip()
        dirty = bool(subprocess.run(["git", "status", "--porcelain"], cwd=REPO,
                                    capture_output=True, text=True, timeout=10).stdout.strip())
    except (OSError, subprocess.SubprocessError):
        commit, dirty = "", False
    import sqlite3

    return {
        "cores": os.cpu_count(),
        "memory_gb": round(mem_kb / 1024 / 1024, 1) if mem_kb else None,
        "cpu": cpu,
        "os": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "git_commit": commit + ("+dirty" if dirty else ""),
        "load_average_at_start": list(os.getloadavg()),
        "reference_ms": reference_ms(),
    }


def pg_version(url: str) -> str | None:
    try:
        from sqlalchemy import text

        from catalog.db import make_engine

        eng = make_engine(url)
        with eng.connect() as conn:
            v = conn.execute(text("SHOW server_version")).scalar()
        eng.dispose()
        return str(v)
    except Exception:  # noqa: BLE001
        return None


# ------------------------------------------------------------------ parts
def part_catalog(args: argparse.Namespace) -> dict[str, Any]:
    from catalog_bench import run_catalog

    sizes = tuple(int(s) for s in args.sizes.split(","))
    return run_catalog(sizes, tuple(args.dbs.split(",")), pg_url=args.pg_url,
                       buyers=args.buyers, repeat=args.repeat, rounds=args.search_rounds,
                       log=log)


def part_staff(args: argparse.Namespace) -> dict[str, Any]:
    script = BENCH / "staff_commands.py"
    if not script.exists():
        return {"status": "not run: bench/staff_commands.py is not written yet"}
    # The script takes --rounds and writes bench/results/staff.json itself.
    out = BENCH / "results" / "staff.json"
    before = out.stat().st_mtime if out.exists() else None
    proc = subprocess.run([sys.executable, str(script)], cwd=REPO, capture_output=True,
                          text=True, timeout=300)
    fresh = out.exists() and (before is None or out.stat().st_mtime > before)
    if proc.returncode == 0 and fresh:
        return {"results": json.loads(out.read_text(encoding="utf-8")),
                "table": proc.stdout.strip().splitlines()[-40:]}
    return {"status": f"not run: bench/staff_commands.py exited {proc.returncode}: "
                      f"{(proc.stderr or proc.stdout).strip()[-400:]}"}


def script_part(script: str, args: list[str], timeout: float) -> dict[str, Any]:
    """Run a benchmark script of its own (bench/payments_bench.py, bench/import_bench.py) and
    keep what it printed: those scripts print their own table with the machine's load."""
    proc = subprocess.run([sys.executable, str(BENCH / script), *args], cwd=REPO,
                          capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        return {"status": f"not run: bench/{script} exited {proc.returncode}: "
                          f"{(proc.stderr or proc.stdout).strip()[-400:]}"}
    return {"table": proc.stdout.strip().splitlines()[-40:]}


def part_payments(args: argparse.Namespace) -> dict[str, Any]:
    return script_part("payments_bench.py", [], timeout=900)


def part_import(args: argparse.Namespace) -> dict[str, Any]:
    dbs = [x for db in args.dbs.split(",") for x in ("--db", db)]
    return script_part("import_bench.py", ["--rows", str(args.import_rows), *dbs], timeout=3600)


def rasa_reachable(url: str) -> bool:
    import httpx

    try:
        return httpx.get(url.rstrip("/") + "/", timeout=3).status_code == 200
    except httpx.HTTPError:
        return False


class RasaStack:
    """The Rasa server the parts share: the one at ``--rasa-url``, or one started here once,
    the way the tests start theirs (``tests/fixtures_rasa.py``): a seeded SQLite database in
    a temporary directory, the catalog NLU file regenerated from it, the model in ``models/``
    (trained first if missing, or always with ``--retrain``), and ``bot.ops.processes.RasaStack``
    for the action server and ``rasa run``."""

    def __init__(self, url: str | None, redis_url: str | None = None,
                 retrain: bool = False, model: str | None = None) -> None:
        self.url = url
        self.model = Path(model) if model else None
        self.redis_url = redis_url
        self.retrain = retrain
        self.reason: str | None = None
        self.stack: Any = None
        self.database_url: str | None = None
        self.pids: dict[str, int] = {}
        self.meta: dict[str, Any] = {}
        self.model_file: Path | None = None  # the model the started Rasa loaded

    def start(self) -> str | None:
        if self.reason:
            return None
        if self.meta.get("source"):
            return self.url
        if self.url:
            if rasa_reachable(self.url):
                self.meta["source"] = "given --rasa-url"
                return self.url
            self.reason = f"Rasa at {self.url} is not answering"
            return None
        try:
            self._start()
            return self.url
        except Exception as exc:  # noqa: BLE001 - the parts say why they did not run
            self.reason = f"starting Rasa failed: {type(exc).__name__}: {str(exc)[-600:]}"
            return None

    def _start(self) -> None:
        import tempfile

        from e2e_load import seeded_sqlite

        from bot.ops import processes, training
        from catalog.db import make_engine, make_sessionmaker

        workdir = Path(tempfile.mkdtemp(prefix="kaarigar-bench-rasa-"))
        self.database_url = seeded_sqlite(workdir)
        if self.model:
            trained = training.TrainResult(self.model, False, 0.0)
        else:
            engine = make_engine(self.database_url)
            with make_sessionmaker(engine)() as session:
                training.write_generated(session)
            engine.dispose()
            log("rasa: " + ("training the model (--retrain)" if self.retrain else
                            "finding the model in models/ (training it if missing)"))
            trained = training.train(force=self.retrain, echo=log)
        self.model_file = trained.model
        self.meta["model"] = {
            "file": trained.model.name,
            "size_mb": round(trained.model.stat().st_size / 2**20, 1),
            "trained_in_this_run": trained.trained,
            "training_seconds": round(trained.seconds, 1) if trained.trained else None,
        }
        log("rasa: starting the action server and Rasa")
        t0 = time.perf_counter()
        stack = processes.RasaStack(model=trained.model, database_url=self.database_url,
                                    redis_url=self.redis_url, workdir=workdir)
        stack.start()
        self.stack = stack
        self.url = stack.rasa_url
        # by name: Rasa is spawned first since session 10, and indexing labelled them swapped
        label = {"actions": "action server", "rasa": "rasa server"}
        self.pids = {label[s.name]: s.process.pid for s in stack.servers}
        self.meta.update(source="bot.ops.processes.RasaStack", rasa_url=self.url,
                         startup_seconds=round(time.perf_counter() - t0, 1),
                         tracker_store="redis" if self.redis_url else "in-memory")
        log(f"rasa: healthy on {self.url} after {self.meta['startup_seconds']} s")

    def stop(self) -> None:
        if self.stack is not None:
            self.stack.stop()
            self.stack = None
            self.reason = "the Rasa stack was stopped"


class MultiStack:
    """The multi-process shape's servers (issue 13): one action server and two Rasa servers,
    started one after the other by ``bot.ops.processes.RasaStack`` as `kaarigar run --only
    actions` and `--only rasa` start them, on a fresh schema of the PostgreSQL database at
    ``--pg-url`` (migrated and seeded) and Rasa's Redis tracker and lock stores. The load
    generator starts the two web apps. ``stop`` stops them all and drops the schema."""

    def __init__(self, pg_url: str, redis_url: str) -> None:
        self.pg_url, self.redis_url = pg_url, redis_url
        self.stacks: list[Any] = []
        self.schema: str | None = None

    def start(self, model: Path) -> Any:
        """The shape for ``e2e_load.run``; raises if a part does not start."""
        import tempfile
        import uuid

        from e2e_load import Shape, seeded
        from sqlalchemy import text

        from bot.ops import processes
        from catalog.db import make_engine

        self.schema = f"kbench_{uuid.uuid4().hex[:8]}"
        admin = make_engine(self.pg_url)
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {self.schema}"))
        admin.dispose()
        # the servers are other processes: the schema travels in the URL (libpq options)
        sep = "&" if "?" in self.pg_url else "?"
        url = seeded(f"{self.pg_url}{sep}options=-csearch_path%3D{self.schema}")
        log("multi: starting the action server and two Rasa servers (PostgreSQL, Redis)")
        for parts in ({"actions", "rasa"}, {"rasa"}):  # one model load at a time
            self.stacks.append(processes.RasaStack(
                model=model, database_url=url, redis_url=self.redis_url, parts=frozenset(parts),
                action_url_given=self.stacks[0].action_url if self.stacks else None,
                workdir=Path(tempfile.mkdtemp(prefix="kaarigar-bench-multi-"))))
            self.stacks[-1].start()
        pids = [(st._server(name).process.pid, name) for st in self.stacks for name in
                ("actions", "rasa") if name in st.parts]
        return Shape([st.rasa_url for st in self.stacks], url, self.redis_url, {
            "rasa servers (multi)": [pid for pid, name in pids if name == "rasa"],
            "action server (multi)": [pid for pid, name in pids if name == "actions"]})

    def stop(self) -> None:
        for stack in reversed(self.stacks):
            stack.stop()
        self.stacks = []
        if self.schema:
            from sqlalchemy import text

            from catalog.db import make_engine

            admin = make_engine(self.pg_url)
            with admin.begin() as conn:
                conn.execute(text(f"DROP SCHEMA {self.schema} CASCADE"))
            admin.dispose()
            self.schema = None


def part_nlu(args: argparse.Namespace, rasa: RasaStack) -> dict[str, Any]:
    url = rasa.start()
    if not url:
        return {"status": f"not run: {rasa.reason}"}
    out = Path(args.out_dir) / "nlu.json"
    log(f"nlu: evaluating {url}")
    proc = subprocess.run([sys.executable, str(BENCH / "nlu_eval.py"), "--rasa-url", url,
                           "--out", str(out)], cwd=REPO, capture_output=True, text=True,
                          timeout=600)
    if proc.returncode != 0 or not out.exists():
        return {"status": f"not run: nlu_eval.py exited {proc.returncode}: "
                          f"{proc.stderr.strip()[-400:]}"}
    result = json.loads(out.read_text(encoding="utf-8"))
    for bulky in ("raw", "errors"):  # kept in nlu.json
        result.pop(bulky, None)
    result["details"] = out.name
    result["rasa"] = rasa.meta
    return result


def part_e2e(args: argparse.Namespace, rasa: RasaStack) -> dict[str, Any]:
    try:
        import e2e_load
    except Exception as exc:  # noqa: BLE001
        return {"status": f"not run: the load generator does not import: {exc}"}
    url = rasa.start()
    if not url:
        return {"status": f"not run: {rasa.reason}"}
    paths = tuple(p for p in args.paths.split(",") if p)
    multi = MultiStack(args.pg_url, args.redis_url or DEFAULT_REDIS_URL)
    shape, multi_status = None, None
    try:
        if any(p.endswith("-multi") for p in paths):
            try:
                from bot.ops import training

                shape = multi.start(rasa.model_file or (Path(args.model) if args.model else
                                                        training.train(echo=log).model))
            except Exception as exc:  # noqa: BLE001 - the single shape is still measured
                multi_status = f"not run: {type(exc).__name__}: {str(exc)[-600:]}"
                log(f"multi: {multi_status}")
                paths = tuple(p for p in paths if not p.endswith("-multi"))
        result = e2e_load.run(url, concurrency=tuple(int(c) for c in args.concurrency.split(",")),
                              turns_per_level=args.turns, repeat=args.repeat,
                              rates=tuple(float(r) for r in args.rates.split(",") if r),
                              open_seconds=args.open_seconds, log=log,
                              database_url=rasa.database_url, redis_url=args.redis_url,
                              pids=rasa.pids, profile=args.profile_web, multi=shape, paths=paths)
    finally:
        multi.stop()
    result["rasa"] = rasa.meta
    if multi_status:
        result["multi_status"] = multi_status
    return result


def part_footprint(args: argparse.Namespace, rasa: RasaStack,
                   done: dict[str, Any]) -> dict[str, Any]:
    import tempfile

    import footprint
    from e2e_load import seeded_sqlite

    out: dict[str, Any] = {"method": footprint.__doc__.strip().split("\n\n")[0]}
    # Peaks over this run's own stack (NLU evaluation and the load included), then free the
    # cores so the start-up below is timed on a quiet stack.
    bench_peaks = {}
    for name, pid in rasa.pids.items():
        bench_peaks.update(footprint.peaks(footprint.named_tree(name, pid)))
    web = ((done.get("e2e") or {}).get("processes") or {}).get("web app")
    if web:
        bench_peaks["web app (under the end-to-end load)"] = web
    if bench_peaks:
        out["bench_run"] = bench_peaks
    rasa.stop()
    from bot.ops import training

    trained = training.train(echo=log)  # `kaarigar run` would train first: not what is timed
    if trained.trained:
        out["model_trained_first_s"] = round(trained.seconds, 1)
    runs = []
    for i in range(max(1, args.footprint_repeat)):
        workdir = Path(tempfile.mkdtemp(prefix="kaarigar-bench-run-"))
        with Load() as load:
            one = footprint.run(seeded_sqlite(workdir),
                                conversations=args.footprint_conversations, log=log)
        one["load"] = load.record
        log(f"footprint: run {i + 1}/{args.footprint_repeat}: first answer "
            f"{one.get('first_answer_s')} s, peak {one.get('total_peak_rss_mb')} MB")
        runs.append(one)
    # The run shown in full is the one with the median time to the first answer.
    ordered = sorted(runs, key=lambda r: r.get("first_answer_s") or float("inf"))
    out["kaarigar_run"] = ordered[(len(ordered) - 1) // 2]
    out["runs"] = [{k: r.get(k) for k in ("first_answer_s", "total_peak_rss_mb", "stop_s",
                                          "phases_s", "load")} for r in runs]
    out["spread"] = {"first_answer_s": spread([r.get("first_answer_s") for r in runs], 2),
                     "total_peak_rss_mb": spread([r.get("total_peak_rss_mb") for r in runs])}
    out["first_answer_s"] = (out["spread"]["first_answer_s"] or {}).get("median")
    out["total_peak_rss_mb"] = (out["spread"]["total_peak_rss_mb"] or {}).get("median")
    out["targets"] = {"first_answer_s_max": footprint.FIRST_ANSWER_TARGET_S,
                      "total_peak_rss_mb_max": footprint.PEAK_RSS_TARGET_MB}
    out["load"] = summarise([r["load"] for r in runs])
    return out


# ------------------------------------------------------------------ report
def fmt(v: Any, unit: str = "") -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.2f}{unit}" if v < 100 else f"{v:.0f}{unit}"
    return f"{v}{unit}"


def markdown(res: dict[str, Any]) -> str:
    m = res["machine"]
    lines = [
        "# Kaarigar benchmark results",
        "",
        f"Run {res['started_at']} in {res['seconds']:.0f} s with `{res['command']}`.",
        "",
        f"Machine: {m['cores']} cores, {m['memory_gb']} GB, {m['cpu']}; {m['os']}; "
        f"Python {m['python']}, SQLite {m['sqlite']}, PostgreSQL {m.get('postgresql') or '–'}; "
        f"commit {m['git_commit']}; load average at start {m['load_average_at_start']}; "
        f"machine speed reference {m.get('reference_ms', '–')} ms (bench/machine_load.py "
        "`reference_ms`: the same Python work on every run; larger is a slower or busier machine).",
        "",
        "Targets steer the work; a miss is reported here, it does not fail the run.",
        "",
    ]
    parts = res["parts"]
    lines += headline_markdown(res)
    cat = parts.get("catalog")
    if cat is not None:
        lines += ["## Catalog", ""]
        if "status" in cat:
            lines += [cat["status"], ""]
        else:
            tgt = cat["target"]
            reps = cat.get("repeat", 1)
            lines += [
                "Search: `catalog.search.search()` over a fixed mix of "
                f"{len(cat['queries'])} buyer queries (English, romanized Hindi, Devanagari, "
                "with and without filters), each in its own session, in shuffled rounds; "
                f"{reps} repetitions per size. p99 and the slowest query's p99 are the median "
                "repetition's with the range in brackets; 'all' columns pool every search. "
                f"Targets at the largest size: p99 < {tgt['search_p99_ms_at_largest']:.0f} ms, "
                f"no query's p99 over {tgt.get('slowest_query_p99_ms_at_largest', 50):.0f} ms.",
                "",
                "| database | products | index rows | searches | median ms | p99 ms | "
                "slowest query p99 ms | all: p99 ms | all: max ms | p99 target | met | "
                "slowest target | met |",
                "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---|",
            ]
            for kind, entry in cat["databases"].items():
                if "status" in entry and not entry.get("sizes"):
                    lines.append(f"| {kind} | {entry['status']} | | | | | | | | | | | |")
                    continue
                sizes = list(entry["sizes"])
                for size in sizes:
                    s = entry["sizes"][size]
                    sp = s.get("spread") or {}
                    last = size == sizes[-1]
                    p99 = (sp.get("p99_ms") or {}).get("median", s["p99_ms"])
                    slow = (sp.get("slowest_query_p99_ms") or {}).get("median")
                    t1 = f"< {tgt['search_p99_ms_at_largest']:.0f}" if last else ""
                    m1 = met_text(p99 < tgt["search_p99_ms_at_largest"]) if last else ""
                    t2 = f"< {tgt.get('slowest_query_p99_ms_at_largest', 50):.0f}" if last else ""
                    m2 = (met_text(slow < tgt.get("slowest_query_p99_ms_at_largest", 50))
                          if last and slow is not None else "")
                    lines.append(
                        f"| {kind} | {s['products']:,} | {s['index_rows']:,} | {s['n']} | "
                        f"{show(sp.get('median_ms'))} | {show(sp.get('p99_ms'))} | "
                        f"{show(sp.get('slowest_query_p99_ms'))} | {s['p99_ms']:.1f} | "
                        f"{s['max_ms']:.1f} | {t1} | {m1} | {t2} | {m2} |")
            lines.append("")
            for kind, entry in cat["databases"].items():
                for size, s in (entry.get("sizes") or {}).items():
                    if s.get("load"):
                        lines.append(f"- {kind}, {int(size):,} products: {load_text(s['load'])}.")
            lines.append("")
            for kind, entry in cat["databases"].items():
                if entry.get("slowest_queries"):
                    slow = "; ".join(f"{q['query']} (median {q['median_ms']:.1f}, p99 "
                                     f"{q['p99_ms']:.1f} ms)" for q in entry["slowest_queries"])
                    lines.append(f"Slowest on {kind} at the largest size (all repetitions): "
                                 f"{slow}.")
                    p = entry.get("profile") or {}
                    if p:
                        lines.append(f"Profile of the slowest ({p['runs']} runs): "
                                     f"{p['wall_ms_per_run']:.1f} ms per search, of which "
                                     f"{p['db_execute_ms_per_run']:.1f} ms in the database "
                                     f"({100 * (p['db_share'] or 0):.0f} %).")
                    lines.append("")
            lines += [
                "Orders: buyers in threads, each with its own connection, all start at once "
                "and place one-unit orders of one product (`catalog.orders.place_once`); stock is "
                "half the attempts, so half must be refused. Target: 0 units oversold.",
                "",
                "| database | buyers | connections | attempts | placed | refused | errors | "
                "orders/s | attempts/s | oversold | stock == ledger | 0 oversold |",
                "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
            ]
            for kind, entry in cat["databases"].items():
                o = entry.get("orders")
                if not o:
                    continue
                lines.append(
                    f"| {kind} | {o['buyers']} | {o['connections']} | {o['attempts']} | "
                    f"{o['orders_placed']} | {o['refused_out_of_stock']} | {o['errors']} | "
                    f"{o['orders_per_s']} | {o['attempts_per_s']} | "
                    f"{'**' + str(o['units_oversold']) + '**' if o['units_oversold'] else 0} | "
                    f"{'yes' if o['stock_equals_ledger'] else '**no**'} | "
                    f"{met_text(o['units_oversold'] == 0)} |")
            lines.append("")
    for name, title in (("staff", "Staff commands"), ("payments", "Payment webhooks"),
                        ("import", "Catalog import"), ("nlu", "Understanding"),
                        ("e2e", "A turn, end to end"), ("footprint", "Footprint")):
        part = parts.get(name)
        if part is None:
            continue
        lines += [f"## {title}", ""]
        kept = part.get("kept_from") if isinstance(part, dict) else None
        if kept:
            lines += [f"*Not run this time: these figures are kept from the run of "
                      f"{kept.get('started_at')} (`{kept.get('command')}`, commit "
                      f"{kept.get('git_commit')}).*", ""]
        if isinstance(part, dict) and "status" in part and str(part["status"]).startswith("not run"):
            lines += [part["status"], ""]
            continue
        if name == "nlu" and "heldout" in part:
            lines += nlu_markdown(part)
        elif name == "e2e" and "levels" in part:
            import e2e_load

            lines += e2e_load.markdown(part)
            for fig in res.get("plots") or []:
                lines += [f"![{fig.removesuffix('.png').replace('_', ' ')}]({fig})", ""]
        elif name == "staff" and "databases" in part.get("results", {}):
            lines += staff_markdown(part["results"])
        elif name in ("payments", "import") and "table" in part:
            lines += ["```text", *part["table"], "```", ""]
        elif name == "footprint" and "kaarigar_run" in part:
            import footprint

            lines += footprint.markdown(part)
        else:
            lines += ["```json", json.dumps(part, indent=1, ensure_ascii=False)[:6000], "```", ""]
    return "\n".join(lines)


def headline(res: dict[str, Any]) -> list[dict[str, Any]]:
    """The figures the README quotes: each the median of the repetitions, with its range, its
    target and whether it was met (None where the issue gives no target)."""
    from e2e_load import LABELS

    rows: list[dict[str, Any]] = []
    parts = res["parts"]

    def add(figure: str, value: str, target: str = "", ok: bool | None = None) -> None:
        rows.append({"figure": figure, "value": value, "target": target, "met": ok})

    cat = parts.get("catalog") or {}
    for kind, entry in (cat.get("databases") or {}).items():
        sizes = entry.get("sizes") or {}
        if not sizes:
            continue
        size = list(sizes)[-1]
        sp = sizes[size].get("spread") or {}
        p99 = sp.get("p99_ms")
        slow = sp.get("slowest_query_p99_ms")
        t = cat["target"]
        if p99:
            add(f"search p99 at {int(size):,} products, {kind} (ms)", show(p99),
                f"< {t['search_p99_ms_at_largest']:g}",
                p99["median"] < t["search_p99_ms_at_largest"])
        if slow:
            add(f"slowest query's p99 at {int(size):,}, {kind} (ms)",
                f"{show(slow)} ({sizes[size]['repetitions'][0]['slowest_query']}, rep. 1)",
                f"< {t['slowest_query_p99_ms_at_largest']:g}",
                slow["median"] < t["slowest_query_p99_ms_at_largest"])
        o = entry.get("orders")
        if o:
            add(f"units oversold, {o['buyers']} concurrent buyers, {kind}",
                str(o["units_oversold"]), "0", o["units_oversold"] == 0)
    e2e = parts.get("e2e") or {}
    t = e2e.get("targets") or {}
    for lv in e2e.get("levels") or []:
        c = lv["concurrency"]
        for kind, shape in (("kaarigar", "2 web apps + 2 Rasa"), ("rasa", "2 Rasa servers")):
            one, multi = (lv.get(kind) or {}).get("spread"), (lv.get(f"{kind}-multi") or {})
            if one and multi.get("spread"):
                m = multi["spread"]
                add(f"closed loop, {c} concurrent, {LABELS[kind]}: turns/s; p99 ms, one "
                    f"process / {shape}",
                    f"{show(one['throughput_per_s'])} / {show(m['throughput_per_s'])}; "
                    f"{show(one['p99_ms'])} / {show(m['p99_ms'])}")
        k, r = (lv.get("kaarigar") or {}).get("spread"), (lv.get("rasa") or {}).get("spread")
        if not k or not r:  # a result from before the repetitions, or a path not run
            continue
        add(f"closed loop, {c} concurrent: turns/s Kaarigar / bare Rasa",
            f"{show(k['throughput_per_s'])} / {show(r['throughput_per_s'])}")
        ok8 = c == 8
        add(f"closed loop, {c} concurrent: p99 ms Kaarigar / bare Rasa",
            f"{show(k['p99_ms'])} / {show(r['p99_ms'])}",
            f"< {t['p99_ms_at_8_max']:g} (Kaarigar)" if ok8 and t.get("p99_ms_at_8_max") else "",
            (k["p99_ms"]["median"] < t["p99_ms_at_8_max"]) if ok8 and k.get("p99_ms")
            and t.get("p99_ms_at_8_max") else None)
        ratio = lv.get("throughput_ratio_spread")
        if ratio:
            add(f"closed loop, {c} concurrent: throughput Kaarigar / bare Rasa",
                show(ratio, 2), f">= {t['throughput_ratio_min']:g}" if ok8 else "",
                ratio["median"] >= t["throughput_ratio_min"] if ok8 else None)

    def p99(x: dict[str, Any]) -> str:
        return "> 10 s" if x["p99_ms_median"] is None else f"{x['p99_ms_median']:.0f}"

    sus = e2e.get("sustained_per_s") or {}
    for row in e2e.get("open_loop") or []:
        k, r = row.get("kaarigar"), row.get("rasa")
        if k and r:
            add(f"open loop {row['rate_per_s']:g}/s: p50 / p99 ms, Kaarigar; bare Rasa",
                f"{show(k['spread'].get('median_ms'), 0)} / {p99(k)} ({k['dropped']} dropped); "
                f"{show(r['spread'].get('median_ms'), 0)} / {p99(r)} ({r['dropped']} dropped)",
                f"Kaarigar p99 < {t['open_loop_p99_ms_max']:g} (sustained)",
                bool(k["within_target"]))
        for path in ("kaarigar-multi", "rasa-multi"):
            if x := row.get(path):
                add(f"open loop {row['rate_per_s']:g}/s, {LABELS[path]}: p50 / p99 ms",
                    f"{show(x['spread'].get('median_ms'), 0)} / {p99(x)} ({x['dropped']} "
                    "dropped)")
    if e2e.get("open_loop"):
        if "kaarigar" in sus:
            add("open loop: highest rate with p99 < 300 ms, Kaarigar (turns/s)",
                f"{sus['kaarigar'] or 'none'}", f">= {t['open_loop_sustained_per_s_min']:g}",
                e2e.get("sustained_target_met"))
        if "rasa" in sus:
            add("open loop: highest rate with p99 < 300 ms, bare Rasa (turns/s)",
                f"{sus['rasa'] or 'none'}", "Kaarigar no worse", e2e.get("no_worse_than_rasa"))
        for path in ("kaarigar-multi", "rasa-multi"):
            if path in sus:
                add(f"open loop: highest rate with p99 < 300 ms, {LABELS[path]} (turns/s)",
                    f"{sus[path] or 'none'}")
    fp = parts.get("footprint") or {}
    if fp.get("spread"):
        ft = fp["targets"]
        if fp["spread"].get("first_answer_s"):
            add("`kaarigar run` to the first answer (s)", show(fp["spread"]["first_answer_s"], 1),
                f"< {ft['first_answer_s_max']:g}", fp["first_answer_s"] < ft["first_answer_s_max"])
        if fp["spread"].get("total_peak_rss_mb"):
            add("peak memory of the whole stack (MB)", show(fp["spread"]["total_peak_rss_mb"], 0),
                f"<= {ft['total_peak_rss_mb_max']:g}",
                fp["total_peak_rss_mb"] <= ft["total_peak_rss_mb_max"])
    return rows


def headline_markdown(res: dict[str, Any]) -> list[str]:
    rows = res.get("headline") or headline(res)
    if not rows:
        return []
    reps = res.get("repeat", 3)
    out = ["## Headline", "",
           f"Each value is the median of the repetitions ({reps} unless a part says otherwise) "
           "with the range over them in brackets (min-max).", "",
           "| figure | median (range) | target | met |", "|---|---|---|---|"]
    out += [f"| {r['figure']} | {r['value']} | {r['target']} | {met_text(r['met'])} |"
            for r in rows]
    out += ["", "Machine load while each part ran (1-minute load average, 2 cores, shared with "
            "other work):", ""]
    for name, part in res["parts"].items():
        if isinstance(part, dict) and part.get("part_load"):
            pl = part["part_load"]
            out.append(f"- {name}: load {pl.get('load_1m_before')} before, up to "
                       f"{pl.get('load_1m_during')} during; CPU steal {pl.get('steal_pct')} %, "
                       f"all cores busy {pl.get('busy_pct')} %.")
    return [*out, ""]


def met(ok: bool) -> str:
    return "met" if ok else "**missed**"


def nlu_markdown(part: dict[str, Any]) -> list[str]:
    """Held-out F1 per language and out-of-scope catch rates, next to the keyword baseline."""
    model, kw = part["heldout"]["model"], part["heldout"]["keyword_baseline"]
    split = part.get("split", "tests/nlu/test.yml")
    out = [f"Test split (`{split}`, never tuned on; tuning uses `tests/nlu/dev.yml`), Rasa's "
           "`/model/parse` against a keyword matcher built from the same training data. "
           "Targets: intent macro-F1 >= 0.95, entity F1 >= 0.90.", "",
           "| language | n | intent macro-F1 | entity F1 | keyword macro-F1 |",
           "|---|---:|---:|---:|---:|"]
    for lang, m in model.items():
        out.append(f"| {lang} | {m['n']} | {m['intent_macro_f1']:.3f} | "
                   f"{m['entity_value']['f1']:.3f} | "
                   f"{(kw.get(lang) or {}).get('intent_macro_f1', 0):.3f} |")
    overall = model.get("overall") or {}
    if overall:
        out += ["", f"Intent macro-F1 {overall['intent_macro_f1']:.3f} (target 0.95): "
                f"{met(overall['intent_macro_f1'] >= 0.95)}; entity F1 "
                f"{overall['entity_value']['f1']:.3f} (target 0.90): "
                f"{met(overall['entity_value']['f1'] >= 0.90)}."]
    out += ["", "Out of scope (caught = `nlu_fallback` or `out_of_scope`). Target: >= 0.90 on "
            "the set written for the purpose (`kaarigar_oos`).", "",
            "| set | n | model caught | keyword caught |", "|---|---:|---:|---:|"]
    for name, r in (part.get("out_of_scope") or {}).items():
        out.append(f"| {name} | {r['model']['n']} | {r['model']['caught']:.3f} | "
                   f"{r['keyword_baseline']['caught']:.3f} |")
    oos = ((part.get("out_of_scope") or {}).get("kaarigar_oos") or {}).get("model")
    if oos:
        out += ["", f"Out of scope caught {oos['caught']:.3f} (target 0.90): "
                f"{met(oos['caught'] >= 0.90)}."]
    targets = part.get("targets") or {}
    if targets:
        out += ["", "Issue 12's targets, on this one model (real traffic: "
                "`../shared/eval/real_commerce_hint3.yml`; shared out of scope: "
                "`../shared/eval/out_of_scope.yml`):", "",
                "| figure | value | target | |", "|---|---:|---:|---|"]
        for k, v in targets.items():
            value = "-" if v["value"] is None else f"{v['value']:.3f}"
            out.append(f"| {k} | {value} | >= {v['target']:.2f} | {met(bool(v['met']))} |")
    lat = part.get("latency_ms") or {}
    model_meta = (part.get("rasa") or {}).get("model") or {}
    if lat:
        out += ["", f"`/model/parse` latency, sequential: median {lat['median']:.1f} ms, "
                f"p99 {lat['p99']:.1f} ms (n={lat['n']})."]
    if model_meta:
        trained = (f"trained in this run in {model_meta['training_seconds']} s"
                   if model_meta.get("trained_in_this_run")
                   else "already in models/, training time not measured (`--retrain` measures it)")
        out += ["", f"Model `{model_meta['file']}`: {model_meta['size_mb']} MB, {trained}."]
    out += ["", f"Every figure, the per-intent scores and the errors: `{part.get('details')}`.", ""]
    return out


def staff_markdown(results: dict[str, Any]) -> list[str]:
    """One row per staff command, median and p99 on each database; handled without Rasa."""
    dbs = list(results["databases"])
    lines = [f"Each command handled {results['rounds']} times by the staff handlers, no Rasa running.",
             "", "| command | " + " | ".join(f"{d} median ms | {d} p99 ms" for d in dbs) + " |",
             "|---|" + "---:|---:|" * len(dbs)]
    for command in results["databases"][dbs[0]]:
        cells = [f"{results['databases'][d].get(command, {}).get(k, float('nan')):.1f}"
                 for d in dbs for k in ("median_ms", "p99_ms")]
        lines.append(f"| `{command}` | " + " | ".join(cells) + " |")
    return [*lines, ""]


def _plain_ticks(ax: Any) -> None:
    """Log-scale latency axes labelled 50, 100, 300 rather than 5x10^1."""
    from matplotlib.ticker import FuncFormatter, LogLocator

    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 3.0, 5.0)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
    ax.yaxis.set_minor_formatter(FuncFormatter(lambda _v, _pos: ""))


def _errorbar(ax: Any, xs: list[float], sps: list[dict[str, Any] | None], style: str,
              colour: str, label: str) -> None:
    """Medians joined by a line, each with a bar from the lowest to the highest repetition."""
    pts = [(x, sp) for x, sp in zip(xs, sps, strict=True) if sp]
    if not pts:
        return
    x = [p[0] for p in pts]
    med = [p[1]["median"] for p in pts]
    err = [[m - p[1]["min"] for m, p in zip(med, pts, strict=True)],
           [p[1]["max"] - m for m, p in zip(med, pts, strict=True)]]
    ax.errorbar(x, med, yerr=err, fmt=style, color=colour, label=label, capsize=3, lw=1.4,
                ms=5)


def plot(res: dict[str, Any], out_dir: Path) -> list[str]:
    """latency_vs_concurrency.png (closed loop) and open_loop.png: medians of the
    repetitions with their range, Kaarigar next to bare Rasa."""
    e2e = res["parts"].get("e2e") or {}
    levels = e2e.get("levels")
    if not levels or e2e.get("kept_from") or not all("spread" in lv[p] for lv in levels
                                                      for p in e2e.get("paths", ["kaarigar"])):
        return []  # no new end-to-end figures: the plots already there stay
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from e2e_load import LABELS

    m = res["machine"]
    names = {**LABELS, "kaarigar": "Kaarigar (webhook → last reply)", "rasa": "bare Rasa (REST)"}
    colours = {"kaarigar": "tab:orange", "rasa": "tab:blue", "kaarigar-multi": "tab:red",
               "rasa-multi": "tab:green"}
    paths = e2e.get("paths") or ["kaarigar", "rasa"]
    written = []

    fig, ax = plt.subplots(figsize=(7.5, 4.8))
    conc = [lv["concurrency"] for lv in levels]
    for path in paths:
        for stat, style, tag in (("median_ms", "-o", "p50"), ("p99_ms", "--s", "p99")):
            _errorbar(ax, conc, [((lv.get(path) or {}).get("spread") or {}).get(stat)
                                 for lv in levels], style, colours[path],
                      f"{names[path]} {tag}")
    t = e2e.get("targets") or {}
    if t.get("p99_ms_at_8_max"):
        ax.axhline(t["p99_ms_at_8_max"], color="grey", lw=0.8, ls=":",
                   label=f"target p99 at 8: {t['p99_ms_at_8_max']} ms")
    ax.set_xscale("log", base=2)
    ax.set_xticks(conc, [str(c) for c in conc])
    ax.set_yscale("log")
    ax.set_xlabel("concurrent conversations (closed loop)")
    ax.set_ylabel("latency per turn (ms)")
    _plain_ticks(ax)
    ax.set_title(f"Closed loop: median of {e2e.get('repeat', 1)} repetitions, bars = range\n"
                 f"{m['cores']} cores / {m['memory_gb']} GB, shared machine")
    ax.legend(fontsize=8)
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(out_dir / "latency_vs_concurrency.png", dpi=110)
    plt.close(fig)
    written.append("latency_vs_concurrency.png")

    rows = e2e.get("open_loop") or []
    if rows:
        fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 4.8))
        rates = [r["rate_per_s"] for r in rows]
        cap = 10_000.0  # a rate whose p99 is a dropped turn is drawn at the timeout
        for path in paths:
            sp50 = [r[path]["spread"].get("median_ms") for r in rows]
            _errorbar(ax, rates, sp50, "-o", colours[path], f"{names[path]} p50")
            p99 = [r[path]["p99_ms_median"] if r[path]["p99_ms_median"] is not None else cap
                   for r in rows]
            ax.plot(rates, p99, "--s", color=colours[path], label=f"{names[path]} p99")
            for x, r in zip(rates, rows, strict=True):
                if r[path]["dropped"]:
                    ax.annotate(f"{r[path]['dropped']} dropped", (x, p99[rates.index(x)]),
                                textcoords="offset points",
                                xytext=(4, 6 if path.startswith("kaarigar") else -12),
                                fontsize=7, color=colours[path])
            _errorbar(ax2, rates, [r[path]["spread"].get("achieved_per_s") for r in rows],
                      "-o", colours[path], names[path])
        target = t.get("open_loop_p99_ms_max", 300)
        ax.axhline(target, color="red", lw=0.9, ls=":", label=f"p99 bound {target:.0f} ms")
        ax.set_yscale("log")
        ax.set_xticks(rates, [f"{x:g}" for x in rates])
        ax.set_xlabel("offered turns per second (Poisson arrivals)")
        ax.set_ylabel("latency from arrival (ms); p99 = median repetition's")
        _plain_ticks(ax)
        sus = e2e.get("sustained_per_s") or {}
        best = [f"{LABELS[p]} {sus.get(p) or 'none'}" for p in paths]
        ax.set_title("Open loop latency; highest rate with p99 < 300 ms (target >= "
                     f"{t.get('open_loop_sustained_per_s_min', 40):g}), turns/s:\n"
                     + "\n".join(", ".join(best[i:i + 2]) for i in range(0, len(best), 2)),
                     fontsize=9)
        ax.legend(fontsize=7)
        ax.grid(True, which="both", alpha=0.3)
        top = max(rates) * 1.1
        ax2.plot([0, top], [0, top], color="grey", lw=0.8, ls=":", label="answered = offered")
        ax2.axvline(t.get("open_loop_sustained_per_s_min", 40), color="red", lw=0.8, ls=":",
                    label="target rate")
        ax2.set_xlabel("offered turns per second")
        ax2.set_ylabel("answered turns per second")
        ax2.set_title(f"Throughput, median of {e2e.get('repeat', 1)} repetitions "
                      f"({m['cores']} cores, shared)", fontsize=10)
        ax2.legend(fontsize=7)
        ax2.grid(True, alpha=0.3)
        fig.tight_layout()
        fig.savefig(out_dir / "open_loop.png", dpi=110)
        plt.close(fig)
        written.append("open_loop.png")
    return written


# ------------------------------------------------------------------ main
def parse(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description="Kaarigar benchmark suite")
    ap.add_argument("--only", default="", help=f"comma-separated parts: {','.join(PARTS)}")
    ap.add_argument("--skip", default="", help="comma-separated parts to leave out")
    ap.add_argument("--out-dir", default=str(BENCH / "results"))
    ap.add_argument("--sizes", default="1000,10000,100000", help="catalog sizes")
    ap.add_argument("--dbs", default="sqlite,postgres", help="catalog databases")
    ap.add_argument("--pg-url", default=DEFAULT_PG_URL)
    ap.add_argument("--buyers", type=int, default=100)
    ap.add_argument("--import-rows", type=int, default=200_000, help="rows of the catalog import")
    ap.add_argument("--rasa-url", default=os.environ.get("KAARIGAR_BENCH_RASA_URL"),
                    help="use this running Rasa server instead of starting one")
    ap.add_argument("--redis-url", default=None,
                    help="run Rasa's tracker/lock store and the web app's state on this Redis "
                         "(default: in-process, as `kaarigar run` without REDIS_URL)")
    ap.add_argument("--model", help="use this trained model instead of the one for the "
                    "current data in models/")
    ap.add_argument("--retrain", action="store_true",
                    help="train the model even if models/ has it, to measure training time")
    ap.add_argument("--repeat", type=int, default=3,
                    help="repetitions of each measurement (catalog searches, end-to-end levels "
                         "and rates); the report gives their median and range")
    ap.add_argument("--search-rounds", type=int, default=None,
                    help="rounds of the query mix per repetition and catalog size (default 20)")
    ap.add_argument("--concurrency", default="1,8,32", help="closed-loop levels (end to end)")
    ap.add_argument("--turns", type=int, default=1000,
                    help="turns per closed-loop level and path over all repetitions (end to end)")
    ap.add_argument("--rates", default="10,20,40,60",
                    help="open-loop Poisson arrival rates per second (end to end); '' for none")
    ap.add_argument("--open-seconds", type=float, default=15.0,
                    help="seconds of arrivals per rate, path and repetition (open loop)")
    ap.add_argument("--paths", default=E2E_PATHS,
                    help="end-to-end paths, in the same run: kaarigar and rasa (one web app, "
                         "one Rasa), kaarigar-multi and rasa-multi (two web apps and two Rasa "
                         "servers on PostgreSQL at --pg-url and Redis at --redis-url or "
                         "$KAARIGAR_BENCH_REDIS_URL, default db 0)")
    ap.add_argument("--profile-web", metavar="FILE",
                    help="cProfile the web app during the end-to-end part into FILE")
    ap.add_argument("--footprint-conversations", type=int, default=6,
                    help="conversations played through `kaarigar run` after its first answer")
    ap.add_argument("--footprint-repeat", type=int, default=3,
                    help="times `kaarigar run` is started from cold and timed")
    a = ap.parse_args(argv)
    only = [p for p in a.only.split(",") if p] or list(PARTS)
    bad = [p for p in only + [p for p in a.skip.split(",") if p] if p not in PARTS]
    if bad:
        ap.error(f"unknown part(s) {bad}; choose from {PARTS}")
    a.parts = [p for p in PARTS if p in only and p not in a.skip.split(",")]
    from e2e_load import PATHS

    if not set(a.paths.split(",")) <= set(PATHS):
        ap.error(f"--paths: choose from {','.join(PATHS)}")
    return a


def keep_earlier_parts(res: dict[str, Any], previous: Path, ran: list[str]) -> None:
    """Parts this run left out keep their figures from the results.json it replaces, each
    marked with the run it comes from, so ``--only e2e`` does not erase the NLU section."""
    if not previous.exists():
        return
    try:
        old = json.loads(previous.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    for name, part in (old.get("parts") or {}).items():
        if name in ran or name not in PARTS or not isinstance(part, dict):
            continue
        part.setdefault("kept_from", {"started_at": old.get("started_at"),
                                      "command": old.get("command"),
                                      "git_commit": (old.get("machine") or {}).get("git_commit")})
        res["parts"][name] = part
    res["parts"] = {name: res["parts"][name] for name in PARTS if name in res["parts"]}


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    res: dict[str, Any] = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "kaarigar bench " + " ".join(argv if argv is not None else sys.argv[1:]),
        "machine": machine(),
        "parts": {},
    }
    res["machine"]["postgresql"] = pg_version(args.pg_url)
    rasa = RasaStack(args.rasa_url, redis_url=args.redis_url, retrain=args.retrain,
                     model=args.model)
    # SIGTERM unwinds like Ctrl-C, so the servers this run started are always stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        for part in args.parts:
            log(f"part {part}")
            p0 = time.perf_counter()
            part_load = Load()
            part_load.__enter__()
            try:
                if part == "catalog":
                    out = part_catalog(args)
                elif part == "staff":
                    out = part_staff(args)
                elif part == "payments":
                    out = part_payments(args)
                elif part == "import":
                    out = part_import(args)
                elif part == "nlu":
                    out = part_nlu(args, rasa)
                elif part == "e2e":
                    out = part_e2e(args, rasa)
                else:
                    out = part_footprint(args, rasa, res["parts"])
            except Exception as exc:  # noqa: BLE001 - one broken part must not lose the others
                out = {"status": f"not run: {type(exc).__name__}: {exc}"}
            part_load.__exit__(None, None, None)
            out.setdefault("seconds", round(time.perf_counter() - p0, 1))
            out["part_load"] = part_load.record
            res["parts"][part] = out
    finally:
        rasa.stop()
    res["seconds"] = round(time.perf_counter() - t0, 1)
    keep_earlier_parts(res, out_dir / "results.json", args.parts)
    res["plots"] = plot(res, out_dir)
    res["repeat"] = args.repeat
    res["headline"] = headline(res)
    (out_dir / "results.json").write_text(json.dumps(res, indent=2, ensure_ascii=False) + "\n",
                                          encoding="utf-8")
    (out_dir / "RESULTS.md").write_text(markdown(res) + "\n", encoding="utf-8")
    log(f"done in {res['seconds']:.0f} s: {out_dir / 'results.json'}, {out_dir / 'RESULTS.md'}"
        + "".join(f", {out_dir / p}" for p in res["plots"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
