"""The seed jails' names for Hindi (Devanagari) and Urdu readers, from seed_data/jails.csv's
``name_hi`` and ``name_ur`` (no schema change: a jail added later keeps its one name)."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

from catalog.models import Jail

SEED_JAILS = Path(__file__).parent / "seed_data" / "jails.csv"


@cache
def _names() -> dict[tuple[str, str], tuple[str, str]]:
    """(code, English name) -> (Hindi name, Urdu name) of every seed jail."""
    with open(SEED_JAILS, encoding="utf-8") as fh:
        return {
            (row["code"], row["name"]): (row.get("name_hi") or "", row.get("name_ur") or "")
            for row in csv.DictReader(fh)
        }


def display_name(jail: Jail, language: str) -> str:
    """The jail's name in the reader's script: Devanagari for hi, Urdu for ur when the seed has
    one (and the jail still has its seed name), else the name as stored."""
    hindi, urdu = _names().get((jail.code, jail.name), ("", ""))
    if language == "hi" and hindi:
        return hindi
    if language == "ur" and urdu:
        return urdu
    return jail.name
