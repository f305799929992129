"""``python -m nlu.rasa_main``: Rasa's own command line, with changes that keep its behaviour.

Rasa checks every action server answer with ``jsonschema.validate(result, schema)``, which first
checks the schema itself against JSON Schema's meta-schema, on every call: 5.7 % of the Rasa
server's CPU at 8 concurrent buyers (py-spy, 2026-11-30), more than validating the answer (1.6 %).
Here the answer is validated by a validator built once for that schema, with the same error.

Once the model is loaded, everything loaded so far (Rasa, TensorFlow, the model: ~490 000 objects)
is moved out of the garbage collector's reach with ``gc.freeze()``. Otherwise a full collection
walks all of it every couple of thousand turns, and while it runs no turn is answered: one such
pause took 939 ms (8 concurrent buyers, load ~10), 15 ms with the freeze. Collections of new
objects are as before.

For ``rasa run`` (the server) two things only shorten the start:

- the garbage collector is off while Rasa and TensorFlow are imported: the heap grows from
  nothing to most of what is frozen after the load, and each automatic full collection would
  walk all of it again. What the imports built is frozen when the model starts loading, and the
  collector is on again for the load (TensorFlow's tracing leaves much garbage: with the
  collector off until the model was loaded, the one collection after it took 10.7 s and Rasa's
  peak memory rose 55 MB, in one run at load ~6);
- ``rasa.utils.plotting`` (matplotlib) is imported when first used, not at start: the server
  imports it only through ``rasa.nlu.test`` for ``rasa test``'s charts.

DIET's prediction step is traced by TensorFlow without AutoGraph (``tf.function(...,
autograph=False)``; Rasa's own call passes the default, ``True``). AutoGraph rewrites Python
control flow that depends on tensors into graph ops, and for that first converts the Python source
of every function and Keras layer the step calls: 28 % of the server's whole start in a py-spy
profile. DIET's step has no such control flow (its branches test configuration and Python values;
what depends on tensors is written as TensorFlow ops), so the graph computes the same: the same
intent, confidence and entities on all 811 examples of tests/nlu/dev.yml and test.yml, two servers
on the same model, one with this change (2026-11-30). Were the step to gain an ``if`` or ``while`` on a
tensor, tracing would fail at load (a tensor used as a Python bool), not compute something else.

The server logs where its start went (``start: ...``): process start to the first line of this
module, imports, loading the model and the collection before the freeze.

Runs in the Rasa environment (Python 3.10); our own code never imports it.
"""

from __future__ import annotations

import functools
import gc
import importlib.util
import logging
import os
import sys
import time
import types
from typing import Any

log = logging.getLogger(__name__)
_STARTED = time.monotonic()
LAZY = ("rasa.utils.plotting",)  # imported by the server, used only by `rasa test`


def process_age() -> float | None:
    """Seconds since this process started (the interpreter's own start included); Linux."""
    try:
        with open("/proc/self/stat") as fh:
            start_ticks = int(fh.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime") as fh:
            uptime = float(fh.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return uptime - start_ticks / os.sysconf("SC_CLK_TCK")


class Timings:
    """When the server's start-up steps ended, in seconds since this module was imported."""

    def __init__(self) -> None:
        age = process_age()
        self.before = (age - (time.monotonic() - _STARTED)) if age is not None else None
        self.marks: dict[str, float] = {}

    def mark(self, name: str) -> None:
        self.marks[name] = time.monotonic() - _STARTED

    def text(self) -> str:
        parts = [] if self.before is None else [f"interpreter {self.before:.1f} s"]
        last = 0.0
        for name, at in self.marks.items():
            parts.append(f"{name} {at - last:.1f} s")
            last = at
        total = last + (self.before or 0.0)
        return f"start: {', '.join(parts)}; {total:.1f} s since the process started"


TIMINGS = Timings()


class _Deferred(types.ModuleType):
    """Stands in for a module until one of its names is used, then imports it and takes on its
    names. (``importlib.util.LazyLoader`` does not do here: ``import a.b as c`` of a module
    already in ``sys.modules`` reads its ``__spec__``, which loads it.)"""

    def __getattr__(self, attribute: str) -> Any:
        if sys.modules.get(self.__name__) is self:
            del sys.modules[self.__name__]
        real = importlib.import_module(self.__name__)  # puts itself in sys.modules and parent
        self.__dict__.update(real.__dict__)
        return getattr(real, attribute)


def lazy(name: str) -> None:
    """Make ``import name`` cheap: the module is imported when one of its names is first used."""
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None:
        return
    stand_in = _Deferred(name)
    stand_in.__spec__ = spec
    sys.modules[name] = stand_in
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, stand_in)


@functools.cache
def _validator() -> Any:
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    spec = RemoteAction.action_response_format_spec()
    cls = validator_for(spec)
    cls.check_schema(spec)  # once, as jsonschema.validate does on every call
    return cls(spec)


def _validate_action_result(self: Any, result: dict[str, Any]) -> bool:
    from jsonschema import ValidationError
    from rasa.shared.constants import DOCS_BASE_URL

    try:
        _validator().validate(result)
        return True
    except ValidationError as e:  # worded as Rasa's own
        e.message += (
            ". Failed to validate Action server response from API, "
            "make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit {DOCS_BASE_URL}/custom-actions"
        )
        raise e


def _freeze_after(load: Any) -> Any:
    @functools.wraps(load)
    async def load_then_freeze(*args: Any, **kwargs: Any) -> Any:
        TIMINGS.mark("imports and server set-up")
        if not gc.isenabled():  # off for the imports (``main``): freeze what they built, so
            gc.freeze()  # the collections while the model loads do not walk it again
            gc.enable()
        agent = await load(*args, **kwargs)
        TIMINGS.mark("model load")
        gc.collect()
        gc.freeze()
        TIMINGS.mark("collection and freeze")
        log.info(
            "model loaded; %d objects frozen out of the garbage collector", gc.get_freeze_count()
        )
        log.info(TIMINGS.text())
        return agent

    return load_then_freeze


def _traced_without_autograph(rasa_predict: Any) -> Any:
    """``RasaModel._rasa_predict`` whose first graph-mode call traces the prediction step with
    ``autograph=False``; Rasa's own code then finds the function made and runs it as before."""

    @functools.wraps(rasa_predict)
    def predict(self: Any, batch_in: Any) -> Any:
        if self._tf_predict_step is None and not self._run_eagerly:
            import tensorflow as tf

            self._tf_predict_step = tf.function(  # Rasa's call, with autograph=False
                self.predict_step,
                input_signature=self._dynamic_signature(batch_in),
                autograph=False,
            )
            log.info("%s's prediction step is traced without AutoGraph", type(self).__name__)
        return rasa_predict(self, batch_in)

    predict.autograph = False  # type: ignore[attr-defined]  # marks the patch (tests)
    return predict


def patch_prediction_tracing() -> None:
    from rasa.nlu.classifiers.diet_classifier import DIET

    if not getattr(DIET._rasa_predict, "autograph", True):
        return  # patched already
    DIET._rasa_predict = _traced_without_autograph(DIET._rasa_predict)  # type: ignore[method-assign]


def patch() -> None:
    import rasa.core.run
    from rasa.core.actions.action import RemoteAction

    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
    rasa.core.run.load_agent_on_start = _freeze_after(rasa.core.run.load_agent_on_start)
    patch_prediction_tracing()


def main() -> None:
    if sys.argv[1:2] == ["run"]:  # the server: no collections while importing
        gc.disable()
        for name in LAZY:
            lazy(name)
    patch()
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
