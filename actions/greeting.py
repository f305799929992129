"""Greeting back a buyer whose greeting came with a request ("नमस्ते, आम का अचार चाहिए"): the
web app sends Rasa the request and the greeting as message metadata ``greeting``
(bot/core/greeting.py); the first of our actions to answer that turn opens with a short
greeting in the buyer's language (``greet_short``), then says what it has to say.

This runs in the action server's executor (actions/server.py), not in an action: the language
slot's mapping action runs first on every turn, but Rasa keeps only the slots such an action
sets and drops what it says."""

from __future__ import annotations

from typing import Any

from actions.texts import EN, LANGUAGES, t

NOT_ANSWERS = ("action_set_language",)  # runs on every turn; Rasa drops its messages


def greeting_due(action_call: dict[str, Any]) -> str | None:
    """The short greeting to open this action's answer with, or None: the turn's message came
    with a greeting, and nothing has been said to the buyer since it came."""
    if action_call.get("next_action") in NOT_ANSWERS:
        return None
    tracker = action_call.get("tracker") or {}
    message = tracker.get("latest_message") or {}
    metadata = message.get("metadata") or {}
    if not isinstance(metadata, dict) or not metadata.get("greeting"):
        return None
    events = tracker.get("events") or []
    last_user = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=-1)
    if any(e.get("event") == "bot" for e in events[last_user + 1 :]):
        return None  # already greeted (or answered) this turn
    language = (tracker.get("slots") or {}).get("language")
    return t("greet_short", language if language in LANGUAGES else EN)
