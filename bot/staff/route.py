"""The staff handler: jail staff run their shop with short commands, answered in one line.

The channel front ends call ``handle`` before Rasa. It returns None when the message is not a
staff command from a registered staff member, and the front end then passes it to Rasa.
"""

from __future__ import annotations

import asyncio
import logging
import re

from bot.core.conversation import StaffHandler
from bot.core.messages import Inbound, Reply
from bot.core.relay import Relay
from bot.core.state import StoreUnavailable, key
from bot.payments.razorpay import GatewayRefused, GatewayUnavailable
from bot.staff import flows as staff_flows
from bot.staff.commands import (
    Ctx,
    GatewayRefund,
    as_member,
    record_gateway_refund,
    run,
)
from bot.staff.deps import StaffDeps as StaffDeps
from bot.staff.parse import Command, not_a_command, parse
from catalog.refs import ref

log = logging.getLogger(__name__)
REFUND_CLAIM_SECONDS = 120.0  # one /refund of an order at the gateway at a time


def bind(deps: StaffDeps) -> StaffHandler:
    """The staff handler the conversation calls, bound to its dependencies."""

    async def staff(inbound: Inbound) -> list[Reply] | None:
        return await handle(inbound, deps)

    return staff


async def handle(inbound: Inbound, deps: StaffDeps) -> list[Reply] | None:
    """Answer a staff command; None if this is not one from a registered staff member."""
    cmd = parse(inbound.channel, inbound.text)
    draft = await deps.state.get_json(staff_flows.draft_key(inbound))
    if draft is not None:
        if cmd is not None and cmd.name == "cancel" and not cmd.args:
            return await staff_flows.abandon(inbound, deps)
        if cmd is None or not cmd.slash:
            return await staff_flows.continue_add(inbound, deps, draft)
    if cmd is None:
        waited = await staff_flows.awaited_photo(inbound, deps)
        if waited is not None:
            return waited
        return await _not_a_command(inbound, deps)
    if cmd.name == "add":
        return await staff_flows.start_add(inbound, deps, cmd)
    if cmd.name == "photo":
        return await staff_flows.photo(inbound, deps, cmd)
    text = await asyncio.to_thread(
        run, deps.sessions, inbound.channel, inbound.user_id, cmd, private=inbound.private
    )
    if isinstance(text, GatewayRefund):
        text = await gateway_refund(inbound, deps, cmd, text)
    if cmd.name == "reply" and isinstance(text, str) and deps.relay is not None:
        await _replied(text, deps.relay)
    return None if text is None else [Reply(text)]


SENT = re.compile(r"^Sent to buyer #(\d+)\.$")  # cmd_reply's answer when the outbox took it


async def _replied(text: str, relay: Relay) -> None:
    """After "Sent to buyer #4.": the buyer's messages go to staff for a while."""
    found = SENT.match(text)
    if found is None:
        return
    try:
        await relay.staff_replied(int(found.group(1)))
    except StoreUnavailable as exc:  # the reply is sent; only the window is not opened
        log.warning("state store unavailable, relay window not opened: %s", exc)


async def _not_a_command(inbound: Inbound, deps: StaffDeps) -> list[Reply] | None:
    """ "/foo" or the typo "/stok" from registered staff: one line saying so (nothing runs);
    None for everyone else and for any other text."""
    if inbound.button_payload:
        return None
    said = not_a_command(inbound.text)
    if said is None:
        return None

    def work(ctx: Ctx) -> str:
        return said

    text = await asyncio.to_thread(
        as_member, deps.sessions, inbound.channel, inbound.user_id, work, private=inbound.private
    )
    return None if text is None else [Reply(str(text))]


async def gateway_refund(
    inbound: Inbound, deps: StaffDeps, cmd: Command, plan: GatewayRefund
) -> str | None:
    """Refund a gateway payment at the gateway, then record it; a failure records nothing."""
    oid = plan.order_id
    if deps.gateway is None:
        return f"Order {ref(oid)} was paid through the gateway, which is not set up here; nothing recorded."
    if plan.charge_id is None:
        return (
            f"Order {ref(oid)}'s gateway payment has no charge id; refund it in the gateway's "
            "dashboard; nothing recorded."
        )
    claim = key("staff-refund", oid)
    if not await deps.state.add_once(claim, REFUND_CLAIM_SECONDS):
        return f"A refund of order {ref(oid)} is already under way; nothing changed."
    try:
        # Checked again under the claim: a twin /refund may have finished in between.
        again = await asyncio.to_thread(
            run, deps.sessions, inbound.channel, inbound.user_id, cmd, private=inbound.private
        )
        if not isinstance(again, GatewayRefund) or again.charge_id is None:
            return None if again is None else str(again)
        plan = again
        try:
            refund_id = await deps.gateway.refund(again.charge_id)
        except GatewayUnavailable:
            return (
                f"The gateway did not refund order {ref(oid)} (it is unavailable); nothing recorded: "
                "try /refund again later."
            )
        except GatewayRefused as exc:
            return f"The gateway refused to refund order {ref(oid)}: {exc.description[:120]}; nothing recorded."

        def work(ctx: Ctx) -> str:
            return record_gateway_refund(ctx, plan, refund_id)

        done = await asyncio.to_thread(
            as_member, deps.sessions, inbound.channel, inbound.user_id, work, cmd.name,
            private=inbound.private,
        )  # fmt: skip
        return None if done is None else str(done)
    finally:
        await deps.state.delete(claim)
