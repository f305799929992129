import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import nlu_metrics as m  # noqa: E402


def test_accuracy_and_macro_f1_perfect():
    g = ["a", "b", "b", "c"]
    assert m.accuracy(g, g) == 1.0
    assert m.macro_f1(g, g) == 1.0


def test_macro_f1_hand_computed():
    gold = ["a", "a", "b", "b"]
    pred = ["a", "b", "b", "b"]
    # a: p=1, r=.5, f=2/3 ; b: p=2/3, r=1, f=.8
    assert m.macro_f1(gold, pred) == pytest.approx((2 / 3 + 0.8) / 2)
    assert m.accuracy(gold, pred) == 0.75


def test_macro_f1_ignores_labels_absent_from_gold():
    gold = ["a", "a"]
    pred = ["a", "nlu_fallback"]
    # only class a: p=1, r=.5 -> f=2/3
    assert m.macro_f1(gold, pred) == pytest.approx(2 / 3)
    assert set(m.per_label_f1(gold, pred)) == {"a"}


def test_entity_value_multiset():
    gold = [[{"entity": "product", "value": "shawl"}, {"entity": "quantity", "value": "2"}]]
    pred = [[{"entity": "product", "value": "Shawl"}, {"entity": "quantity", "value": "3"}]]
    r = m.entity_prf(gold, pred)
    assert (r["tp"], r["fp"], r["fn"]) == (1, 1, 1)
    assert r["f1"] == pytest.approx(0.5)


def test_entity_multiset_duplicates_count_once_each():
    gold = [[{"entity": "product", "value": "shawl"}]]
    pred = [[{"entity": "product", "value": "shawl"}, {"entity": "product", "value": "shawl"}]]
    r = m.entity_prf(gold, pred)
    assert (r["tp"], r["fp"], r["fn"]) == (1, 1, 0)
    assert r["precision"] == 0.5 and r["recall"] == 1.0


def test_entity_type_must_match():
    gold = [[{"entity": "jail", "value": "Agra"}]]
    pred = [[{"entity": "country", "value": "Agra"}]]
    assert m.entity_prf(gold, pred)["f1"] == 0.0


def test_entity_empty_is_zero_not_error():
    assert m.entity_prf([[]], [[]])["f1"] == 0.0


def test_span_mode():
    gold = [[{"entity": "product", "value": "shawl", "start": 7, "end": 12}]]
    pred = [[{"entity": "product", "value": "stole", "start": 7, "end": 12}]]
    assert m.entity_prf(gold, pred, mode="span")["f1"] == 1.0
    assert m.entity_prf(gold, pred, mode="value")["f1"] == 0.0


def test_parse_annotated():
    text, ents = m.parse_annotated('mujhe [2](quantity) [shaal]{"entity": "product", "value": "shawl"} do')
    assert text == "mujhe 2 shaal do"
    assert ents[0] == {"entity": "quantity", "value": "2", "start": 6, "end": 7, "text": "2"}
    assert ents[1]["value"] == "shawl" and text[ents[1]["start"]:ents[1]["end"]] == "shaal"


def test_oos_and_accept():
    r = m.oos_rates(["nlu_fallback", "out_of_scope", "greet", "nlu_fallback"])
    assert r["caught"] == 0.75 and r["nlu_fallback"] == 0.5 and r["out_of_scope"] == 0.25
    assert m.accept_accuracy(["a", "a"], [["b"], []], ["b", "c"]) == 0.5


def test_percentile():
    xs = list(range(1, 101))
    assert m.percentile(xs, 50) == 50
    assert m.percentile(xs, 99) == 99
