"""``python -m nlu.rasa_main``: Rasa's own command line, with two changes that keep its behaviour.

Rasa checks every action server answer with ``jsonschema.validate(result, schema)``, which first
checks the schema itself against JSON Schema's meta-schema, on every call: 5.7 % of the Rasa
server's CPU at 8 concurrent buyers (py-spy, 2026-11-30), more than validating the answer (1.6 %).
Here the answer is validated by a validator built once for that schema, with the same error.

Once the model is loaded, everything loaded so far (Rasa, TensorFlow, the model: ~490 000 objects)
is moved out of the garbage collector's reach with ``gc.freeze()``. Otherwise a full collection
walks all of it every couple of thousand turns, and while it runs no turn is answered: one such
pause took 939 ms (8 concurrent buyers, load ~10), 15 ms with the freeze. Collections of new
objects are as before.

Runs in the Rasa environment (Python 3.10); our own code never imports it.
"""

from __future__ import annotations

import functools
import gc
import logging
from typing import Any

log = logging.getLogger(__name__)


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
        agent = await load(*args, **kwargs)
        gc.collect()
        gc.freeze()
        log.info("model loaded; %d objects frozen out of the garbage collector", gc.get_freeze_count())
        return agent

    return load_then_freeze


def patch() -> None:
    import rasa.core.run
    from rasa.core.actions.action import RemoteAction

    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
    rasa.core.run.load_agent_on_start = _freeze_after(rasa.core.run.load_agent_on_start)


def main() -> None:
    patch()
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
