"""``mindway therapy ...``: this part's commands (and its ``mindway eval`` entries).

``mindway eval jitai [--json] [--seed S] [--users N] [--days D]`` compares the adaptive JITAI
policy with a fixed schedule, random prompting and never prompting on the documented
simulated population of ``mindway.therapy.jitai.simulation``. With ``--json`` it prints one
object: for each policy its mean proximal outcome and prompts per person-day.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from mindway.cli.evaluate import eval_app


def register(app: typer.Typer) -> None:
    """Add this module's commands to the ``mindway`` app."""


@eval_app.command("jitai")
def jitai(
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
    seed: Annotated[int, typer.Option(min=0, help="Random seed (same seed, same figures).")] = 0,
    users: Annotated[int, typer.Option(min=1, max=10_000, help="Simulated people.")] = 100,
    days: Annotated[int, typer.Option(min=1, max=365, help="Days each person is followed.")] = 60,
) -> None:
    """Just-in-time prompts on a simulated population: adaptive (Thompson sampling) against
    a fixed schedule, random prompting and never prompting."""
    from mindway.cli.main import print_json

    figures = _simulated(seed, users, days)
    if as_json:
        print_json(figures)
        return
    typer.echo(f"JITAI simulation: {users} people x {days} days, seed {seed}")
    typer.echo(f"{'policy':16} {'mean proximal outcome':>22} {'prompts per day':>16}")
    for name, row in figures.items():
        typer.echo(
            f"{name:16} {row['mean_proximal_outcome']:>+22.4f} {row['prompts_per_day']:>16.2f}"
        )
    typer.echo("proximal outcome: mood change (0-10 scale) in the hour after a decision point")


def _simulated(seed: int, users: int, days: int) -> dict[str, dict[str, float]]:
    """The evaluation, with a progress bar on stderr when it is a terminal."""
    from rich.console import Console
    from rich.progress import Progress

    from mindway.therapy.jitai.simulation import evaluate_jitai, evaluation_steps

    if not sys.stderr.isatty():
        return evaluate_jitai(seed=seed, users=users, days=days)
    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("simulating people", total=evaluation_steps(users))
        return evaluate_jitai(
            seed=seed, users=users, days=days, progress=lambda n: bar.advance(task, n)
        )
