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
    result = await e2e_load.run_async(fake_rasa.url, (1, 3), 4, log=lambda _m: None)

    assert [lv["concurrency"] for lv in result["levels"]] == [1, 3]
    for lv in result["levels"]:
        assert lv["conversations"] == 4
        turns = sum(len(e2e_load.CONVERSATIONS[e2e_load.script_of(k)]) for k in range(4))
        for path in ("kaarigar", "rasa"):
            s = lv[path]
            assert s["turns"] == turns and s["failures"] == 0, s
            assert 0 < s["median_ms"] <= s["p95_ms"] <= s["p99_ms"], s
            assert s["throughput_per_s"] > 0
            # seconds is rounded to 10 ms
            assert turns / (s["seconds"] + 0.006) <= s["throughput_per_s"]
            assert s["throughput_per_s"] <= turns / max(s["seconds"] - 0.006, 1e-3)
        first = lv["kaarigar"]["first_reply"]
        assert first["turns"] == turns and first["median_ms"] <= lv["kaarigar"]["median_ms"]
        assert lv["throughput_ratio"] == round(
            lv["kaarigar"]["throughput_per_s"] / lv["rasa"]["throughput_per_s"], 3)
        # The web app worked for the Kaarigar turns and sat idle during the bare Rasa ones.
        assert lv["kaarigar"]["cpu_ms_per_turn"]["web app"] > 0
        assert lv["rasa"]["cpu_ms_per_turn"]["web app"] < lv["kaarigar"]["cpu_ms_per_turn"]["web app"]

    # The fake Rasa echoes one message, so every turn of every script got one reply.
    learnt = result["conversations"]["replies_per_turn"]
    assert len(learnt) == len(e2e_load.CONVERSATIONS) * len(e2e_load.CHANNELS)
    assert all(v == [1] * len(v) for v in learnt.values())
    assert result["p99_ms_at_8"] is None and result["throughput_ratio_at_8"] is None
    assert result["processes"]["web app"]["peak_rss_mb"] > 0

    # Both paths sent the same messages to Rasa: warm-up (every script on both channels) + levels.
    measured = sum(lv["kaarigar"]["turns"] for lv in result["levels"])
    bare = [m for _t, s, m, _b in fake_rasa.calls if s.startswith("bench-rasa-")]
    ours = [m for _t, s, m, _b in fake_rasa.calls if not s.startswith("bench-rasa-")]
    assert len(bare) == len(ours) == 2 * SCRIPT_TURNS + measured
    assert sorted(bare) == sorted(ours)
    assert all(b["metadata"]["channel"] in ("telegram", "whatsapp")
               for _t, s, _m, b in fake_rasa.calls if not s.startswith("bench-rasa-"))


async def test_e2e_refuses_to_measure_fallback_answers(fake_rasa: FakeRasa) -> None:
    fake_rasa.status = 500  # the web app answers with its menu instead of Rasa's reply

    with pytest.raises(RuntimeError, match="fallback menu"):
        await e2e_load.run_async(fake_rasa.url, (1,), 1, log=lambda _m: None)
