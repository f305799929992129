"""The kaarigar command as an operator uses it: migrate, seed, export, staff."""

from __future__ import annotations

import csv
import io

import pytest
from click.testing import CliRunner

from bot.cli import main


@pytest.fixture
def cli(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/k.db")
    runner = CliRunner()

    def run(*args: str):
        result = runner.invoke(main, list(args), catch_exceptions=False)
        return result

    return run


def test_seed_then_export_lists_the_demo_catalog(cli):
    assert cli("db", "upgrade").exit_code == 0
    assert "87 products added" in cli("seed").output
    assert "0 products added" in cli("seed").output
    rows = list(csv.DictReader(io.StringIO(cli("catalog", "export").output)))
    assert len(rows) >= 40
    assert len({r["jail"] for r in rows}) >= 8
    assert {"INR", "PKR"} <= {r["currency"] for r in rows}
    assert {"handloom", "furniture", "bakery", "leather", "carpets", "pickles", "glassware",
            "sports", "electricals", "pottery", "embroidery", "clothing"} <= {r["category"] for r in rows}


def test_staff_add_list_remove(cli):
    cli("seed")
    out = cli("staff", "add", "--channel", "telegram", "--id", "123456", "--jail", "KND",
              "--role", "staff").output
    assert "staff telegram:123456 (KND)" in out
    cli("staff", "add", "--channel", "whatsapp", "--id", "+919812345678", "--role", "admin")
    listing = cli("staff", "list").output
    assert "telegram:123456" in listing and "whatsapp:+919812345678" in listing
    assert cli("staff", "remove", "--channel", "telegram", "--id", "123456").exit_code == 0
    assert "telegram:123456" not in cli("staff", "list").output


def test_staff_add_errors_say_how(cli, tmp_path):
    cli("seed")
    runner = CliRunner()
    result = runner.invoke(main, ["staff", "add", "--channel", "telegram", "--id", "abc",
                                  "--jail", "KND"])
    assert result.exit_code != 0
    assert "numeric user id" in str(result.exception)


def test_bad_csv_is_refused_with_line_numbers(cli, tmp_path):
    cli("seed")
    bad = tmp_path / "bad.csv"
    bad.write_text("sku,name,category,jail,price,currency,stock\nA-1,X,decor,NOPE,10,INR,1\n")
    runner = CliRunner()
    result = runner.invoke(main, ["catalog", "import", str(bad)])
    assert result.exit_code == 1
    assert "line 2 (A-1): unknown jail 'NOPE'" in result.output


def test_missing_setting_is_named(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "mysql://x")
    result = CliRunner().invoke(main, ["staff", "list"])
    assert result.exit_code == 1
    assert "DATABASE_URL" in result.output
