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
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import httpx
import yaml

from bot.ops import rasa_env
from bot.ops.training import ROOT, rasa_environ

TRACKER_EXPIRY_SECONDS = 7 * 24 * 3600
POLL_SECONDS = 0.1  # health polling: a refused connection costs nothing, a late one 0.5 s


class StartError(Exception):
    """A server did not come up; the message ends with the tail of its log."""


def free_port() -> int:
    """A port nobody listens on right now (bind port 0 and ask)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def local_url(host: str, port: int) -> str:
    """The URL to reach a server bound to ``host`` from this machine."""
    return f"http://{'127.0.0.1' if host in ('0.0.0.0', '::', '') else host}:{port}"


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


# Run first in the child, then replaced by the real command (exec keeps the setting): on Linux
# the kernel sends the child SIGTERM when the thread that started it ends (its process killed,
# even by SIGKILL). prctl(PR_SET_PDEATHSIG = 1); a parent already gone is checked after it.
_DIE_WITH_PARENT = (
    "import ctypes, os, signal, sys\n"
    "ctypes.CDLL(None).prctl(1, signal.SIGTERM)\n"
    "if os.getppid() != int(sys.argv[1]):\n"
    "    os._exit(1)\n"
    "os.execvp(sys.argv[2], sys.argv[2:])\n"
)


def dying_with_parent(cmd: list[str]) -> list[str]:
    """``cmd`` run so that it gets SIGTERM when this process dies (Linux; elsewhere ``cmd`` as
    it is). A server started in its own session (``start_new_session``, so that stopping it
    stops its whole group) is otherwise left running when its parent is killed: a pytest
    stopped with SIGTERM or SIGKILL would leave its Rasa and action servers behind. The signal
    follows the *thread* that starts the child: start it from a thread that lives as long as
    the server (the main thread, or asyncio's executor threads, which end with the loop)."""
    if not sys.platform.startswith("linux"):
        return cmd
    return [sys.executable, "-I", "-c", _DIE_WITH_PARENT, str(os.getpid()), *cmd]


def _spawn(name: str, cmd: list[str], env: dict[str, str], workdir: Path, url: str) -> Server:
    log = workdir / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            dying_with_parent(cmd), cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
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
            time.sleep(POLL_SECONDS)
    server.stop()
    raise StartError(f"{server.name} not healthy after {timeout:.0f} s:\n{server.tail()}")


def spawn_action_server(
    port: int,
    database_url: str,
    workdir: Path,
    extra_env: dict[str, str] | None = None,
    host: str = "127.0.0.1",
) -> Server:
    """The action server (``python -m actions.server``, rasa_sdk's app in one process) in our
    environment, bound to ``host``; not waited for (``wait_actions``)."""
    port = port or free_port()
    env = dict(os.environ, **(extra_env or {}), DATABASE_URL=database_url)
    cmd = [sys.executable, "-m", "actions.server", "-p", str(port), "-i", host]
    return _spawn("actions", cmd, env, workdir, local_url(host, port))


def wait_actions(server: Server, timeout: float = 60) -> Server:
    _wait(server, lambda c: c.get(f"{server.url}/health").status_code == 200, timeout)
    return server


def start_action_server(
    port: int,
    database_url: str,
    workdir: Path,
    timeout: float = 60,
    extra_env: dict[str, str] | None = None,
    host: str = "127.0.0.1",
) -> Server:
    """The action server, healthy."""
    return wait_actions(spawn_action_server(port, database_url, workdir, extra_env, host), timeout)


def spawn_rasa(
    model: Path,
    port: int,
    action_url: str,
    redis_url: str | None,
    workdir: Path,
    host: str = "127.0.0.1",
) -> Server:
    """``rasa run --enable-api`` on ``host`` with the REST channel; not waited for
    (``wait_rasa``). Rasa calls the action server only during a turn, so both may start at once."""
    port = port or free_port()
    endpoints_file, credentials_file = workdir / "endpoints.yml", workdir / "credentials.yml"
    endpoints_file.write_text(yaml.safe_dump(endpoints(action_url, redis_url)))
    credentials_file.write_text(yaml.safe_dump({"rest": None}))
    cmd = [
        *rasa_env.rasa_command(rasa_env.ensure()),
        "run", "--enable-api", "-i", host, "-p", str(port), "-m", str(model),
        "--endpoints", str(endpoints_file), "--credentials", str(credentials_file),
    ]  # fmt: skip
    return _spawn("rasa", cmd, rasa_environ(), workdir, local_url(host, port))


def wait_rasa(
    server: Server,
    timeout: float = 300,  # a model loads in ~30 s on an idle 2-core machine, minutes on a busy one
) -> Server:
    """Healthy once the model parses a message."""

    def healthy(client: httpx.Client) -> bool:
        if client.get(f"{server.url}/").status_code != 200:
            return False
        parsed = client.post(f"{server.url}/model/parse", json={"text": "hello"})
        return parsed.status_code == 200 and "intent" in parsed.json()

    _wait(server, healthy, timeout)
    return server


def start_rasa(
    model: Path,
    port: int,
    action_url: str,
    redis_url: str | None,
    workdir: Path,
    timeout: float = 300,
    host: str = "127.0.0.1",
) -> Server:
    """A Rasa server, healthy."""
    return wait_rasa(spawn_rasa(model, port, action_url, redis_url, workdir, host), timeout)


@dataclass
class RasaStack:
    """Rasa and/or the action server; a context manager that always stops what it started.

    Both start at once (Rasa needs the action server only during a turn). Without the action
    server (``parts={"rasa"}``) Rasa calls the one at ``action_url``.
    """

    model: Path | None
    database_url: str
    redis_url: str | None = None
    rasa_port: int = 0
    action_port: int = 0
    workdir: Path | None = None
    action_env: dict[str, str] = field(default_factory=dict)  # settings only the actions see
    servers: list[Server] = field(default_factory=list)
    on_healthy: Callable[[Server], None] | None = None  # called (in start's thread) as each is up
    parts: frozenset[str] = frozenset({"actions", "rasa"})
    host: str = "127.0.0.1"
    action_url_given: str | None = None  # the peer action server when not started here

    def _server(self, name: str) -> Server:
        return next(s for s in self.servers if s.name == name)

    @property
    def rasa_url(self) -> str:
        return self._server("rasa").url

    @property
    def action_url(self) -> str:
        """The action server started here (its port is chosen before either is spawned), or the
        peer at ``action_url_given``."""
        if "actions" not in self.parts:
            assert self.action_url_given is not None
            return self.action_url_given
        if not self.action_port:
            self.action_port = free_port()
        return local_url(self.host, self.action_port)

    def start(self) -> RasaStack:
        """Spawn, then wait until each is healthy."""
        self.spawn()
        return self.wait()

    def spawn(self, names: Collection[str] | None = None) -> RasaStack:
        """Start the processes (of ``parts``, or those of ``names`` among them) not started yet,
        without waiting for them: Rasa first, since loading its model is the longest part of any
        start; it calls the action server only during a turn, so both may start at once."""
        wanted = self.parts if names is None else self.parts & set(names)
        started = {s.name for s in self.servers}
        self.workdir = self.workdir or Path(tempfile.mkdtemp(prefix="kaarigar-rasa-"))
        try:
            if "rasa" in wanted - started:
                assert self.model is not None
                self.servers.append(
                    spawn_rasa(
                        self.model,
                        self.rasa_port,
                        self.action_url,
                        self.redis_url,
                        self.workdir,
                        self.host,
                    )  # fmt: skip
                )
            if "actions" in wanted - started:
                self.action_url  # noqa: B018 - picks the port if none was given
                self.servers.append(
                    spawn_action_server(
                        self.action_port,
                        self.database_url,
                        self.workdir,
                        self.action_env,
                        self.host,
                    )  # fmt: skip
                )
        except BaseException:
            self.stop()
            raise
        return self

    def wait(self) -> RasaStack:
        """Until every spawned server is healthy: the action server first, it is up in seconds."""
        try:
            for server in sorted(self.servers, key=lambda s: s.name != "actions"):
                (wait_actions if server.name == "actions" else wait_rasa)(server)
                if self.on_healthy is not None:
                    self.on_healthy(server)
        except BaseException:
            self.stop()
            raise
        return self

    def exited(self) -> Server | None:
        """A server that has stopped on its own, if any."""
        return next((s for s in self.servers if s.process.poll() is not None), None)

    def stop(self) -> None:
        for server in reversed(self.servers):
            server.stop()

    def __enter__(self) -> RasaStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
