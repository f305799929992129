"""The ``kaarigar`` command: database, catalog, staff, and (as they grow) the bot's processes."""

from __future__ import annotations

import sys
from functools import cached_property
from pathlib import Path
from typing import Any

import click
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings, SettingsError, load
from catalog import csvio, migrate, payment_methods
from catalog import seed as seeding
from catalog import staff as staffing
from catalog.db import make_engine, make_sessionmaker, transaction
from catalog.errors import CatalogError


class Env:
    """What every command needs, made on first use (nothing connects at import time)."""

    @cached_property
    def settings(self) -> Settings:
        try:
            return load()
        except SettingsError as exc:
            raise click.ClickException(str(exc)) from None

    @cached_property
    def engine(self) -> Engine:
        return make_engine(self.settings.database_url)

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        return make_sessionmaker(self.engine)


pass_env = click.make_pass_decorator(Env, ensure=True)


@click.group()
def main() -> None:
    """Kaarigar: a chat storefront for goods made in prisons."""


@main.group()
def db() -> None:
    """The database schema (Alembic migrations)."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@pass_env
def db_upgrade(env: Env, revision: str) -> None:
    """Migrate the database to a revision (default: the newest)."""
    migrate.upgrade(env.engine, revision)
    click.echo(f"database at {revision}: {env.engine.url.render_as_string(hide_password=True)}")


@db.command("downgrade")
@click.argument("revision")
@pass_env
def db_downgrade(env: Env, revision: str) -> None:
    """Migrate the database back to REVISION ("base" empties it)."""
    migrate.downgrade(env.engine, revision)
    click.echo(f"database at {revision}")


@main.command()
@pass_env
def seed(env: Env) -> None:
    """Load the demo catalog (jails, products, exchange rates). Running it twice changes nothing."""
    migrate.upgrade(env.engine)
    with transaction(env.sessions) as session:
        result = seeding.seed(session)
        methods = payment_methods.apply_defaults(session, gateway=env.settings.gateway)
    click.echo(f"demo catalog: {result.created} products added")
    click.echo(f"payment methods set for {methods} jails")


@main.group()
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
            checked = csvio.check(path, csvio.jails_by_code(session))
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


@main.group()
def staff() -> None:
    """Who may run a jail's shop from Telegram or WhatsApp."""


_channel = click.option("--channel", type=click.Choice(staffing.CHANNELS), required=True)
_id = click.option(
    "--id",
    "user_id",
    required=True,
    help="Telegram numeric user id, or WhatsApp number with country code.",
)


@staff.command("add")
@_channel
@_id
@click.option("--jail", "jail_code", help="The jail's short code (staff need one).")
@click.option("--role", type=click.Choice(["staff", "admin"]), default="staff", show_default=True)
@pass_env
def staff_add(env: Env, channel: str, user_id: str, jail_code: str | None, role: str) -> None:
    """Register a staff member of a jail, or an admin."""
    with transaction(env.sessions) as session:
        member = staffing.add(session, channel, user_id, role=role, jail_code=jail_code)
        where = member.jail.code if member.jail else "all jails"
        click.echo(f"{member.role} {member.channel}:{member.channel_user_id} ({where})")


@staff.command("list")
@pass_env
def staff_list(env: Env) -> None:
    """List staff and admins."""
    with env.sessions() as session:
        for m in staffing.all_staff(session):
            where = m.jail.code if m.jail else "*"
            click.echo(f"{m.role:5}  {where:4}  {m.channel}:{m.channel_user_id}")


@staff.command("remove")
@_channel
@_id
@pass_env
def staff_remove(env: Env, channel: str, user_id: str) -> None:
    """Remove a staff member; they get a buyer's replies from then on."""
    with transaction(env.sessions) as session:
        staffing.remove(session, channel, user_id)
    click.echo(f"removed {channel}:{user_id}")


@main.command("rasa-env")
def rasa_env_cmd() -> None:
    """Build the cached Rasa 3.6 environment (Python 3.10) if it is missing; print its path."""
    from bot import rasa_env

    try:
        click.echo(rasa_env.ensure(echo=lambda msg: click.echo(msg, err=True)))
    except rasa_env.RasaEnvError as exc:
        raise click.ClickException(str(exc)) from None


@main.command(
    "bench",
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    add_help_option=False,
)
@click.pass_context
def bench_cmd(ctx: click.Context) -> None:
    """Run the benchmark suite (bench/run.py; --help lists its options, e.g. --only catalog)."""
    import subprocess

    script = Path(__file__).resolve().parents[1] / "bench" / "run.py"
    if not script.exists():
        raise click.ClickException(f"{script} not found: run from a clone of the repository")
    sys.exit(subprocess.call([sys.executable, str(script), *ctx.args]))


from bot.rasa_commands import rasa_cmd, train_cmd  # noqa: E402  (they use Env above)

main.add_command(train_cmd)
main.add_command(rasa_cmd)

from bot.chat_commands import chat_cmd, run_cmd  # noqa: E402  (they use Env above)

main.add_command(chat_cmd)
main.add_command(run_cmd)

from bot.payment_commands import jail_cmd, orders_cmd, payments_cmd  # noqa: E402

main.add_command(payments_cmd)
main.add_command(jail_cmd)
main.add_command(orders_cmd)


def run() -> None:
    """Entry point: catalog errors become one clear line and exit code 1."""
    try:
        main(standalone_mode=True)
    except CatalogError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
