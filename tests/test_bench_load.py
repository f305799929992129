"""The benchmark's load recording and repetition summaries: steal and busy shares from two
readings of /proc/stat, a record around a block of work, and the median with its range."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import machine_load  # noqa: E402
import spread  # noqa: E402


def test_steal_and_busy_shares_from_two_readings() -> None:
    # user nice system idle iowait irq softirq steal
    before = [100, 0, 50, 800, 50, 0, 0, 0]
    after = [160, 0, 70, 880, 60, 0, 0, 30]  # +60 +20 busy, +80 +10 idle, +30 steal
    s = machine_load.shares(before, after)
    assert s["steal_pct"] == round(100 * 30 / 200, 1)
    assert s["busy_pct"] == round(100 * (200 - 90) / 200, 1)
    assert machine_load.shares(None, after) == {"steal_pct": None, "busy_pct": None}
    assert machine_load.shares(after, after) == {"steal_pct": 0.0, "busy_pct": 0.0}


def test_a_record_holds_the_load_before_and_during() -> None:
    with machine_load.Load(interval_s=0.01) as load:
        sum(i * i for i in range(200_000))  # some work to sample during
    r = load.record
    assert r["load_1m_before"] is not None and r["load_1m_during"] is not None
    assert 0.0 <= r["steal_pct"] <= 100.0 and 0.0 <= r["busy_pct"] <= 100.0
    summary = machine_load.summarise([r, {**r, "load_1m_before": r["load_1m_before"] + 1}])
    assert summary["segments"] == 2
    assert summary["load_1m_before"] == [r["load_1m_before"], r["load_1m_before"] + 1]
    assert machine_load.text(summary).startswith("load average (1 min)")


def test_spread_is_the_median_with_its_range() -> None:
    s = spread.spread([30.0, 10.0, None, 20.0])
    assert s == {"median": 20.0, "min": 10.0, "max": 30.0, "n": 3, "values": [30.0, 10.0, 20.0]}
    assert spread.show(s) == "20.0 (10.0-30.0)"
    assert spread.spread([None]) is None and spread.show(None) == "–"
    assert spread.met(True) == "met" and spread.met(False) == "**missed**"
    assert spread.met(None) == "–"
