"""Repetitions of one figure: the median that is reported, and the spread around it."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import Any


def spread(values: Sequence[float | None], digits: int = 1) -> dict[str, Any] | None:
    """``{"median", "min", "max", "n", "values"}`` of the repetitions that produced a value;
    None if none did."""
    vs = [float(v) for v in values if v is not None]
    if not vs:
        return None
    return {"median": round(statistics.median(vs), digits), "min": round(min(vs), digits),
            "max": round(max(vs), digits), "n": len(vs), "values": [round(v, digits) for v in vs]}


def show(s: dict[str, Any] | None, digits: int = 1) -> str:
    """'12.3 (11.0-14.2)': the median with the range of the repetitions."""
    if not s:
        return "–"
    if s["n"] == 1:
        return f"{s['median']:.{digits}f}"
    return f"{s['median']:.{digits}f} ({s['min']:.{digits}f}-{s['max']:.{digits}f})"


def met(ok: bool | None) -> str:
    """'met', '**missed**', or '–' when there was nothing to judge."""
    return "–" if ok is None else ("met" if ok else "**missed**")
