"""Trackers, dispatchers and the real domain for action unit tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

DOMAIN_DIR = Path(__file__).resolve().parents[1] / "nlu" / "domain"


def load_domain() -> dict[str, Any]:
    """The domain files merged as Rasa merges them (mappings joined, lists concatenated)."""
    merged: dict[str, Any] = {}
    for path in sorted(DOMAIN_DIR.glob("*.yml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for key, value in doc.items():
            if isinstance(value, dict):
                merged.setdefault(key, {}).update(value)
            elif isinstance(value, list):
                merged.setdefault(key, []).extend(value)
    return merged


def tracker(
    text: str = "",
    *,
    intent: str = "inform",
    entities: dict[str, str] | None = None,
    slots: dict[str, Any] | None = None,
    sender: str = "buyer-1",
    active_loop: str | None = None,
    events: list[dict[str, Any]] | None = None,
) -> Tracker:
    """A tracker whose latest message is ``text`` with this intent and these entities."""
    domain = load_domain()
    values: dict[str, Any] = {
        name: spec.get("initial_value") for name, spec in domain["slots"].items()
    }
    values["requested_slot"] = None
    values.update(slots or {})
    message = {
        "text": text,
        "intent": {"name": intent, "confidence": 1.0},
        "entities": [{"entity": k, "value": v} for k, v in (entities or {}).items()],
    }
    return Tracker(
        sender, values, message, events or [], False, None,
        {"name": active_loop} if active_loop else {}, "action_listen",
    )  # fmt: skip


async def run(action: Any, trk: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Run an action; returns (events, messages)."""
    dispatcher = CollectingDispatcher()
    result = action.run(dispatcher, trk, load_domain())
    if hasattr(result, "__await__"):
        result = await result
    return result, dispatcher.messages
