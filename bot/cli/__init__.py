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

import importlib
import sys

import click

from catalog.errors import CatalogError

# command -> (module, attribute): a command's module is imported when the command runs (or
# for --help), so `kaarigar run` spawns Rasa before the web app's imports, not after all of them.
COMMANDS = {
    "db": ("bot.cli.database", "db"),
    "seed": ("bot.cli.database", "seed"),
    "catalog": ("bot.cli.catalog_csv", "catalog"),
    "staff": ("bot.cli.staff", "staff"),
    "rasa-env": ("bot.cli.rasa", "rasa_env_cmd"),
    "bench": ("bot.cli.bench", "bench_cmd"),
    "train": ("bot.cli.rasa", "train_cmd"),
    "rasa": ("bot.cli.rasa", "rasa_cmd"),
    "chat": ("bot.cli.chat", "chat_cmd"),
    "run": ("bot.cli.chat", "run_cmd"),
    "payments": ("bot.cli.payments", "payments_cmd"),
    "jail": ("bot.cli.payments", "jail_cmd"),
    "orders": ("bot.cli.payments", "orders_cmd"),
}


class LazyGroup(click.Group):
    """A group whose commands are imported by name on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            module, attribute = COMMANDS[cmd_name]
            self.add_command(getattr(importlib.import_module(module), attribute), cmd_name)
        return self.commands.get(cmd_name)


@click.group(cls=LazyGroup)
def main() -> None:
    """Kaarigar: a chat storefront for goods made in prisons."""


def run() -> None:
    """Entry point: catalog errors become one clear line and exit code 1."""
    try:
        main(standalone_mode=True)
    except CatalogError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
