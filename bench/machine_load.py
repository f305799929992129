"""How busy the machine was: the 1-minute load average and CPU steal, before and during a run.

A benchmark on a shared machine measures the machine as much as the code. Every measured
segment (a repetition of a level, a rate, a database size) records:

- ``load_1m_before``: ``os.getloadavg()[0]`` when it starts;
- ``load_1m_during``: the highest 1-minute load average sampled while it ran (every second
  by a background thread, and at its end);
- ``steal_pct``: the share of CPU time the hypervisor gave to other guests while it ran,
  from the ``steal`` column of the ``cpu`` line of ``/proc/stat``;
- ``busy_pct``: the share of all cores' time that was not idle (ours and everyone else's).

    with Load() as load:
        ...                      # the measured work
    load.record                  # {"load_1m_before": ..., "load_1m_during": ..., ...}
"""

from __future__ import annotations

import gc
import os
import statistics
import threading
import time
from pathlib import Path
from typing import Any


def cpu_times() -> list[int] | None:
    """The aggregate ``cpu`` line of /proc/stat (user nice system idle iowait irq softirq
    steal ...), in clock ticks; None where there is no /proc."""
    try:
        first = Path("/proc/stat").read_text().splitlines()[0].split()
    except (OSError, IndexError):
        return None
    if first[0] != "cpu":
        return None
    return [int(v) for v in first[1:9]] + [0] * max(0, 8 - len(first[1:9]))


def load_1m() -> float | None:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def shares(before: list[int] | None, after: list[int] | None) -> dict[str, float | None]:
    """Steal and busy percentages between two readings of ``cpu_times``."""
    if not before or not after:
        return {"steal_pct": None, "busy_pct": None}
    d = [b - a for a, b in zip(before, after, strict=False)]
    total = sum(d)
    if total <= 0:
        return {"steal_pct": 0.0, "busy_pct": 0.0}
    idle = d[3] + d[4]  # idle + iowait
    return {"steal_pct": round(100 * d[7] / total, 1), "busy_pct": round(100 * (total - idle) / total, 1)}


class Load:
    """Samples the load average once a second while the ``with`` block runs."""

    def __init__(self, interval_s: float = 1.0) -> None:
        self.interval_s = interval_s
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._cpu0: list[int] | None = None
        self.record: dict[str, Any] = {}

    def _sample(self) -> None:
        while not self._stop.wait(self.interval_s):
            v = load_1m()
            if v is not None:
                self.samples.append(v)

    def __enter__(self) -> Load:
        self.record = {"load_1m_before": load_1m()}
        self._cpu0 = cpu_times()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        end = load_1m()
        if end is not None:
            self.samples.append(end)
        self.record["load_1m_during"] = max(self.samples) if self.samples else None
        self.record.update(shares(self._cpu0, cpu_times()))


def summarise(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Several segments' records in one: the range of the load before, the highest load
    during, the median and highest steal."""
    def vals(key: str) -> list[float]:
        return [r[key] for r in records if r.get(key) is not None]

    before, during, steal, busy = (vals(k) for k in ("load_1m_before", "load_1m_during",
                                                     "steal_pct", "busy_pct"))
    return {
        "segments": len(records),
        "load_1m_before": [min(before), max(before)] if before else None,
        "load_1m_during_max": max(during) if during else None,
        "steal_pct_median": round(statistics.median(steal), 1) if steal else None,
        "steal_pct_max": max(steal) if steal else None,
        "busy_pct_median": round(statistics.median(busy), 1) if busy else None,
    }


def text(s: dict[str, Any]) -> str:
    """One line for a report: 'load (1 min) 1.2-2.3 before, up to 3.1 during; steal 0.0 %'."""
    if not s or not s.get("segments"):
        return "load not recorded"
    before = s.get("load_1m_before")
    b = f"{before[0]:.2f}-{before[1]:.2f}" if before else "?"
    d = s.get("load_1m_during_max")
    steal = s.get("steal_pct_median")
    busy = s.get("busy_pct_median")
    return (f"load average (1 min) {b} before, up to {d if d is not None else '?'} during; "
            f"CPU steal median {steal if steal is not None else '?'} % (max "
            f"{s.get('steal_pct_max', '?')} %); all cores busy {busy if busy is not None else '?'} %"
            f" ({s['segments']} segments)")


def reference_ms(runs: int = 9) -> float:
    """How fast this machine runs Python right now: the shortest time, in ms, of a fixed
    interpreter-bound piece of work (dicts, strings, JSON, as in a turn), after one warm-up run,
    with the garbage collector off (its pauses depend on how many objects the calling process
    holds, not on the machine). The same code on the same machine gives the same figure when the
    machine is idle; a run on a slower or busier machine shows a larger one, so figures from two
    runs are compared with this beside them."""
    import gc
    import json

    def work() -> int:
        rows = [{"sku": f"KS-{i}", "name": f"shawl {i}", "price": i * 7} for i in range(4000)]
        text = json.dumps(rows)
        return sum(len(r["name"]) for r in json.loads(text)) + len(text.split(","))

    enabled = gc.isenabled()
    gc.disable()
    try:
        work()
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            work()
            times.append((time.perf_counter() - t0) * 1000)
    finally:
        if enabled:
            gc.enable()
    return round(min(times), 1)


class GcPauses:
    """The garbage collector's full (generation 2) collections in this process while the
    ``with`` block runs, and the longest: such a pause lands on whichever measurement it
    interrupts."""

    def __init__(self) -> None:
        self.pauses_ms: list[float] = []
        self._t0 = 0.0

    def _callback(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._t0 = time.perf_counter()
        elif info.get("generation") == 2:
            self.pauses_ms.append((time.perf_counter() - self._t0) * 1000)

    def __enter__(self) -> GcPauses:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._callback)

    @property
    def record(self) -> dict[str, Any]:
        return {"gen2_collections": len(self.pauses_ms),
                "gen2_max_ms": round(max(self.pauses_ms), 1) if self.pauses_ms else 0.0}
