"""Against the real Rasa 3.6.21 server and our action server (marked ``rasa``)."""

from __future__ import annotations

import json
import re
import subprocess

import pytest
import yaml
from sqlalchemy import select

from bot.ops import rasa_env, training
from catalog import products
from catalog.models import Order
from tests.fixtures_rasa import RunningRasa

pytestmark = pytest.mark.rasa


def _rasa(*args: str, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    cmd = [*rasa_env.rasa_command(rasa_env.ensure()), *args]
    return subprocess.run(
        cmd,
        cwd=training.ROOT,
        env=training.rasa_environ(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


_CHECK_PATCH = """
import jsonschema, nlu.rasa_main as m
from rasa.core.actions.action import RemoteAction
m.patch()
action = RemoteAction("action_x", None)
assert action._validate_action_result({"events": [], "responses": [{"text": "hi"}]})
try:
    action._validate_action_result({"events": "not a list"})
except jsonschema.ValidationError as e:
    print("refused:", e.message)
"""


def test_rasa_checks_action_answers_as_before() -> None:
    """nlu/rasa_main.py's validator built once accepts and refuses what Rasa's own does."""
    env = rasa_env.ensure()
    done = subprocess.run([str(rasa_env.python(env)), "-c", _CHECK_PATCH], cwd=training.ROOT,
                          env=training.rasa_environ(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "refused: 'not a list' is not of type 'array'. Failed to validate" in done.stdout


def test_rasa_freezes_what_it_loaded_once_the_model_is_up(rasa_stack: RunningRasa) -> None:
    """nlu/rasa_main.py: the model's objects are frozen out of the garbage collector."""
    log = (rasa_stack.workdir / "rasa.log").read_text(errors="replace")
    frozen = re.search(r"model loaded; (\d+) objects frozen out of the garbage collector", log)
    assert frozen, log[-2000:]
    assert int(frozen.group(1)) > 100_000  # Rasa, TensorFlow and the model


def test_rasa_logs_where_its_start_went(rasa_stack: RunningRasa) -> None:
    """nlu/rasa_main.py: one line with the steps of the start, which add up to the total."""
    log = (rasa_stack.workdir / "rasa.log").read_text(errors="replace")
    line = re.search(r"start: (.*); ([\d.]+) s since the process started", log)
    assert line, log[-2000:]
    steps = dict(step.rsplit(" ", 2)[:2] for step in line.group(1).split(", "))
    assert set(steps) == {"interpreter", "imports and server set-up", "model load",
                          "collection and freeze"}, steps
    assert abs(sum(map(float, steps.values())) - float(line.group(2))) < 0.5  # rounding


_CHECK_TRACING = """
import numpy as np, tensorflow as tf
from tensorflow.python.autograph.core import ag_ctx
import nlu.rasa_main as m
from rasa.nlu.classifiers.diet_classifier import DIET
from rasa.utils.tensorflow.models import RasaModel
m.patch()
m.patch()
assert DIET._rasa_predict.__wrapped__ is RasaModel._rasa_predict  # wrapped once
class Model:  # what _rasa_predict reads of a loaded model, in graph mode
    _tf_predict_step = None
    _run_eagerly = False
    prepared_for_prediction = True
    _dynamic_signature = staticmethod(RasaModel._dynamic_signature)
    def __init__(self):
        self.traced = []
    def predict_step(self, batch_in):  # records whether AutoGraph converts while tracing
        self.traced.append(ag_ctx.control_status_ctx().status.name)
        return {"sum": tf.reduce_sum(batch_in[0])}
batch = (np.arange(6, dtype=np.float32).reshape(2, 3),)
for name, predict in (("rasa", RasaModel._rasa_predict), ("patched", DIET._rasa_predict)):
    model = Model()
    first, second = predict(model, batch), predict(model, batch)
    print(name, first["sum"], second["sum"], model.traced, model._tf_predict_step._autograph)
"""


def test_diet_prediction_step_is_traced_without_autograph() -> None:
    """nlu/rasa_main.py: DIET's prediction step is traced once, AutoGraph off; Rasa's own is on."""
    env = rasa_env.ensure()
    done = subprocess.run([str(rasa_env.python(env)), "-c", _CHECK_TRACING], cwd=training.ROOT,
                          env=training.rasa_environ(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.splitlines()[-2:] == [
        "rasa 15.0 15.0 ['ENABLED'] True",
        "patched 15.0 15.0 ['DISABLED'] False",
    ], done.stdout


def diet_runs() -> int:
    """How many DIET models config.yml's classifier serves: its own and one per member seed."""
    pipeline = yaml.safe_load(training.CONFIG.read_text())["pipeline"]
    diet = next(c for c in pipeline if c["name"].endswith("DIETClassifier"))
    return 1 + len(diet.get("member_seeds") or [])


def test_the_session_rasa_traced_diet_without_autograph(rasa_stack: RunningRasa) -> None:
    log = (rasa_stack.workdir / "rasa.log").read_text(errors="replace")
    traced = log.count("DIET's prediction step is traced without AutoGraph")
    assert traced == diet_runs(), log[-2000:]  # each model once


_LAZY_PLOTTING = """
import sys, nlu.rasa_main as m
m.lazy("rasa.utils.plotting")
import rasa.nlu.test  # what the server imports (rasa.server), charts only for `rasa test`
assert "matplotlib" not in sys.modules
from rasa.utils import plotting
assert callable(plotting.plot_confusion_matrix) and "matplotlib" in sys.modules
print("ok")
"""


def test_the_server_imports_matplotlib_only_when_charts_are_drawn() -> None:
    env = rasa_env.ensure()
    done = subprocess.run([str(rasa_env.python(env)), "-c", _LAZY_PLOTTING], cwd=training.ROOT,
                          env=training.rasa_environ(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "ok"


def test_data_validates_without_warnings() -> None:
    result = _rasa(
        "data", "validate", "--fail-on-warnings",
        "--config", str(training.CONFIG), "--domain", str(training.DOMAIN), "--data", str(training.DATA),
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_conversation_stories_pass(rasa_stack: RunningRasa, tmp_path) -> None:
    result = _rasa(
        "test", "core", "--stories", "tests/rasa/test_stories.yml", "-m", str(rasa_stack.model),
        "--endpoints", str(rasa_stack.workdir / "endpoints.yml"), "--out", str(tmp_path),
        "--no-plot",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    failed = (tmp_path / "failed_test_stories.yml").read_text()
    assert "story:" not in failed, failed
    report = json.loads((tmp_path / "story_report.json").read_text())
    assert report["weighted avg"]["f1-score"] == 1.0


def texts(replies: list[dict]) -> str:
    return "\n".join(r.get("text") or "" for r in replies)


def payloads(replies: list[dict]) -> list[str]:
    return [b["payload"] for r in replies for b in r.get("buttons") or []]


@pytest.mark.parametrize(
    ("sender", "search", "confirm"),
    [("e2e-en", "show me kullu shawls", "yes"), ("e2e-hi", "kullu shawl dikhao", "haan")],
)
def test_purchase_by_chat(rasa_stack: RunningRasa, sender: str, search: str, confirm: str) -> None:
    chat = rasa_stack.chat
    with rasa_stack.sessions() as s:
        before = products.get(s, "KS-101").stock
    found = chat(sender, search)
    assert '/product_details{"product":"KS-101"}' in payloads(found), found
    details = chat(sender, '/product_details{"product":"KS-101"}')
    assert "Himkara" in texts(details) and "Handloom Mark" in texts(details)
    added = chat(sender, "2")
    assert "2 x" in texts(added), added
    assert chat(sender, "/checkout"), "no reply to checkout"
    for answer in ["Asha Verma", "9876543210", "12 Mall Road, Shimla", "India", "171001"]:
        reply = chat(sender, answer)
        assert reply, f"no reply to {answer!r}"
    assert "/affirm" in payloads(reply), reply
    placed = chat(sender, confirm)
    assert "Order" in texts(placed) or "ऑर्डर" in texts(placed), placed
    with rasa_stack.sessions() as s:
        assert products.get(s, "KS-101").stock == before - 2
        from catalog import customers

        customer = customers.find(s, sender)
        orders = list(s.scalars(select(Order).where(Order.customer_id == customer.id)))
    assert len(orders) == 1 and orders[0].lines[0].quantity == 2
    if sender == "e2e-hi":  # romanized Hindi: answered in Latin letters, never Devanagari
        assert customer.language == "hi-Latn"
        assert not re.search(r"[\u0900-\u097F]", texts(found + details + added + placed))
