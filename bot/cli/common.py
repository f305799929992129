"""What every ``kaarigar`` command shares: the lazily built environment and its decorator.

The CLI's modules import downward only: this module <- the command modules <- ``bot.cli``
(the root group), so each command module can be imported on its own.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

import click

from bot.ops.settings import Settings, SettingsError, load

if TYPE_CHECKING:  # SQLAlchemy on first use: `kaarigar run` spawns Rasa before importing it
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker


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
        from catalog.db import make_engine

        return make_engine(self.settings.database_url)

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        from catalog.db import make_sessionmaker

        return make_sessionmaker(self.engine)


pass_env = click.make_pass_decorator(Env, ensure=True)
