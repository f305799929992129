"""The ``kaarigar`` command: database, catalog, staff, payments and the bot's processes.

One module per group of commands, importing downward only::

    bot.cli.common      Env (settings, engine, sessions made on first use) and pass_env
    bot.cli.database    db upgrade|downgrade, seed
    bot.cli.catalog_csv catalog import|export
    bot.cli.staff       staff add|list|remove
    bot.cli.payments    payments reconcile, jail payments, orders export
    bot.cli.rasa        rasa-env, train, rasa
    bot.cli.chat        chat, run
    bot.cli.bench       bench
    bot.cli             (this module) the root group and the ``run()`` entry point
"""

from __future__ import annotations

import sys

import click

from bot.cli.bench import bench_cmd
from bot.cli.catalog_csv import catalog
from bot.cli.chat import chat_cmd, run_cmd
from bot.cli.database import db, seed
from bot.cli.payments import jail_cmd, orders_cmd, payments_cmd
from bot.cli.rasa import rasa_cmd, rasa_env_cmd, train_cmd
from bot.cli.staff import staff
from catalog.errors import CatalogError


@click.group()
def main() -> None:
    """Kaarigar: a chat storefront for goods made in prisons."""


for _command in (db, seed, catalog, staff, rasa_env_cmd, bench_cmd, train_cmd, rasa_cmd,
                 chat_cmd, run_cmd, payments_cmd, jail_cmd, orders_cmd):  # fmt: skip
    main.add_command(_command)


def run() -> None:
    """Entry point: catalog errors become one clear line and exit code 1."""
    try:
        main(standalone_mode=True)
    except CatalogError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
