"""The audit trail: one append-only row per change that staff or the system makes."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from catalog.models import AuditEntry


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: str | int,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    reason: str | None = None,
    channel: str | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        actor=actor,
        channel=channel,
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        before=before,
        after=after,
        reason=reason,
    )
    session.add(entry)
    session.flush()
    return entry
