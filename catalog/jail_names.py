"""The seed jails' names, towns and programmes for Hindi (Devanagari) and Urdu readers, from
seed_data/jails.csv's ``name_hi``/``name_ur``, ``town_hi``/``town_ur`` and
``programme_hi``/``programme_ur`` (no schema change: a jail added later, or a field staff have
changed since the seed, keeps the one text stored)."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

from catalog.models import Jail

SEED_JAILS = Path(__file__).parent / "seed_data" / "jails.csv"
FIELDS = ("name", "town", "programme")


@cache
def _seed() -> dict[str, dict[str, str]]:
    """Jail code -> the seed row (English texts and their Hindi and Urdu versions)."""
    with open(SEED_JAILS, encoding="utf-8") as fh:
        return {row["code"]: row for row in csv.DictReader(fh)}


def _translated(jail: Jail, field: str, language: str) -> str:
    """``field`` of the jail in ``language`` (hi or ur) when the seed has it and the stored
    English is still the seed's; else the text as stored."""
    stored = getattr(jail, field) or ""
    row = _seed().get(jail.code)
    if language not in ("hi", "ur") or row is None or row.get(field) != stored:
        return stored
    return row.get(f"{field}_{language}") or stored


def display_name(jail: Jail, language: str) -> str:
    """The jail's name in the reader's script: Devanagari for hi, Urdu for ur when the seed has
    one (and the jail still has its seed name), else the name as stored."""
    return _translated(jail, "name", language)


def display_town(jail: Jail, language: str) -> str:
    """The jail's town for the reader ("پشاور" for ur), as ``display_name``."""
    return _translated(jail, "town", language)


def display_programme(jail: Jail, language: str) -> str:
    """The programme the jail's goods are made under, in the reader's script, as ``display_name``."""
    return _translated(jail, "programme", language)
