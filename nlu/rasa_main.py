"""``python -m nlu.rasa_main``: Rasa's own command line, with one change that keeps its behaviour.

Rasa checks every action server answer with ``jsonschema.validate(result, schema)``, which first
checks the schema itself against JSON Schema's meta-schema, on every call: 5.7 % of the Rasa
server's CPU at 8 concurrent buyers (py-spy, 2026-11-30), more than validating the answer (1.6 %).
Here the answer is validated by a validator built once for that schema, with the same error.
Runs in the Rasa environment (Python 3.10); our own code never imports it.
"""

from __future__ import annotations

import functools
from typing import Any


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


def patch() -> None:
    from rasa.core.actions.action import RemoteAction

    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]


def main() -> None:
    patch()
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
