"""``kaarigar rasa-env``, ``kaarigar train`` and ``kaarigar rasa``: the Rasa side of the command line."""

from __future__ import annotations

import contextlib
import signal
import threading

import click

from bot.cli.common import Env, pass_env
from bot.ops import processes, training
from catalog import migrate


@click.command("rasa-env")
def rasa_env_cmd() -> None:
    """Build the cached Rasa 3.6 environment (Python 3.10) if it is missing; print its path."""
    from bot.ops import rasa_env

    try:
        click.echo(rasa_env.ensure(echo=lambda msg: click.echo(msg, err=True)))
    except rasa_env.RasaEnvError as exc:
        raise click.ClickException(str(exc)) from None


@click.command("train")
@click.option("--force", is_flag=True, help="Train even when an up-to-date model exists.")
@pass_env
def train_cmd(env: Env, force: bool) -> None:
    """Regenerate the catalog's lookup tables and synonyms, then train a model if anything changed."""
    migrate.upgrade(env.engine)
    with env.sessions() as session:
        if training.has_products(session):
            changed = training.write_generated(session)
            click.echo(f"{training.GENERATED.name}: {'updated' if changed else 'unchanged'}")
        else:
            click.echo("the catalog is empty: catalog_generated.yml left as it is", err=True)
    result = training.train(force=force, echo=lambda m: click.echo(m, err=True))
    if result.trained:
        click.echo(f"trained {result.model} in {result.seconds:.0f} s")
    else:
        click.echo(f"up to date: {result.model}")


@click.command("rasa")
@click.option("--rasa-port", default=5005, show_default=True)
@click.option("--action-port", default=5055, show_default=True)
@pass_env
def rasa_cmd(env: Env, rasa_port: int, action_port: int) -> None:
    """Serve Rasa and the action server in the foreground until Ctrl-C."""
    model = training.train(echo=lambda m: click.echo(m, err=True)).model
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with processes.RasaStack(
        model=model,
        database_url=env.settings.database_url,
        redis_url=env.settings.redis_url,
        rasa_port=rasa_port,
        action_port=action_port,
    ) as stack:
        click.echo(f"Rasa on {stack.rasa_url}, actions on {stack.action_url} (Ctrl-C stops)")
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()
