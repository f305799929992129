"""``kaarigar catalog import|export``: the catalog as CSV."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from bot.cli.common import Env, pass_env
from catalog import csvio


@click.group("catalog")
def catalog() -> None:
    """Import and export the catalog as CSV."""


@catalog.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--skip-bad", is_flag=True, help="Import the good rows and report the bad ones.")
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Show a progress bar on standard error (default: when it is a terminal).",
)
@pass_env
def catalog_import(env: Env, path: Path, skip_bad: bool, progress: bool | None) -> None:
    """Upsert products by SKU from a CSV file; nothing is written if any row is bad.

    Every row is checked first; then rows are written in short batches, so the bot keeps
    answering during a long import.
    """
    try:
        with env.sessions() as session:
            checked = csvio.check(path, csvio.jails_by_code(session), csvio.known_parents(session))
        if checked.errors and not skip_bad:
            n = len(checked.errors)
            raise csvio.CsvRejected(f"{n} bad row(s); nothing was imported", checked.errors)
        with _progress_bar(checked.good, progress) as bar:
            result = csvio.import_file(env.sessions, path, actor="cli", skip_bad=skip_bad,
                                       checked=checked, progress=bar.update)
    except csvio.CsvRejected as exc:
        for err in exc.errors:
            click.echo(f"  {err}", err=True)
        raise click.ClickException(str(exc)) from None
    for err in result.skipped:
        click.echo(f"  skipped {err}", err=True)
    click.echo(f"{result.created} created, {result.updated} updated, {len(result.skipped)} skipped")


def _progress_bar(total: int, wanted: bool | None) -> Any:
    """click's bar on standard error: on a terminal, or anywhere when asked with --progress."""
    shown = sys.stderr.isatty() if wanted is None else wanted
    bar = click.progressbar(length=total, label="importing", file=sys.stderr, hidden=not shown)
    if shown and not sys.stderr.isatty():
        bar._is_atty = True  # asked for in a log: draw it anyway (click only draws on terminals)
    return bar


@catalog.command("export")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of standard output.",
)
@pass_env
def catalog_export(env: Env, output: Path | None) -> None:
    """Write the catalog as CSV (prices in major units, e.g. 2400.00)."""
    with env.sessions() as session:
        if output is None:
            csvio.export_csv(session, sys.stdout)
        else:
            with output.open("w", encoding="utf-8", newline="") as fh:
                n = csvio.export_csv(session, fh)
            click.echo(f"{n} products written to {output}", err=True)
