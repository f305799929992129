"""Weight averaging for DIET (nlu/components/weight_average.py), in Rasa's environment.

A small Keras model is fitted for four epochs with ``average_last_epochs(model, 4, 2)``; a callback
records the weights at the end of every epoch: when ``fit`` returns, the model's weights must be the
mean of the last two epochs' (and not the last epoch's own). Then the DIET component trains a tiny
model with ``average_last_epochs`` through `rasa train nlu` and says so in its log.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from bot.ops import rasa_env, training
from tests.test_nlu_ensemble import CONFIG as ENSEMBLE_CONFIG
from tests.test_nlu_ensemble import NLU, run_probe

pytestmark = pytest.mark.rasa

PROBE = """\
import json
import numpy as np
import tensorflow as tf
from nlu.components.weight_average import average_last_epochs

tf.random.set_seed(1)
model = tf.keras.Sequential([tf.keras.Input(shape=(3,)), tf.keras.layers.Dense(2)])
model.compile(optimizer=tf.keras.optimizers.Adam(0.1), loss="mse")
seen = []
record = tf.keras.callbacks.LambdaCallback(
    on_epoch_end=lambda epoch, logs: seen.append([w.numpy() for w in model.trainable_weights]))
average_last_epochs(model, 4, 2)
x = np.random.default_rng(0).normal(size=(32, 3)).astype("float32")
model.fit(x, x[:, :2] * 2.0, epochs=4, batch_size=8, verbose=0, callbacks=[record])
final = [w.numpy() for w in model.trainable_weights]
mean = [(a + b) / 2 for a, b in zip(seen[2], seen[3])]
print(json.dumps({
    "epochs": len(seen),
    "is_mean": all(np.allclose(f, m, atol=1e-6) for f, m in zip(final, mean)),
    "is_last": all(np.allclose(f, l, atol=1e-6) for f, l in zip(final, seen[3])),
}))
"""

# the ensemble test's tiny model, one run, its weights averaged over its last two epochs
CONFIG = ENSEMBLE_CONFIG.replace("member_seeds: [7, 13]", "average_last_epochs: 2")


def test_fit_ends_with_the_mean_of_the_last_epochs(tmp_path: Path) -> None:
    found = run_probe(tmp_path / "probe.py", PROBE)
    assert found == {"epochs": 4, "is_mean": True, "is_last": False}


def test_diet_trains_with_averaged_weights(tmp_path: Path) -> None:
    (tmp_path / "config.yml").write_text(CONFIG)
    (tmp_path / "nlu.yml").write_text(NLU)
    out = subprocess.run(
        [*rasa_env.rasa_command(rasa_env.ensure()), "train", "nlu", "--config", "config.yml",
         "--nlu", "nlu.yml", "--out", ".", "--fixed-model-name", "tiny"],
        check=True, cwd=tmp_path, env=training.rasa_environ(), capture_output=True, text=True,
    )  # fmt: skip
    log = out.stdout + out.stderr
    assert "DIET's weights: the mean of its last 2 epochs" in log
    assert log.count("DIET's weights") == 1  # one run: no members
    assert (tmp_path / "tiny.tar.gz").exists()
