"""Issue 10, items 7 and 13: hostile spreadsheets in, formula-safe spreadsheets out.

Every bad row is named by its line with a reason, nothing is written unless --skip-bad, and no
input ends in a traceback. Text that a spreadsheet would run as a formula is refused by the
catalog's one rule for product text, and neutralised on export.
"""

from __future__ import annotations

import csv
import io

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from bot.cli import main
from catalog import admin, csvio, products
from catalog.db import transaction
from catalog.errors import InvalidInput
from catalog.models import Product
from tests.staff_support import KND_WA, StaffEnv

HEADER = "sku,name,category,jail,price,currency,stock\n"
GOOD = "G-1,Good Shawl,handloom,KND,100,INR,1\n"


def _import(sessions, text: str | bytes, **kw) -> csvio.ImportResult:
    raw = text.encode() if isinstance(text, str) else text
    with transaction(sessions) as s:
        return csvio.import_csv(s, raw, actor="test", **kw)


def _count(sessions) -> int:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(Product))


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("X-1,Shawl,hats,KND,100,INR,1", "category 'hats' is not one of: handloom, furniture"),
        ("X-1,Shawl,handloom,KND,100,INR,100000000000", "stock above 100000"),
        ("X-1,Shawl,handloom,KND,100,INR,1e11", "stock '1e11' is not a whole number"),
        ("=1+1,Shawl,handloom,KND,100,INR,1", "SKU '=1+1' is not letters, digits and dashes"),
        ("X 1,Shawl,handloom,KND,100,INR,1", "SKU 'X 1' is not letters, digits and dashes"),
        ("X-1,Sh\x00awl,handloom,KND,100,INR,1", "name contains a control character"),
        ("X-1,Shawl\x1b[31m,handloom,KND,100,INR,1", "name contains a control character"),
        ("X-1,=HYPERLINK(\"http://x\"),handloom,KND,100,INR,1", "name must not start with ="),
        ("X-1,@SUM(A1),handloom,KND,100,INR,1", "name must not start with =, +, -, @"),
        ("X-1,Shawl,handloom,KND,100,INR,1,,", "more cells than columns"),
    ],
    ids=["category", "stock-huge", "stock-float", "sku-formula", "sku-space", "nul", "escape",
         "name-formula", "name-at", "stray-comma"],
)
def test_bad_rows_are_named_by_line_and_nothing_is_written(seeded, row, reason):
    before = _count(seeded)
    with pytest.raises(csvio.CsvRejected) as err:
        _import(seeded, HEADER + GOOD + row + "\n")
    assert [e.line for e in err.value.errors] == [3]
    assert reason in str(err.value.errors[0])
    assert _count(seeded) == before


def test_formula_in_an_optional_column_is_refused(seeded):
    text = "sku,name,category,jail,price,currency,stock,keywords\n" \
           "X-1,Shawl,handloom,KND,100,INR,1,-2+3\n"
    with pytest.raises(csvio.CsvRejected) as err:
        _import(seeded, text)
    assert "keywords must not start with =, +, -, @" in str(err.value.errors[0])


def test_a_field_over_the_csv_limit_is_a_bad_row_not_a_traceback(seeded):
    huge = "x" * 200_000
    text = HEADER + GOOD + f'H-1,"{huge}",handloom,KND,100,INR,1\n' + "G-2,Good,decor,KND,1,INR,1\n"
    with pytest.raises(csvio.CsvRejected) as err:
        _import(seeded, text)
    assert [e.line for e in err.value.errors] == [3]
    assert "longer than" in str(err.value.errors[0])
    result = _import(seeded, text, skip_bad=True)
    assert (result.created, [e.line for e in result.skipped]) == (2, [3])


def test_skip_bad_imports_only_the_good_rows(seeded):
    text = HEADER + GOOD + "=1+1,X,handloom,KND,1,INR,1\nG-2,Good,decor,KND,1,INR,1\n"
    result = _import(seeded, text, skip_bad=True)
    assert result.created == 2
    assert [e.line for e in result.skipped] == [3]
    with seeded() as s:
        assert s.scalar(select(Product).where(Product.sku == "=1+1")) is None


def test_cli_names_every_bad_row_without_a_traceback(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/k.db")
    runner = CliRunner()
    assert runner.invoke(main, ["seed"], catch_exceptions=False).exit_code == 0
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + GOOD + "=1+1,X,handloom,KND,1,INR,1\n"
                   + f'H-1,"{"y" * 200_000}",decor,KND,1,INR,1\n'
                   + "Z-1,Ok,hats,KND,1,INR,1\n", encoding="utf-8")
    result = runner.invoke(main, ["catalog", "import", str(bad)], catch_exceptions=False)
    assert result.exit_code == 1
    assert "line 3 (=1+1): SKU '=1+1' is not letters, digits and dashes" in result.output
    assert "line 4 (no SKU): a cell is longer than 131072 characters" in result.output
    assert "line 5 (Z-1): category 'hats'" in result.output
    assert "3 bad row(s); nothing was imported" in result.output
    assert "Traceback" not in result.output


# ---------------------------------------------------------------- item 7: formulas on export
def _add_raw(sessions, **fields: str) -> None:
    """A product stored before the text rule existed, written straight to the table."""
    with transaction(sessions) as s:
        jail = products.jail_by_code(s, "KND")
        row = {"sku": "OLD-1", "name": "Old", "category": "decor", "keywords": "",
               "craft": "", "description": "", "marks": ""} | fields
        s.add(Product(jail=jail, price_minor=100, currency="INR", stock=-1 + 2, **row))


def _export(sessions) -> str:
    out = io.StringIO()
    with sessions() as s:
        csvio.export_csv(s, out)
    return out.getvalue()


def test_export_neutralises_cells_a_spreadsheet_would_run(seeded):
    _add_raw(seeded, name="=HYPERLINK(\"http://evil\",\"x\")", craft="+1", marks="-2",
             keywords="@SUM(A1)", description="\tcmd")
    row = next(r for r in csv.DictReader(io.StringIO(_export(seeded))) if r["sku"] == "OLD-1")
    assert row["name"] == "'=HYPERLINK(\"http://evil\",\"x\")"
    assert (row["craft"], row["marks"], row["keywords"]) == ("'+1", "'-2", "'@SUM(A1)")
    assert row["description"] == "'\tcmd"
    assert (row["price"], row["stock"]) == ("1.00", "1")


def test_export_reimports_to_the_same_data(seeded, sessions):
    text = HEADER.rstrip() + ",description,keywords\n" \
        "Q-1,'Kullu' shawl - wool,handloom,KND,2400.5,INR,3,\"A, B\nand \"\"C\"\"\",\"x,y\"\n"
    _import(seeded, text)
    first = _export(seeded)
    result = _import(seeded, first)
    assert result.created == 0
    assert _export(seeded) == first
    q = next(r for r in csv.DictReader(io.StringIO(first)) if r["sku"] == "Q-1")
    assert (q["name"], q["description"]) == ("'Kullu' shawl - wool", 'A, B\nand "C"')


def test_reimporting_a_neutralised_formula_names_the_row(seeded):
    _add_raw(seeded, name="=1+1")
    with pytest.raises(csvio.CsvRejected) as err:
        _import(seeded, _export(seeded))
    assert "(OLD-1): name must not start with =" in str(err.value.errors[0])


def test_catalog_refuses_formula_text_for_new_products(seeded):
    with transaction(seeded) as s, pytest.raises(InvalidInput, match="must not start with ="):
        admin.create_product(s, products.jail_by_code(s, "KND"), name="=cmd|' /C calc'!A0",
                             category="decor", price_minor=100, stock=1, photo=None, actor="t")


async def test_add_refuses_formula_name_with_one_line_saying_what_is_allowed(
    staff_env: StaffEnv,
):
    assert await staff_env.say("add", KND_WA) == "New product for KND. Name? (/cancel to stop)"
    reply = await staff_env.say("=HYPERLINK(\"http://x\")", KND_WA)
    assert reply is not None and "\n" not in reply
    assert reply.startswith("A name must not start with =, +, -, @")
    assert reply.endswith("Name?")
    assert (await staff_env.say("Himachali Cap", KND_WA)).startswith("Category?")
