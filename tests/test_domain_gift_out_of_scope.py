"""The gift answer and the out-of-scope answer (issue 12) are in the domain in all four reply
languages with the same buttons, and the rules send the intents to them, also mid-checkout."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
LANGUAGES = {"hi", "hi-Latn", "ur"}  # conditioned variants; the first, unconditioned, is English


def _merged(folder: Path) -> dict:
    merged: dict = {"intents": [], "responses": {}, "slots": {}, "rules": []}
    for path in sorted(folder.glob("*.yml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        merged["intents"] += doc.get("intents") or []
        merged["responses"].update(doc.get("responses") or {})
        merged["slots"].update(doc.get("slots") or {})
        merged["rules"] += doc.get("rules") or []
    return merged


DOMAIN = _merged(REPO / "nlu" / "domain")
RULES = _merged(REPO / "nlu" / "data" / "rules")["rules"]


@pytest.mark.parametrize("response", ["utter_gift", "utter_out_of_scope"])
def test_the_answer_is_in_every_language_with_the_same_buttons(response: str) -> None:
    variants = DOMAIN["responses"][response]
    default, conditioned = variants[0], variants[1:]
    assert "condition" not in default and default["text"]
    seen = {c["value"] for v in conditioned for c in v["condition"] if c["name"] == "language"}
    assert seen == LANGUAGES and len(conditioned) == len(LANGUAGES)
    payloads = [b["payload"] for b in default["buttons"]]
    for variant in conditioned:
        assert variant["text"] and variant["text"] != default["text"]
        assert [b["payload"] for b in variant["buttons"]] == payloads


def _answers(intent: str, mid_form: bool) -> list[list[str]]:
    """The actions of every rule for ``intent`` (with or without the checkout form active)."""
    found = []
    for rule in RULES:
        steps = rule["steps"]
        in_form = any("active_loop" in c for c in rule.get("condition") or [])
        if in_form == mid_form and steps and steps[0].get("intent") == intent:
            found.append([s["action"] for s in steps[1:] if "action" in s])
    return found


def test_the_rules_send_gift_and_out_of_scope_to_their_answers() -> None:
    assert "gift" in DOMAIN["intents"]
    assert _answers("gift", False) == [["action_info_answer"]]  # utter_gift, then the summary
    assert _answers("gift", True) == [["utter_gift", "checkout_form"]]
    assert _answers("out_of_scope", False) == [["action_out_of_scope"]]


def test_a_gift_question_mid_checkout_is_never_taken_as_a_detail() -> None:
    for name in (
        "buyer_name",
        "buyer_phone",
        "buyer_address",
        "buyer_country",
        "buyer_postal_code",
    ):
        for mapping in DOMAIN["slots"][name]["mappings"]:
            if mapping["type"] == "from_text":
                assert "gift" in mapping["not_intent"], name
