"""``kaarigar staff add|list|remove``: who may run a jail's shop from the chat."""

from __future__ import annotations

import click

from bot.cli.common import Env, pass_env
from catalog import staff as staffing
from catalog.db import transaction


@click.group("staff")
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
