"""Spreadsheet import and export: every bad row named, nothing written unless all are good."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from catalog import csvio, products
from catalog.db import transaction
from catalog.models import Product

HEADER = "sku,name,category,jail,price,currency,stock\n"


def _import(sessions, text: str | bytes, **kw):
    raw = text.encode() if isinstance(text, str) else text
    with transaction(sessions) as s:
        return csvio.import_csv(s, raw, actor="test", **kw)


def _count(sessions) -> int:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(Product))


def test_import_upserts_by_sku(seeded):
    before = _count(seeded)
    result = _import(seeded, HEADER + "KS-101,Kullu Shawl,handloom,KND,2500.00,INR,20\n"
                     "NEW-1,Terracotta Elephant,pottery,GKP,900,INR,3\n")
    assert (result.created, result.updated) == (1, 1)
    assert _count(seeded) == before + 1
    with seeded() as s:
        p = products.get(s, "KS-101")
        assert (p.price_minor, p.stock) == (250000, 20)


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("X-1,Shawl,handloom,KND,abc,INR,1", "price 'abc' is not an amount"),
        ("X-1,Shawl,handloom,KND,0,INR,1", "is not between"),
        ("X-1,Shawl,handloom,KND,100,INR,-3", "stock cannot be below 0"),
        ("X-1,Shawl,handloom,ZZZ,100,INR,1", "unknown jail 'ZZZ'"),
        ("X-1,Shawl,handloom,KND,100,XYZ,1", "currency 'XYZ'"),
        ("X-1,,handloom,KND,100,INR,1", "name is empty"),
    ],
)
def test_bad_rows_are_named_and_nothing_is_written(seeded, row, reason):
    before = _count(seeded)
    good = "G-1,Good Shawl,handloom,KND,100,INR,1"
    with pytest.raises(csvio.CsvRejected) as err:
        _import(seeded, HEADER + good + "\n" + row + "\n")
    assert len(err.value.errors) == 1
    assert err.value.errors[0].line == 3
    assert reason in str(err.value.errors[0])
    assert _count(seeded) == before


def test_duplicate_skus_and_skip_bad(seeded):
    text = HEADER + "D-1,A,decor,RBL,100,INR,1\nd-1,B,decor,RBL,100,INR,1\nD-2,C,decor,RBL,5,INR,1\n"
    with pytest.raises(csvio.CsvRejected) as err:
        _import(seeded, text)
    assert "duplicate SKU, first on line 2" in str(err.value.errors[0])
    result = _import(seeded, text, skip_bad=True)
    assert result.created == 2 and [e.line for e in result.skipped] == [3]


def test_wrong_columns_and_encoding_are_refused(seeded):
    with pytest.raises(csvio.CsvRejected, match="missing columns: price"):
        _import(seeded, "sku,name,category,jail,currency,stock\nA,B,c,KND,INR,1\n")
    with pytest.raises(csvio.CsvRejected, match="not UTF-8"):
        _import(seeded, (HEADER + "A,Shäwl,handloom,KND,1,INR,1\n").encode("latin-1"))


def test_export_round_trips(seeded):
    out = io.StringIO()
    with seeded() as s:
        n = csvio.export_csv(s, out)
    text = out.getvalue()
    assert text.startswith("sku,name,category,jail,price,currency,stock")
    assert "KS-101,Kullu Shawl (Wool),handloom,KND,2400.00,INR,12" in text
    result = _import(seeded, text)
    assert result.updated == n and result.created == 0
