"""The end-to-end part of the benchmark on a tiny run: the web app in its own process, the fake
Telegram and Twilio APIs, and the fake Rasa instead of the real one."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.fixtures_channels import FakeRasa

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import e2e_load  # noqa: E402

SCRIPT_TURNS = sum(len(s) for s in e2e_load.CONVERSATIONS)


async def test_e2e_stats_are_well_formed(fake_rasa: FakeRasa) -> None:
    # 2 repetitions; 16 turns per level and path = 2 conversations of 4 turns per repetition
    result = await e2e_load.run_async(fake_rasa.url, (1, 3), 16, log=lambda _m: None,
                                      repeat=2, rates=(20.0,), open_seconds=0.5)

    assert [lv["concurrency"] for lv in result["levels"]] == [1, 3]
    for lv in result["levels"]:
        reps = max(2, lv["concurrency"])  # conversations per repetition
        turns = sum(len(e2e_load.CONVERSATIONS[e2e_load.script_of(k)]) for k in range(reps))
        for path in ("kaarigar", "rasa"):
            s = lv[path]
            assert len(s["repetitions"]) == 2
            assert s["turns"] == sum(r["turns"] for r in s["repetitions"])
            assert s["turns"] >= 16 and s["failures"] == 0, s
            assert all(r["turns"] == turns for r in s["repetitions"])
            assert 0 < s["median_ms"] <= s["p95_ms"] <= s["p99_ms"], s
            # each repetition's figure is in the spread, whose median is reported
            sp = s["spread"]["throughput_per_s"]
            assert sp["n"] == 2 and sp["min"] <= sp["median"] <= sp["max"]
            assert sorted(sp["values"]) == sorted(round(r["throughput_per_s"], 1)
                                                  for r in s["repetitions"])
            # the load was recorded before and during every repetition
            for r in s["repetitions"]:
                assert r["load"]["load_1m_before"] is not None
                assert r["load"]["load_1m_during"] is not None
                assert 0 <= r["load"]["steal_pct"] <= 100
        first = lv["kaarigar"]["first_reply"]
        assert first["turns"] == lv["kaarigar"]["turns"]
        assert first["median_ms"] <= lv["kaarigar"]["median_ms"]
        ratios = lv["throughput_ratio_spread"]
        assert ratios["n"] == 2 and lv["throughput_ratio"] == ratios["median"]
        # The web app worked for the Kaarigar turns and sat idle during the bare Rasa ones.
        assert lv["kaarigar"]["cpu_ms_per_turn"]["web app"] > 0
        assert lv["rasa"]["cpu_ms_per_turn"]["web app"] < lv["kaarigar"]["cpu_ms_per_turn"]["web app"]

    # The open loop: arrivals were offered on both paths and each was answered or dropped.
    (row,) = result["open_loop"]
    assert row["rate_per_s"] == 20.0
    for path in ("kaarigar", "rasa"):
        o = row[path]
        assert len(o["repetitions"]) == 2
        assert o["offered"] == sum(r["offered"] for r in o["repetitions"]) > 0
        assert o["answered"] + o["dropped"] == o["offered"]
        assert o["late"] <= o["answered"]
        assert isinstance(o["within_target"], bool)
    assert set(result["sustained_per_s"]) == {"kaarigar", "rasa"}
    assert result["load"]["segments"] == 2 * 2 * 2 + 2 * 2  # closed: 2 levels, open: 1 rate

    # The fake Rasa echoes one message, so every turn of every script got one reply.
    learnt = result["conversations"]["replies_per_turn"]
    assert len(learnt) == len(e2e_load.CONVERSATIONS) * len(e2e_load.CHANNELS)
    assert all(v == [1] * len(v) for v in learnt.values())
    assert result["p99_ms_at_8"] is None and result["throughput_ratio_at_8"] is None
    assert result["processes"]["web app"]["peak_rss_mb"] > 0

    # Both paths sent the same closed-loop messages to Rasa.
    bare = [m for _t, s, m, _b in fake_rasa.calls if s.startswith("bench-rasa-")]
    ours = [m for _t, s, m, _b in fake_rasa.calls if not s.startswith("bench-rasa-")]
    closed = sum(lv["kaarigar"]["turns"] for lv in result["levels"])
    opened = {p: row[p]["answered"] + row[p]["dropped"] for p in ("kaarigar", "rasa")}
    assert len(ours) == 2 * SCRIPT_TURNS + closed + opened["kaarigar"]
    assert len(bare) == 2 * SCRIPT_TURNS + closed + opened["rasa"]
    assert all(b["metadata"]["channel"] in ("telegram", "whatsapp")
               for _t, s, _m, b in fake_rasa.calls if not s.startswith("bench-rasa-"))

    # The report carries each target with met/missed, and the spread.
    md = "\n".join(e2e_load.markdown(result))
    assert "Open loop" in md and "no worse than bare Rasa" in md
    assert "| 20 | Kaarigar |" in md and "| 20 | bare Rasa |" in md
    k1 = result["levels"][0]["kaarigar"]["spread"]["throughput_per_s"]
    assert f"| Kaarigar | 1 | {result['levels'][0]['kaarigar']['turns']} | 0 | " \
           f"{k1['median']:.1f} ({k1['min']:.1f}-{k1['max']:.1f}) |" in md
    assert "Machine load: load average (1 min)" in md


async def test_e2e_refuses_to_measure_fallback_answers(fake_rasa: FakeRasa) -> None:
    fake_rasa.status = 500  # the web app answers with its menu instead of Rasa's reply

    with pytest.raises(RuntimeError, match="fallback menu"):
        await e2e_load.run_async(fake_rasa.url, (1,), 1, log=lambda _m: None, repeat=1,
                                 rates=())
