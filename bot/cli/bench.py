"""``kaarigar bench``: runs bench/run.py of the clone, passing every argument through."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click

# bot/cli/bench.py -> the repository's root
ROOT = Path(__file__).resolve().parents[2]


@click.command(
    "bench",
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    add_help_option=False,
)
@click.pass_context
def bench_cmd(ctx: click.Context) -> None:
    """Run the benchmark suite (bench/run.py; --help lists its options, e.g. --only catalog)."""
    script = ROOT / "bench" / "run.py"
    if not script.exists():
        raise click.ClickException(f"{script} not found: run from a clone of the repository")
    sys.exit(subprocess.call([sys.executable, str(script), *ctx.args]))
