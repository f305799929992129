"""``kaarigar db upgrade|downgrade`` and ``kaarigar seed``: the schema and the demo catalog."""

from __future__ import annotations

import click

from bot.cli.common import Env, pass_env
from catalog import migrate, payment_methods
from catalog import seed as seeding
from catalog.db import transaction


@click.group("db")
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


@click.command("seed")
@pass_env
def seed(env: Env) -> None:
    """Load the demo catalog (jails, products, exchange rates). Running it twice changes nothing."""
    migrate.upgrade(env.engine)
    with transaction(env.sessions) as session:
        result = seeding.seed(session)
        methods = payment_methods.apply_defaults(session, gateway=env.settings.gateway)
    click.echo(f"demo catalog: {result.created} products added")
    click.echo(f"payment methods set for {methods} jails")
