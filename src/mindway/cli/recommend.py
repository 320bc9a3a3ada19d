"""``mindway recommend ...`` (train, predict, evaluate, card) and ``mindway eval ihdp|synthetic``.

    mindway recommend train DATA.csv --treatment COL --outcome COL --model-dir DIR
        [--seed S] [--lower-is-better] [--group COL ...]
    mindway recommend predict DATA.csv --model-dir DIR     (one JSON line per row)
    mindway recommend evaluate DATA.csv --model-dir DIR    (JSON metrics)
    mindway recommend card --model-dir DIR [--out FILE] [--group COL ...]
    mindway eval ihdp --replications N --json
    mindway eval synthetic --json

Bad input (a missing file, an unknown column, one arm only, a non-numeric outcome, an empty
CSV) prints one line on stderr and exits with status 2; a missing or tampered model, 1.
Rows outside the training data's support are still scored but named on stderr.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from mindway.cli.clinical import ContractCommand
from mindway.cli.evaluate import eval_app

recommend_app = typer.Typer(
    help="Treatment recommendations: train, predict, evaluate, model card.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
BAD_INPUT = 2

DataArgument = Annotated[Path, typer.Argument(help="A CSV file.", show_default=False)]
ModelDirOption = Annotated[Path, typer.Option("--model-dir", help="The model registry directory.")]
GroupOption = Annotated[
    list[str] | None, typer.Option("--group", help="Another column to audit for fairness.")
]


def register(app: typer.Typer) -> None:
    """Add this module's commands to the ``mindway`` app."""
    app.add_typer(recommend_app, name="recommend")


@contextmanager
def _reported() -> Iterator[None]:
    """Bad input is status 2; a missing or tampered model (NotFound, TamperedModel) is 1."""
    from mindway.cli.main import fail
    from mindway.errors import InvalidInput, MindwayError
    from mindway.recommend.registry import TamperedModel

    try:
        yield
    except TamperedModel as exc:
        raise fail(exc.detail, 1) from exc
    except InvalidInput as exc:
        raise fail(exc.detail, BAD_INPUT) from exc
    except MindwayError as exc:
        raise fail(exc.detail, 1) from exc
    except ValueError as exc:  # data the learners cannot use (e.g. a degenerate column)
        raise fail(f"cannot use these data: {exc}", BAD_INPUT) from exc


@contextmanager
def _single_threaded() -> Iterator[None]:
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        yield


@recommend_app.command("train", cls=ContractCommand)
def train_command(
    data: DataArgument,
    treatment: Annotated[str, typer.Option("--treatment", help="The treatment (arm) column.")],
    outcome: Annotated[str, typer.Option("--outcome", help="The numeric outcome column.")],
    model_dir: ModelDirOption,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 0,
    lower_is_better: Annotated[
        bool, typer.Option("--lower-is-better", help="A lower outcome is better.")
    ] = False,
    group: GroupOption = None,
) -> None:
    """Fit a treatment-effect model and save it as the next version in the registry."""
    from mindway.cli.main import print_json
    from mindway.recommend import registry
    from mindway.recommend.tabular import read_csv
    from mindway.recommend.training import train

    with _reported(), _single_threaded():
        frame = read_csv(data)
        with _progress() as step:
            trained = train(
                frame,
                treatment,
                outcome,
                lower_is_better=lower_is_better,
                seed=seed,
                group_columns=group,
                progress=step,
            )
        manifest = registry.save(model_dir, trained, _manifest(trained, frame, seed))
    print_json({k: manifest[k] for k in ("version", "sha256", "arms", "direction", "metrics")})


@contextmanager
def _progress() -> Iterator[Any]:
    """A progress bar on stderr when it is a terminal; silent otherwise."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from mindway.recommend.model import TreatmentEffectModel

    steps = 1 + 2 * len(TreatmentEffectModel().learners)  # propensity, then fit + cross-fit
    console = Console(stderr=True)
    columns = (TextColumn("{task.description:<32}"), BarColumn(), TimeElapsedColumn())
    with Progress(
        *columns, console=console, transient=True, disable=not console.is_terminal
    ) as bar:
        task = bar.add_task("training", total=steps)

        def step(text: str) -> None:
            done = bar.tasks[0].description != "training"
            bar.update(task, description=text, advance=1 if done else 0)

        yield step


def _manifest(trained: Any, frame: Any, seed: int) -> dict[str, Any]:
    from mindway.recommend.registry import data_sha256

    schema = trained.model.schema_
    return {
        "data_sha256": data_sha256(frame),
        "treatment": trained.treatment,
        "outcome": trained.outcome,
        "columns": {"numeric": schema.numeric, "categorical": schema.categorical},
        "arms": trained.arms,
        "direction": "lower_is_better" if trained.model.lower_is_better else "higher_is_better",
        "seed": seed,
        "metrics": trained.metrics,
    }


@recommend_app.command("predict", cls=ContractCommand)
def predict_command(data: DataArgument, model_dir: ModelDirOption) -> None:
    """One JSON line per row: expected outcome and interval per arm, the recommended arm."""
    from mindway.recommend import registry
    from mindway.recommend.tabular import read_csv
    from mindway.recommend.training import predict

    with _reported(), _single_threaded():
        saved = registry.load(model_dir)
        results = predict(saved.bundle, read_csv(data))
    for i, result in enumerate(results):
        line = {
            "row": i,
            "expected_outcome": result.expected_outcome,
            "interval": {a: [lo, hi] for a, (lo, hi) in result.interval.items()},
            "recommended": result.recommended,
        }
        sys.stdout.write(json.dumps(line) + "\n")
        if result.declined:
            typer.echo(f"row {i}: outside the training data's support: {result.declined}", err=True)


@recommend_app.command("evaluate", cls=ContractCommand)
def evaluate_command(data: DataArgument, model_dir: ModelDirOption) -> None:
    """Metrics on labelled data (treatment and outcome columns present) as JSON."""
    from mindway.cli.main import print_json
    from mindway.recommend import registry
    from mindway.recommend.tabular import read_csv
    from mindway.recommend.training import evaluate

    with _reported(), _single_threaded():
        saved = registry.load(model_dir)
        figures = evaluate(saved.bundle, read_csv(data))
    print_json({"model_version": saved.manifest["version"], **figures})


@recommend_app.command("card", cls=ContractCommand)
def card_command(
    model_dir: ModelDirOption,
    out: Annotated[Path | None, typer.Option("--out", help="Write the card here.")] = None,
    group: GroupOption = None,
) -> None:
    """The model card (Markdown): data, period, population, performance, fairness, limits."""
    from mindway.recommend import registry
    from mindway.recommend.card import model_card

    with _reported():
        saved = registry.load(model_dir)
        text = model_card(saved.bundle, saved.manifest, group or [])
    if out is None:
        sys.stdout.write(text)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        from mindway.cli.main import fail

        raise fail(f"cannot write {out}: {exc.strerror}") from exc
    typer.echo(f"model card written to {out}", err=True)


@eval_app.command("ihdp")
def ihdp_command(
    replications: Annotated[int, typer.Option("--replications", min=1, max=1000)] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """IHDP response surface B (Hill 2011): square-root PEHE and ATE error, in and out of sample."""
    from mindway.cli.main import print_json
    from mindway.recommend.ihdp import evaluate_ihdp

    with _reported(), _single_threaded():
        figures = evaluate_ihdp(replications)
    if as_json:
        print_json(figures)
        return
    for key, value in figures.items():
        typer.echo(f"{key}: {value}")


@eval_app.command("synthetic")
def synthetic_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
    patients: Annotated[int, typer.Option("--patients", min=200, max=100_000)] = 3000,
    seed: Annotated[int, typer.Option("--seed")] = 0,
) -> None:
    """A simulated multi-arm depression-treatment trial with known truth: policy value,
    regret against the oracle, share of the personalisation gain captured."""
    from mindway.cli.main import print_json
    from mindway.recommend.simulator import evaluate_synthetic

    with _reported(), _single_threaded():
        figures = evaluate_synthetic(patients=patients, seed=seed)
    if as_json:
        print_json(figures)
        return
    for key, value in figures.items():
        typer.echo(f"{key}: {value}")
