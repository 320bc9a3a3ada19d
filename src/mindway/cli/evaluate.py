"""``mindway eval ...``: reproducible evaluations that print JSON figures.

``mindway eval btheb [--json]`` validates reliable change, the treatment-effect model and the
not-on-track signal on the Beat the Blues trial. A bad option or command exits with status 2
and one line on stderr.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from typer._click.core import Context
from typer._click.exceptions import NoArgsIsHelpError, UsageError
from typer.core import TyperGroup

# typer 0.29 vendors click: its usage errors are these classes, not the ``click`` package's.


@contextmanager
def _one_line_usage_errors() -> Iterator[None]:
    from mindway.cli.main import fail

    try:
        yield
    except NoArgsIsHelpError:
        raise
    except UsageError as exc:
        where = f" ({exc.ctx.command_path})" if exc.ctx else ""
        raise fail(f"{exc.format_message()}{where}", code=2) from exc


class _OneLineUsageGroup(TyperGroup):
    """Usage errors under ``mindway eval`` become one line and exit status 2."""

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        with _one_line_usage_errors():
            return super().parse_args(ctx, args)

    def invoke(self, ctx: Context) -> Any:
        with _one_line_usage_errors():
            return super().invoke(ctx)


eval_app = typer.Typer(
    help="Reproducible evaluations on public data; JSON figures with --json.",
    no_args_is_help=True,
    cls=_OneLineUsageGroup,
)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the ``mindway`` app."""
    app.add_typer(eval_app, name="eval")


@eval_app.command("btheb")
def btheb(
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """Beat the Blues trial (HSAUR/BtheB): reliable change and response by arm, the
    mixed-model treatment effect and how early the not-on-track signal flags non-improvers."""
    from mindway.cli.main import print_json, reported
    from mindway.clinical.evaluation.btheb import evaluate_btheb

    with reported():
        figures = evaluate_btheb()
    if as_json:
        print_json(figures)
        return
    for line in _btheb_lines(figures):
        typer.echo(line)


def _percent(share: dict[str, Any]) -> str:
    return f"{share['count']} ({100 * share['rate']:.1f}%)"


def _btheb_lines(figures: dict[str, Any]) -> Sequence[str]:
    change, data = figures["reliable_change"], figures["dataset"]
    lines = [
        f"Beat the Blues: {data['patients']} patients ({data['source']})",
        f"Reliable change: {change['rule']} "
        f"(SD {change['baseline_sd']}, r = {change['reliability']})",
    ]
    for name, arm in figures["arms"].items():
        lines.append(
            f"  {name:6} n={arm['n']}, followed up {arm['with_follow_up']}, "
            f"completed 8 months {arm['completers_8_months']}: "
            f"improved {_percent(arm['reliable_improvement'])}, "
            f"deteriorated {_percent(arm['reliable_deterioration'])}, "
            f"responded {_percent(arm['response'])}"
        )
    model = figures["mixed_model"]
    effect = model["treatment_effect"]
    low, high = effect["ci95"]
    lines.append(
        f"Mixed model ({model['observations']} observations, {model['subjects']} patients): "
        f"Beat the Blues vs usual care {effect['coef']:+.2f} BDI-II points "
        f"(SE {effect['se']:.2f}, 95% CI {low:.2f} to {high:.2f}, p = {effect['p']:.3f})"
    )
    signal = figures["not_on_track"]["bdi_bands_as_fitted_on_tau"]
    methods = ", ".join(f"{b['band']} {b['method']}" for b in signal["bands"])
    accuracy = signal["all_arms"]["red_or_yellow_at_2_months"]
    lines.append(
        f"Not on track at 2 months ({methods}): red or yellow flags "
        f"{accuracy['true_positive']} of {accuracy['true_positive'] + accuracy['false_negative']} "
        f"who end without reliable improvement (sensitivity {accuracy['sensitivity']:.2f}, "
        f"specificity {accuracy['specificity']:.2f})"
    )
    return lines
