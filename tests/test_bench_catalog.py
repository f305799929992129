"""The catalog benchmark at a tiny size: it runs, reports the shape the suite expects, and
concurrent buyers never oversell."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))

import catalog_bench  # noqa: E402


def _load(name: str, path: Path):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bench_run = _load("kaarigar_bench_run", BENCH / "run.py")


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return catalog_bench.run_catalog(
        (200,), ("sqlite",), rounds=2, repeat=2, buyers=12, attempts_each=2,
        workdir=tmp_path_factory.mktemp("bench"), log=lambda _msg: None,
    )


def test_search_figures_are_reported_per_size_and_query(result: dict) -> None:
    entry = result["databases"]["sqlite"]
    assert "status" not in entry
    size = entry["sizes"]["200"]
    assert size["products"] == 200
    assert size["index_rows"] > 200
    # 2 repetitions of 2 rounds: the pooled figures cover every search of both
    assert size["n"] == 2 * 2 * len(catalog_bench.QUERIES)
    assert [r["n"] for r in size["repetitions"]] == [2 * len(catalog_bench.QUERIES)] * 2
    assert 0 < size["median_ms"] <= size["p99_ms"] <= size["max_ms"]
    # the headline figures are the median of the repetitions, with their range
    for key in ("p99_ms", "slowest_query_p99_ms"):
        sp = size["spread"][key]
        assert sp["n"] == 2 and sp["min"] <= sp["median"] <= sp["max"]
        assert sorted(sp["values"]) == sorted(round(r[key], 2) for r in size["repetitions"])
    assert entry["search_p99_ms_at_largest"] == size["spread"]["p99_ms"]["median"]
    assert isinstance(entry["slowest_query_target_met"], bool)
    # the load was recorded before and during each repetition
    for r in size["repetitions"]:
        assert r["load"]["load_1m_before"] is not None and r["load"]["steal_pct"] is not None
        assert r["slowest_query"] in size["queries"]
    assert size["load"]["segments"] == 2
    assert set(size["queries"]) == {q[0] for q in catalog_bench.QUERIES}
    # The mix finds things: the synthetic catalog is searchable in all three scripts.
    assert size["queries"]["hi-Deva: कुल्लू शॉल"]["results"] > 0
    assert size["queries"]["hi-Latn: kaleen dikhao"]["results"] > 0
    assert isinstance(entry["search_target_met"], bool)
    assert entry["profile"]["runs"] > 0 and entry["plan"]["text"]


def test_concurrent_orders_never_oversell(result: dict) -> None:
    o = result["databases"]["sqlite"]["orders"]
    assert o["errors"] == 0, o["error_samples"]
    assert o["orders_placed"] == o["initial_stock"] == 12
    assert o["refused_out_of_stock"] == o["attempts"] - o["initial_stock"]
    assert o["units_oversold"] == 0
    assert o["final_stock"] == 0 and o["stock_equals_ledger"]
    assert o["orders_per_s"] > 0


def test_generated_products_index_like_the_app(result: dict) -> None:
    import random
    from types import SimpleNamespace

    jail = SimpleNamespace(id=1, code="KND", name="Model Central Jail Kanda", town="Shimla",
                           region="Himachal Pradesh", programme="Himkara", country="IN")
    rows = catalog_bench.generate_products(50, [jail], 1, random.Random(1))
    terms = catalog_bench.term_rows(rows, {1: jail})
    assert {t[1] for t in terms} == set(range(1, 51))
    assert all(w in (1, 2, 3) for _, _, w, *_ in terms)
    assert len({r["sku"] for r in rows}) == 50


def test_report_is_written(result: dict, tmp_path: Path) -> None:
    res = {"started_at": "now", "seconds": 1.0, "command": "kaarigar bench --only catalog",
           "machine": bench_run.machine(), "parts": {"catalog": result}, "plot": None}
    md = bench_run.markdown(res)
    assert "## Catalog" in md and "| sqlite | 200 |" in md
    # every headline figure with its target and met/missed
    assert "## Headline" in md
    head = bench_run.headline(res)
    p99 = next(r for r in head if r["figure"].startswith("search p99 at 200 products, sqlite"))
    assert p99["target"] == "< 20" and isinstance(p99["met"], bool)
    assert any(r["figure"].startswith("units oversold") and r["met"] is True for r in head)
    assert ("| met |" in md) or ("| **missed** |" in md)
    json.dumps(res)  # serialisable
