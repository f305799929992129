"""The action server in one process: ``python -m actions.server -p 5055 [-i HOST]``.

``python -m rasa_sdk`` runs Sanic's process manager: a parent, one worker that imports the actions
again, and multiprocessing's resource tracker, ~200 MB in all. Sanic's ``single_process`` mode
serves the same app (rasa_sdk's own, with its /health and /webhook) from one process, ~90 MB,
and starts in one import. A deployment that wants more action capacity runs more of these
behind Rasa's action endpoint URL.
"""

from __future__ import annotations

import argparse
import logging

from rasa_sdk.endpoint import create_app_for_serve
from rasa_sdk.executor import ActionExecutor


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m actions.server")
    parser.add_argument("-p", "--port", type=int, default=5055)
    parser.add_argument("-i", "--interface", default="127.0.0.1")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    executor = ActionExecutor()
    executor.register_package("actions")
    app = create_app_for_serve(executor, endpoints="")
    app.run(
        host=args.interface, port=args.port, single_process=True, access_log=False, motd=False
    )


if __name__ == "__main__":
    main()
