"""``mindway vr ...``: the exposure controller over JSON lines, and ``mindway eval vr``.

    mindway vr control [--state-dir DIR]
    mindway eval vr [--json] [--patients N] [--seed S]

``vr control`` reads one JSON object per line on stdin and writes exactly one JSON object
per line on stdout, flushed at once (the messages are in ``mindway.vr.protocol``). Progress
per patient is kept in memory for the life of the process, and also in DIR (one JSON file
per patient, written atomically) when ``--state-dir`` is given.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Annotated

import typer

from mindway.cli.evaluate import eval_app

vr_app = typer.Typer(
    help="Adaptive VR exposure: the controller over JSON lines.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the ``mindway`` app."""
    app.add_typer(vr_app, name="vr")


@vr_app.command("control")
def control(
    state_dir: Annotated[
        Path | None,
        typer.Option("--state-dir", help="Keep each patient's progress in this directory."),
    ] = None,
) -> None:
    """Run the exposure controller: one JSON object per line in, one reply per line out."""
    from mindway.cli.main import fail
    from mindway.vr.protocol import ControllerSession, serve_lines
    from mindway.vr.store import DirectoryProgressStore, MemoryProgressStore, ProgressStore

    store: ProgressStore = MemoryProgressStore()
    if state_dir is not None:
        try:
            store = DirectoryProgressStore(state_dir)
        except OSError as exc:
            raise fail(f"cannot use state directory {state_dir}: {exc.strerror}") from exc
    if isinstance(sys.stdin, io.TextIOWrapper):
        sys.stdin.reconfigure(errors="replace")  # undecodable bytes become a bad line, not a crash
    try:
        serve_lines(ControllerSession(store), sys.stdin, sys.stdout)
    except BrokenPipeError:
        return
    except OSError as exc:
        raise fail(f"cannot save progress: {exc.strerror}") from exc


@eval_app.command("vr")
def eval_vr(
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
    patients: Annotated[int, typer.Option(min=1, max=2000, help="Simulated patients.")] = 50,
    seed: Annotated[int, typer.Option(min=0, help="Random seed (same seed, same figures).")] = 7,
) -> None:
    """Adaptive exposure controller versus a fixed-step schedule on simulated patients."""
    from mindway.cli.main import print_json
    from mindway.vr.evaluation import evaluate_vr

    figures = evaluate_vr(patients=patients, seed=seed)
    if as_json:
        print_json(figures)
        return
    typer.echo(f"{patients} simulated patients, {figures['sessions']} sessions, seed {seed}")
    for arm in ("adaptive", "fixed_step"):
        f = figures[arm]
        typer.echo(
            f"  {arm:10} in window {100 * f['time_in_window']:.1f}%, "
            f"flooding {f['flooding_seconds_per_session']:.1f} s/session, "
            "fear at full intensity after 4 sessions "
            f"{f['fear_at_full_intensity_after_4_sessions']:.1f}, "
            f"reached full intensity {100 * f['share_reaching_full_intensity']:.0f}%"
        )
    typer.echo(f"  acceptance: {figures['acceptance']}")
