"""The end-to-end part of the benchmark on a tiny run: the web app in its own process, the fake
Telegram and Twilio APIs, and the fake Rasa instead of the real one; then the multi-process
shape (two web app processes on PostgreSQL and Redis, two Rasa servers) next to the single one."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.routing import Route

from bot.ops.serving import serve
from tests.conftest import PG_URL, REDIS_URL, new_schema, unavailable
from tests.fixtures_channels import FakeRasa, stop_fake

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


@pytest.fixture
async def second_rasa() -> AsyncIterator[FakeRasa]:
    fake = FakeRasa()
    fake.running = await serve(Starlette(routes=[
        Route("/webhooks/rest/webhook", fake.webhook, methods=["POST"]),
        Route("/", fake.root, methods=["GET"])]))
    yield fake
    await stop_fake(fake.running)


@pytest.mark.postgres
@pytest.mark.redis
async def test_the_multi_process_shape_is_measured_next_to_the_single_one(
    fake_rasa: FakeRasa, second_rasa: FakeRasa
) -> None:
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.RedisError as exc:
        unavailable("Redis on 127.0.0.1:6379", exc)
    admin, schema = new_schema("kbm")
    try:
        db = e2e_load.seeded(f"{PG_URL}?options=-csearch_path%3D{schema}")
        multi = e2e_load.Shape([fake_rasa.url, second_rasa.url], db, REDIS_URL)
        result = await e2e_load.run_async(
            fake_rasa.url, (2,), 8, log=lambda _m: None, repeat=2, rates=(10.0,),
            open_seconds=0.5, multi=multi, paths=("rasa-multi", "kaarigar", "kaarigar-multi"))
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()

    assert result["paths"] == ["kaarigar", "kaarigar-multi", "rasa-multi"]  # the report's order
    assert result["shapes"]["multi"]["web_apps"] == 2
    assert result["shapes"]["multi"]["database"] == "postgresql"
    (lv,) = result["levels"]
    for path in result["paths"]:
        assert lv[path]["turns"] >= 8 and lv[path]["failures"] == 0, lv[path]
        assert len(lv[path]["repetitions"]) == 2
    assert lv["multi_over_single"]["kaarigar"]["n"] == 2
    assert lv["kaarigar-multi"]["cpu_ms_per_turn"]["web apps (multi)"] > 0
    (row,) = result["open_loop"]
    assert row["kaarigar-multi"]["answered"] + row["kaarigar-multi"]["dropped"] > 0

    # Web app i calls Rasa i, so a buyer's turns alternating over the web apps reach both
    # Rasa servers in turn; so do the bare turns. The single web app calls only the first.
    at_b = Counter(s for _t, s, _m, _b in second_rasa.calls)
    at_a = Counter(s for _t, s, _m, _b in fake_rasa.calls)
    assert at_b and {s for s in at_b if s.startswith("bench-rasa-")}
    assert all(abs(at_a[s] - n) <= 1 for s, n in at_b.items()), (at_a, at_b)
    single = [s for s in at_a if s not in at_b and not s.startswith("bench-rasa-")]
    assert single and all(at_a[s] >= 1 for s in single)

    md = "\n".join(e2e_load.markdown(result))
    assert "**The parts run apart**" in md
    assert "| Kaarigar, 2 web apps + 2 Rasa | 2 |" in md and "| bare Rasa, 2 servers | 2 |" in md
    assert "| 10 | Kaarigar, 2 web apps + 2 Rasa |" in md
