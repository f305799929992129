"""The DIET ensemble (nlu/components/ensemble_diet.py), trained and served by Rasa itself.

A tiny model is trained with `rasa train nlu` in Rasa's environment (two extra members, a few
epochs), then loaded from its archive the way the server loads one: the members must come back
from the archive, and each answer's intent confidences must be the mean of the three models' own;
and a model loaded by our class (no optimizer) answers exactly as Rasa's own load of it.
"""

from __future__ import annotations

import json
import subprocess
import tarfile
import textwrap
from pathlib import Path

import pytest

from bot.ops import rasa_env, training

pytestmark = pytest.mark.rasa

CONFIG = """\
recipe: default.v1
assistant_id: ensemble-test
language: en
pipeline:
  - name: WhitespaceTokenizer
  - name: CountVectorsFeaturizer
    analyzer: char_wb
    min_ngram: 1
    max_ngram: 3
  - name: nlu.components.ensemble_diet.EnsembleDIETClassifier
    epochs: 3
    transformer_size: 32
    number_of_transformer_layers: 1
    constrain_similarities: true
    random_seed: 42
    member_seeds: [7, 13]
policies: []
"""

NLU = """\
version: "3.1"
nlu:
- intent: greet
  examples: |
    - hello
    - hi there
    - namaste
    - good morning
    - hey
- intent: search_product
  examples: |
    - show me [shawls](product)
    - do you have [chappals](product)
    - i want a [carpet](product)
    - [pickle](product) dikhao
    - looking for [shawl](product)
- intent: order_status
  examples: |
    - where is my order
    - order status
    - mera order kab aayega
    - track my parcel
    - has my order shipped
"""

# Runs in Rasa's environment: load the model as `rasa run` does, record what each member's model
# computes for one message, and print it beside the answer.
PROBE = """\
import asyncio, json, sys, tarfile, tempfile
from pathlib import Path
import numpy as np
from rasa.core.agent import Agent
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.nlu.classifiers.diet_classifier import DIETClassifier
from nlu.components.ensemble_diet import EnsembleDIETClassifier

agent = Agent.load(sys.argv[1])
nodes = agent.processor.graph_runner._instantiated_nodes.values()
node = next(n for n in nodes if isinstance(n._component, EnsembleDIETClassifier))
ensemble = node._component
scores, inputs = [], []
for model in [ensemble.model] + [m.model for m in ensemble.others]:
    def recording(data, _run=model.run_inference):
        out = _run(data)
        inputs.append(data)
        scores.append(np.asarray(out["i_scores"]).flatten().tolist())
        return out
    model.run_inference = recording
result = asyncio.run(agent.parse_message("show me a shawl"))
# the first model as Rasa's own DIETClassifier loads it (fitting it once, with an optimizer); the
# class takes our name because DIET's files are named after the class that wrote them
Stock = type(EnsembleDIETClassifier.__name__, (DIETClassifier,), {})
unpacked = Path(tempfile.mkdtemp())
with tarfile.open(sys.argv[1]) as archive:
    archive.extractall(unpacked)
stock = Stock.load(node._component_config, LocalModelStorage(unpacked / "components"),
                   node._existing_resource, node._execution_context)
print(json.dumps({"members": len(ensemble.others), "labels": ensemble.index_label_id_mapping,
                  "scores": scores, "ranking": result["intent_ranking"], "entities": result["entities"],
                  "stock": np.asarray(stock.model.run_inference(inputs[0])["i_scores"]).flatten().tolist(),
                  "optimizers": [m.optimizer is not None for m in [ensemble.model, stock.model]]}))
"""


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return train_tiny(tmp_path_factory.mktemp("ensemble"), CONFIG)


def train_tiny(work: Path, config: str) -> Path:
    """An NLU model of ``config`` trained on the tiny ``NLU`` data in ``work``, in Rasa's env."""
    (work / "config.yml").write_text(config)
    (work / "nlu.yml").write_text(NLU)
    env = rasa_env.ensure()
    subprocess.run(
        [*rasa_env.rasa_command(env), "train", "nlu", "--config", str(work / "config.yml"),
         "--nlu", str(work / "nlu.yml"), "--out", str(work), "--fixed-model-name", "tiny"],
        check=True, cwd=work, env=training.rasa_environ(), capture_output=True,
    )  # fmt: skip
    return work / "tiny.tar.gz"


def test_the_members_are_in_the_model_archive(tiny_model: Path) -> None:
    with tarfile.open(tiny_model) as archive:
        names = archive.getnames()
    for member in ("member-1", "member-2"):
        assert any(f"/{member}/member/" in name and name.endswith(".tf_model.index") for name in names)


def run_probe(probe: Path, code: str, *args: str) -> dict:
    """Run ``code`` as the script ``probe`` in Rasa's environment; the JSON its last line prints."""
    probe.write_text(textwrap.dedent(code))
    out = subprocess.run(
        [str(rasa_env.python(rasa_env.ensure())), str(probe), *args],
        check=True, cwd=training.ROOT, env=training.rasa_environ(), capture_output=True, text=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def found(tiny_model: Path) -> dict:
    """What PROBE prints for the tiny model."""
    return run_probe(tiny_model.parent / "probe.py", PROBE, str(tiny_model))


def test_an_answer_is_the_mean_of_the_members(found: dict) -> None:
    assert found["members"] == 2
    first, second, third = found["scores"]  # the served model's, then each other member's
    assert first != second and second != third  # three differently seeded models
    labels = {int(k): v for k, v in found["labels"].items()}
    mean = {labels[i]: (a + b + c) / 3 for i, (a, b, c) in enumerate(zip(first, second, third))}
    assert found["ranking"], "no intent ranking"
    for entry in found["ranking"]:
        assert entry["confidence"] == pytest.approx(mean[entry["name"]], abs=1e-6)
    assert found["ranking"][0]["name"] == max(mean, key=mean.__getitem__)


def test_a_loaded_model_answers_as_rasas_own_load_but_has_no_optimizer(found: dict) -> None:
    assert found["stock"] == pytest.approx(found["scores"][0], abs=1e-6)
    assert found["optimizers"] == [False, True]  # ours has none; Rasa's own load makes one
