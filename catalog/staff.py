"""Staff: who may run which jail's shop. Staff of a jail touch only that jail; admins all."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import phones
from catalog.errors import Forbidden, InvalidInput, NotFound
from catalog.models import Role, Staff
from catalog.products import jail_by_code

CHANNELS = ("telegram", "whatsapp")


def normalize_id(channel: str, channel_user_id: str) -> str:
    """Telegram: the numeric user id. WhatsApp: the E.164 number, without "whatsapp:"."""
    value = channel_user_id.strip().removeprefix("whatsapp:")
    if channel == "telegram":
        if not value.lstrip("-").isdigit():
            raise InvalidInput("a Telegram id is the numeric user id, e.g. 123456789")
        return value
    if channel == "whatsapp":
        number = phones.e164(value)  # no default country: WhatsApp ids are international
        if number is None:
            raise InvalidInput(
                "a WhatsApp id is a phone number with country code, e.g. +919812345678"
            )
        return number
    raise InvalidInput(f"channel must be one of: {', '.join(CHANNELS)}")


def add(
    session: Session, channel: str, channel_user_id: str, *, role: str, jail_code: str | None
) -> Staff:
    """Register (or update) a staff member. Staff need a jail; admins may have none."""
    if role not in (Role.STAFF, Role.ADMIN):
        raise InvalidInput("role must be staff or admin")
    uid = normalize_id(channel, channel_user_id)
    jail = jail_by_code(session, jail_code) if jail_code else None
    if role == Role.STAFF and jail is None:
        raise InvalidInput("staff belong to one jail: give --jail CODE")
    member = find(session, channel, uid)
    if member is None:
        member = Staff(channel=channel, channel_user_id=uid)
        session.add(member)
    member.role = role
    member.jail = jail
    session.flush()
    return member


def find(session: Session, channel: str, channel_user_id: str) -> Staff | None:
    try:
        uid = normalize_id(channel, channel_user_id)
    except InvalidInput:
        return None
    return session.scalar(
        select(Staff).where(Staff.channel == channel, Staff.channel_user_id == uid)
    )


def remove(session: Session, channel: str, channel_user_id: str) -> None:
    member = find(session, channel, channel_user_id)
    if member is None:
        raise NotFound(f"no staff member {channel}:{channel_user_id}")
    session.delete(member)


def all_staff(session: Session) -> list[Staff]:
    return list(session.scalars(select(Staff).order_by(Staff.jail_id, Staff.channel, Staff.id)))


def of_jail(session: Session, jail_id: int) -> list[Staff]:
    return list(session.scalars(select(Staff).where(Staff.jail_id == jail_id)))


def actor(member: Staff) -> str:
    return f"staff:{member.id}"


def scope(member: Staff) -> int | None:
    """The jail a member's commands are limited to; None for admins (all jails). Staff whose
    jail is gone are refused, never given every jail."""
    if member.role == Role.ADMIN:
        return None
    if member.jail_id is None:
        raise Forbidden("you have no jail on record; ask an admin to register you again")
    return member.jail_id


def check_jail(member: Staff, jail_id: int) -> None:
    if member.role != Role.ADMIN and member.jail_id != jail_id:
        raise Forbidden("that belongs to another jail")
