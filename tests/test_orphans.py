"""A server started by ``bot.ops.processes`` (its own session, so that stopping it stops its
group) dies with the process that started it: a pytest or ``kaarigar run`` killed with SIGTERM
or SIGKILL leaves no Rasa or action server behind (Linux)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.ops import training

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux's")

# A parent (as pytest is) that starts a server the way the session's fixtures do, prints its
# pid, and waits.
PARENT = r"""
import os, sys, time
from pathlib import Path
from bot.ops import processes
server = processes._spawn("sleeper", [sys.executable, "-c", "import time; time.sleep(300)"],
                          dict(os.environ), Path(sys.argv[1]), "http://127.0.0.1:1")
print(server.process.pid, flush=True)
time.sleep(300)
"""


def running(pid: int) -> bool:
    """Alive and not a zombie (a dead child whose new parent has not reaped it yet)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    state = next((line.split()[1] for line in status.splitlines() if line.startswith("State:")), "")
    return state not in ("Z", "X")


def execd(pid: int) -> bool:
    """The guard has become the real command (its arguments are read empty during the exec)."""
    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    return b"time.sleep(300)" in cmdline and b"prctl" not in cmdline


def start_parent(workdir: Path) -> tuple[subprocess.Popen[str], int]:
    env = dict(os.environ, PYTHONPATH=str(training.ROOT))
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, str(workdir)], cwd=training.ROOT, env=env,
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    return parent, child


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_the_server_dies_with_its_parent(tmp_path: Path, sig: signal.Signals) -> None:
    parent, child = start_parent(tmp_path)
    try:
        assert running(child)
        assert os.getpgid(child) == child  # its own group: the parent's SIGTERM does not reach it
        deadline = time.monotonic() + 15
        while not execd(child):  # the guard execs the real command in the same process
            assert time.monotonic() < deadline, "the guard did not exec the command"
            time.sleep(0.05)
        parent.send_signal(sig)
        parent.wait(10)
        deadline = time.monotonic() + 10
        while running(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not running(child), "the server outlived its parent"
    finally:
        parent.kill()
        if running(child):
            os.kill(child, signal.SIGKILL)


def test_the_server_lives_while_its_parent_does(tmp_path: Path) -> None:
    parent, child = start_parent(tmp_path)
    try:
        time.sleep(1.0)
        assert running(child)
    finally:
        parent.terminate()
        parent.wait(10)
