"""Amounts typed by staff or read from files: junk is an InvalidInput, never an arithmetic error."""

from __future__ import annotations

import pytest

from catalog.errors import InvalidInput
from catalog.money import to_minor


@pytest.mark.parametrize("text", ["1e309", "1e30", "9" * 60, "nan", "inf", "-1", "12abc"])
def test_an_impossible_amount_is_refused_as_input(text: str) -> None:
    with pytest.raises(InvalidInput, match="amount"):
        to_minor(text)


def test_ordinary_amounts_still_parse() -> None:
    assert [to_minor(a) for a in ("2400", "2,400.50", "0.01")] == [240000, 240050, 1]
