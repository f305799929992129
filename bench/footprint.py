"""Footprint: peak memory of each process, and the time from `kaarigar run` to the first answer.

Peak memory is the kernel's high-water mark of resident memory (``VmHWM`` in
``/proc/<pid>/status``), read just before a process is stopped, so it covers its whole life.

``kaarigar run --no-chat`` is started as a subprocess, as a user would start it, on a seeded
SQLite database and a free port, with Telegram in long-polling mode against a fake Bot API on
loopback (``tests/fixtures_channels.py``), so nothing listens beyond 127.0.0.1. A buyer's
message is queued for ``getUpdates`` before the start; the clock runs from starting the
command to the reply reaching the fake API. A few more conversations follow so the peaks
include answering, then SIGTERM stops everything and the time to stop is measured too.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO))

PHASES = {  # what `kaarigar run` prints -> the phase it marks
    "starting Rasa and the action server": "model_found_s",  # Rasa spawned at once (issue 13)
    "starting the action server and Rasa": "model_found_s",  # before: spawned after imports
    "action server healthy": "action_server_healthy_s",
    "Rasa healthy": "rasa_healthy_s",
    "web app healthy": "web_app_healthy_s",
}
TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
FIRST_ANSWER_TARGET_S = 15.0  # issue 13: `kaarigar run` to the first answer on a trained model
PEAK_RSS_TARGET_MB = 1200.0  # issue 13: peak memory of the whole stack <= 1.2 GB


# ------------------------------------------------------------------ /proc readings
def memory_kb(pid: int) -> dict[str, int]:
    """``VmHWM`` (peak resident) and ``VmRSS`` (resident now) in kB; empty if the pid is gone."""
    out: dict[str, int] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            name, _, value = line.partition(":")
            if name in ("VmHWM", "VmRSS"):
                out[name] = int(value.split()[0])
    except (OSError, ValueError):
        pass
    return out


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time a process has used so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / TICK


def tree_cpu_seconds(pid: int) -> float | None:
    """CPU time of a process and everything below it (Sanic's worker processes included)."""
    own = cpu_seconds(pid)
    if own is None:
        return None
    return own + sum(cpu_seconds(child) or 0.0 for child in descendants(pid))


def descendants(pid: int) -> dict[int, int]:
    """Every process below ``pid`` (children in their own sessions included) -> its parent."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    found: dict[int, int] = {}
    todo = [pid]
    while todo:
        parent = todo.pop()
        for child in children.get(parent, []):
            found[child] = parent
            todo.append(child)
    return found


def _argv(pid: int) -> list[str]:
    try:
        return [a.decode(errors="replace")
                for a in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0") if a]
    except OSError:
        return []


def role(pid: int, parent_role: str | None = None) -> str:
    """What a process of the stack is, from its command line (helpers by their parent's)."""
    words = _argv(pid)
    joined = " ".join(words)
    if "rasa_sdk" in words or "actions.server" in words:
        return "action server"
    if "rasa" in words and "-m" in words:
        return "rasa server"
    if any(w.endswith("/kaarigar") for w in words) or "bot.cli" in joined:
        return "kaarigar run (web app)"
    helper = ("resource tracker" if "resource_tracker" in joined
              else "worker process" if "spawn_main" in joined or "fork" in joined
              else Path(words[0]).name if words else "?")
    return f"{parent_role}: {helper}" if parent_role else helper


def named_tree(name: str, pid: int) -> dict[str, int]:
    """``name`` for ``pid``, and its helper processes named after it."""
    out = {name: pid}
    for child, parent in descendants(pid).items():
        out[f"{role(child, name if parent == pid else '…')} [{child}]"] = child
    return out


def tree_roles(pid: int) -> dict[str, int]:
    """``pid`` and everything below it, named by role (and pid, to keep names apart)."""
    roles = {pid: role(pid)}
    below = descendants(pid)
    for child in below:  # a parent always comes before its children
        roles[child] = role(child, roles.get(below[child]))
    return {f"{name} [{p}]": p for p, name in roles.items()}


def peaks(pids: dict[str, int]) -> dict[str, dict[str, Any]]:
    """Peak and current resident memory (MB) of named processes."""
    out: dict[str, dict[str, Any]] = {}
    for name, pid in pids.items():
        kb = memory_kb(pid)
        if kb:
            out[name] = {"pid": pid, "peak_rss_mb": round(kb["VmHWM"] / 1024, 1),
                         "rss_mb": round(kb["VmRSS"] / 1024, 1)}
    return out


# ------------------------------------------------------------------ `kaarigar run`
@dataclass
class Lines:
    """The command's output, each line with the seconds since the start."""

    t0: float
    lines: list[tuple[float, str]] = field(default_factory=list)

    def follow(self, stream: Any) -> None:
        for raw in stream:
            self.lines.append((time.perf_counter() - self.t0, raw.rstrip()))

    def phases(self) -> dict[str, float]:
        found: dict[str, float] = {}
        for t, line in self.lines:
            for marker, name in PHASES.items():
                if marker in line and name not in found:
                    found[name] = round(t, 2)
        return found

    def tail(self, n: int = 15) -> str:
        return "\n".join(line for _, line in self.lines[-n:])


def kaarigar_command() -> list[str]:
    script = Path(sys.executable).with_name("kaarigar")
    if script.exists():
        return [str(script), "run", "--no-chat"]
    return [sys.executable, "-c", "from bot.cli import run; run()", "run", "--no-chat"]


def update(update_id: int, chat: int, text: str) -> dict[str, Any]:
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": int(time.time()), "text": text,
        "chat": {"id": chat, "type": "private"},
        "from": {"id": chat, "is_bot": False, "first_name": "Buyer"}}}


async def kaarigar_run(database_url: str, *, conversations: int = 6, timeout: float = 300.0,
                       log: Callable[[str], None] = print) -> dict[str, Any]:
    """Start `kaarigar run`, time the first answer, play ``conversations`` more, stop it."""
    from e2e_load import CONVERSATIONS
    from fixtures_channels import BOT_TOKEN, FakeTelegram
    from starlette.applications import Starlette
    from starlette.routing import Route

    from bot.ops.processes import free_port
    from bot.ops.serving import serve

    fake = FakeTelegram()
    arrived = asyncio.Event()

    async def endpoint(request):  # type: ignore[no-untyped-def]
        # Long polling as Telegram does it: getUpdates waits (up to its timeout) for an update.
        if request.path_params["method"] == "getUpdates" and not fake.updates:
            arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(arrived.wait(), 5.0)
        return await fake.endpoint(request)

    def push(upd: dict[str, Any]) -> None:
        fake.updates.append(upd)
        arrived.set()

    def replies(chat: int) -> int:
        return sum(1 for m, p in fake.calls if m in ("sendMessage", "sendPhoto")
                   and str(p.get("chat_id")) == str(chat))

    async def answered(chat: int, count: int, deadline: float) -> bool:
        while replies(chat) < count:
            if time.perf_counter() > deadline or proc.poll() is not None:
                return False
            await asyncio.sleep(0.01)
        return True

    fake.running = await serve(Starlette(routes=[
        Route("/bot{token}/{method}", endpoint, methods=["GET", "POST"])]))
    env = dict(os.environ, DATABASE_URL=database_url, KAARIGAR_PORT=str(free_port()),
               TELEGRAM_BOT_TOKEN=BOT_TOKEN, TELEGRAM_API_BASE_URL=fake.base_url,
               KAARIGAR_SENDER_SECRET="bench-only-sender-secret-0123456789")
    for name in ("REDIS_URL", "PUBLIC_BASE_URL", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN",
                 "TWILIO_WHATSAPP_FROM", "TELEGRAM_WEBHOOK_SECRET", "RASA_URL"):
        env.pop(name, None)
    first_chat = 5_000_001
    push(update(1, first_chat, "hello"))
    t0 = time.perf_counter()
    proc = subprocess.Popen(kaarigar_command(), cwd=REPO, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    out = Lines(t0)
    threading.Thread(target=out.follow, args=(proc.stdout,), daemon=True).start()
    result: dict[str, Any] = {"command": "kaarigar run --no-chat", "database": "seeded SQLite",
                              "front end": "Telegram long polling against a fake Bot API"}
    family: list[int] = []
    try:
        log("footprint: started `kaarigar run --no-chat`, waiting for the first answer")
        if not await answered(first_chat, 1, t0 + timeout):
            raise RuntimeError(f"no answer within {timeout:.0f} s "
                               f"(exit code {proc.poll()}):\n{out.tail()}")
        result["first_answer_s"] = round(time.perf_counter() - t0, 2)
        result["phases_s"] = out.phases()
        log(f"footprint: first answer after {result['first_answer_s']} s")
        # A few whole conversations, four at a time, so the peaks include real answering.
        chats = [first_chat + 1 + k for k in range(conversations)]
        next_id = iter(range(2, 10_000))
        t1 = time.perf_counter()
        for turn in range(max(len(c) for c in CONVERSATIONS)):
            for k, chat in enumerate(chats):
                script = CONVERSATIONS[k % len(CONVERSATIONS)]
                if turn < len(script):
                    push(update(next(next_id), chat, script[turn]))
            deadline = time.perf_counter() + 60
            for chat in chats:
                await answered(chat, turn + 1, deadline)
        result["extra_turns"] = sum(len(CONVERSATIONS[k % len(CONVERSATIONS)])
                                    for k in range(conversations))
        result["extra_turns_s"] = round(time.perf_counter() - t1, 2)
        named = tree_roles(proc.pid)
        family = list(named.values())
        result["processes"] = peaks(named)
        result["total_peak_rss_mb"] = round(
            sum(p["peak_rss_mb"] for p in result["processes"].values()), 1)
    finally:
        family = family or [proc.pid, *descendants(proc.pid)]
        t2 = time.perf_counter()
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(60)
                result["stop_s"] = round(time.perf_counter() - t2, 2)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)
                result["stop_s"] = None
        leftover = [pid for pid in family[1:] if memory_kb(pid)]
        for pid in leftover:  # never leave a Rasa behind, even if `kaarigar run` was killed
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if leftover:
            result["left_running_after_stop"] = leftover
        result["exit_code"] = proc.returncode
        await fake.running.stop()
    return result


def run(database_url: str, *, conversations: int = 6,
        log: Callable[[str], None] = print) -> dict[str, Any]:
    return asyncio.run(kaarigar_run(database_url, conversations=conversations, log=log))


def markdown(result: dict[str, Any]) -> list[str]:
    """The section of RESULTS.md: time to the first answer and peak memory per process, the
    median of the runs with their range, against issue 13's targets."""
    from machine_load import text as load_text
    from spread import met, show

    run = result["kaarigar_run"]
    out = [result["method"].replace("\n", " "), ""]
    sp = result.get("spread") or {}
    t = result.get("targets") or {"first_answer_s_max": FIRST_ANSWER_TARGET_S,
                                  "total_peak_rss_mb_max": PEAK_RSS_TARGET_MB}
    first, peak = result.get("first_answer_s"), result.get("total_peak_rss_mb")
    n = (sp.get("first_answer_s") or {}).get("n", 1)
    if first is not None:
        out += [f"- `kaarigar run` to the first answer, median of {n} cold starts: "
                f"**{show(sp.get('first_answer_s'), 2)} s** (target < "
                f"{t['first_answer_s_max']:g} s): {met(first < t['first_answer_s_max'])}."]
    if peak is not None:
        out += [f"- Peak memory of the whole `kaarigar run` stack (sum of its processes' peaks): "
                f"**{show(sp.get('total_peak_rss_mb'))} MB** (target <= "
                f"{t['total_peak_rss_mb_max']:g} MB, the issue's 1.2 GB): "
                f"{met(peak <= t['total_peak_rss_mb_max'])}."]
    if result.get("load"):
        out += [f"- Machine load over the starts: {load_text(result['load'])}."]
    out.append("")
    if run.get("first_answer_s") is not None:
        phases = ", ".join(f"{k.removesuffix('_s').replace('_', ' ')} at {v} s"
                           for k, v in (run.get("phases_s") or {}).items())
        out += [f"The median start in detail: first answer after {run['first_answer_s']} s "
                f"({phases}). Stopping everything took {run.get('stop_s', '–')} s.", ""]
    for title, procs in (("`kaarigar run` (the median start), after the first answer and "
                          f"{run.get('extra_turns', 0)} more turns", run.get("processes")),
                         ("this benchmark's stack, after the NLU and end-to-end parts",
                          result.get("bench_run"))):
        if not procs:
            continue
        out += [f"Peak resident memory, {title}:", "", "| process | peak RSS MB | RSS at the end MB |",
                "|---|---:|---:|"]
        out += [f"| {name} | {p['peak_rss_mb']} | {p['rss_mb']} |" for name, p in procs.items()]
        out.append(f"| total | {sum(p['peak_rss_mb'] for p in procs.values()):.1f} | |")
        out.append("")
    return out
