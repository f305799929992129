"""The action server in one process: ``python -m actions.server -p 5055 [-i HOST]``.

``python -m rasa_sdk`` runs Sanic's process manager: a parent, one worker that imports the actions
again, and multiprocessing's resource tracker, ~200 MB in all. Sanic's ``single_process`` mode
serves the same app (rasa_sdk's own, with its /health and /webhook) from one process, ~90 MB,
and starts in one import. A deployment that wants more action capacity runs more of these
behind Rasa's action endpoint URL.

Once the actions are imported, what is loaded (rasa_sdk, Sanic, SQLAlchemy, the catalog: ~100 000
objects) is frozen out of the garbage collector's reach (``gc.freeze()``), so a full collection
walks only what turns leave behind.
"""

from __future__ import annotations

import argparse
import gc
import logging
from typing import Any

from rasa_sdk.endpoint import create_app_for_serve
from rasa_sdk.executor import ActionExecutor, CollectingDispatcher

from actions.greeting import greeting_due


class Executor(ActionExecutor):
    """rasa_sdk's executor; an answer to a greeting with a request opens with a short greeting
    (actions/greeting.py)."""

    async def run(  # type: ignore[override]
        self, action_call: dict[str, Any], sink: Any = None, dispatcher: Any = None
    ) -> Any:
        hello = greeting_due(action_call) if dispatcher is None else None
        if hello is not None:
            dispatcher = CollectingDispatcher()
            dispatcher.utter_message(text=hello)
        return await super().run(action_call, sink=sink, dispatcher=dispatcher)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m actions.server")
    parser.add_argument("-p", "--port", type=int, default=5055)
    parser.add_argument("-i", "--interface", default="127.0.0.1")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    executor = Executor()
    executor.register_package("actions")
    app = create_app_for_serve(executor, endpoints="")
    gc.collect()
    gc.freeze()
    app.run(host=args.interface, port=args.port, single_process=True, access_log=False, motd=False)


if __name__ == "__main__":
    main()
