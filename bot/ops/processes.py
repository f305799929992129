"""Start and stop the Rasa server and our action server as child processes, on 127.0.0.1.

Each waits until healthy before ``start`` returns; ports 0 pick free ones. The files Rasa needs
(endpoints.yml, credentials.yml) are written into a temporary directory for the run.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import httpx
import yaml

from bot.ops import rasa_env
from bot.ops.training import ROOT, rasa_environ

TRACKER_EXPIRY_SECONDS = 7 * 24 * 3600


class StartError(Exception):
    """A server did not come up; the message ends with the tail of its log."""


def free_port() -> int:
    """A port nobody listens on right now (bind port 0 and ask)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def endpoints(action_url: str, redis_url: str | None) -> dict:
    """endpoints.yml: the action server, and with Redis a shared lock and tracker store."""
    doc: dict = {"action_endpoint": {"url": f"{action_url}/webhook"}}
    if redis_url:
        parsed = urlparse(redis_url)
        common = {
            "url": parsed.hostname or "127.0.0.1",
            "port": parsed.port or 6379,
            "db": int((parsed.path or "/0").strip("/") or 0),
            "use_ssl": parsed.scheme == "rediss",
        }
        if parsed.password:
            common["password"] = parsed.password
        doc["tracker_store"] = {
            "type": "redis",
            "key_prefix": "kaarigar",  # Rasa keeps only alphanumeric prefixes: "kaarigar:tracker:"
            "record_exp": TRACKER_EXPIRY_SECONDS,
            **common,
        }
        doc["lock_store"] = {"type": "redis", "key_prefix": "kaarigar", **common}
    return doc


@dataclass
class Server:
    """One child process with its log file and the URL it serves."""

    name: str
    url: str
    process: subprocess.Popen
    log: Path

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM the process group, then SIGKILL after ``timeout`` seconds."""
        if self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(5)
        except ProcessLookupError:
            pass


def _spawn(name: str, cmd: list[str], env: dict[str, str], workdir: Path, url: str) -> Server:
    log = workdir / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    return Server(name, url, process, log)


def _wait(server: Server, check, timeout: float) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=5.0) as client:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                raise StartError(
                    f"{server.name} exited ({server.process.returncode}):\n{server.tail()}"
                )
            try:
                if check(client):
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
    server.stop()
    raise StartError(f"{server.name} not healthy after {timeout:.0f} s:\n{server.tail()}")


def start_action_server(
    port: int,
    database_url: str,
    workdir: Path,
    timeout: float = 60,
    extra_env: dict[str, str] | None = None,
) -> Server:
    """``python -m rasa_sdk --actions actions`` in our environment, bound to 127.0.0.1."""
    port = port or free_port()
    env = dict(os.environ, **(extra_env or {}), SANIC_HOST="127.0.0.1", DATABASE_URL=database_url)
    cmd = [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "-p", str(port)]
    server = _spawn("actions", cmd, env, workdir, f"http://127.0.0.1:{port}")
    _wait(server, lambda c: c.get(f"{server.url}/health").status_code == 200, timeout)
    return server


def start_rasa(
    model: Path,
    port: int,
    action_url: str,
    redis_url: str | None,
    workdir: Path,
    timeout: float = 300,  # a model loads in ~30 s on an idle 2-core machine, minutes on a busy one
) -> Server:
    """``rasa run --enable-api`` on 127.0.0.1 with the REST channel; healthy once it parses."""
    port = port or free_port()
    endpoints_file, credentials_file = workdir / "endpoints.yml", workdir / "credentials.yml"
    endpoints_file.write_text(yaml.safe_dump(endpoints(action_url, redis_url)))
    credentials_file.write_text(yaml.safe_dump({"rest": None}))
    cmd = [
        *rasa_env.rasa_command(rasa_env.ensure()),
        "run", "--enable-api", "-i", "127.0.0.1", "-p", str(port), "-m", str(model),
        "--endpoints", str(endpoints_file), "--credentials", str(credentials_file),
    ]  # fmt: skip
    server = _spawn("rasa", cmd, rasa_environ(), workdir, f"http://127.0.0.1:{port}")

    def healthy(client: httpx.Client) -> bool:
        if client.get(f"{server.url}/").status_code != 200:
            return False
        parsed = client.post(f"{server.url}/model/parse", json={"text": "hello"})
        return parsed.status_code == 200 and "intent" in parsed.json()

    _wait(server, healthy, timeout)
    return server


@dataclass
class RasaStack:
    """Rasa and the action server together; a context manager that always stops both."""

    model: Path
    database_url: str
    redis_url: str | None = None
    rasa_port: int = 0
    action_port: int = 0
    workdir: Path | None = None
    action_env: dict[str, str] = field(default_factory=dict)  # settings only the actions see
    servers: list[Server] = field(default_factory=list)

    @property
    def rasa_url(self) -> str:
        return self.servers[1].url

    @property
    def action_url(self) -> str:
        return self.servers[0].url

    def start(self) -> RasaStack:
        self.workdir = self.workdir or Path(tempfile.mkdtemp(prefix="kaarigar-rasa-"))
        try:
            actions = start_action_server(
                self.action_port, self.database_url, self.workdir, extra_env=self.action_env
            )
            self.servers.append(actions)
            rasa = start_rasa(self.model, self.rasa_port, actions.url, self.redis_url, self.workdir)
            self.servers.append(rasa)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        for server in reversed(self.servers):
            server.stop()

    def __enter__(self) -> RasaStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
