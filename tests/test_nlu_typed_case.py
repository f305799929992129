"""The tokenizer that trains on phone capitals (nlu/components/typed_case.py), in Rasa's
environment.

Our training sentences are lower case; while training, about one in four is capitalised as a phone
types it and one in four short ones is title cased. The probe runs the tokenizer on Rasa's own
training data objects: the change is the same on every run, only the case changes (so entity
offsets still fit), the tokens are made from the new text, and a message being answered is left
as the buyer typed it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_nlu_ensemble import run_probe

pytestmark = pytest.mark.rasa

PROBE = """\
import json
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from nlu.components.typed_case import TypedCaseWhitespaceTokenizer, as_typed

texts = ["show me %d shawls" % i for i in range(40)] + ["weight gain", "hair fall", "पुराना गद्दा"]
def data():
    examples = [Message(data={"text": t, "intent": "search_product"}) for t in texts]
    examples.append(Message(data={"text": "i want a carpet", "intent": "search_product",
                                  "entities": [{"start": 9, "end": 15, "value": "carpet",
                                                "entity": "product"}]}))
    return TrainingData(examples)
tokenizer = TypedCaseWhitespaceTokenizer(TypedCaseWhitespaceTokenizer.get_default_config())
first, second = tokenizer.process_training_data(data()), tokenizer.process_training_data(data())
trained = [m.get("text") for m in first.training_examples]
answered = Message(data={"text": "hair fall"})
tokenizer.process([answered])
print(json.dumps({
    "same_each_time": trained == [m.get("text") for m in second.training_examples],
    "only_case": all(a.lower() == b.lower() and len(a) == len(b) for a, b in zip(texts, trained)),
    "capitalised": sum(t[:1].isupper() for t in trained),
    "title_cased": [as_typed(t) for t in ("weight gain", "hair fall", "gadda chahiye")],
    "tokens_follow": all([t.text for t in m.get("text_tokens")] == m.get("text").split()
                         for m in first.training_examples),
    "entity_text": [m for m in first.training_examples if "carpet" in m.get("text").lower()][0]
                   .get("text")[9:15],
    "answered": answered.get("text"),
    "devanagari": as_typed("पुराना गद्दा"),
}, ensure_ascii=False))
"""


def test_training_examples_get_phone_capitals_and_answers_do_not(tmp_path: Path) -> None:
    found = run_probe(tmp_path / "probe.py", PROBE)
    assert found["same_each_time"] and found["only_case"] and found["tokens_follow"], found
    assert 5 <= found["capitalised"] <= 20, found  # about a quarter of 44, by the checksum
    # by the checksum: left as written, or every word capitalised (short texts)
    assert found["title_cased"] == ["weight gain", "Hair Fall", "Gadda Chahiye"], found
    assert found["entity_text"].lower() == "carpet", found
    assert found["answered"] == "hair fall", found
    assert found["devanagari"] == "पुराना गद्दा", found
