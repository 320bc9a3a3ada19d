"""The model card (Mitchell et al. 2019, FAT* '19): data, period, population, performance by
subgroup, fairness audit, intended use and limits, as Markdown."""

from __future__ import annotations

from typing import Any

from mindway.errors import InvalidInput
from mindway.recommend.training import TrainedRecommender

INTENDED_USE = (
    "Decision support for clinicians choosing among the treatment options seen in the "
    "training data. It ranks options by expected outcome with an interval; a clinician "
    "decides with the patient. It never prescribes, and it is not for crisis or risk "
    "assessment."
)
LIMITS = (
    "Estimates are from observational data: they are unbiased only if everything that "
    "influenced both the choice of treatment and the outcome is among the features "
    "(no unmeasured confounding).",
    "Intervals are split-conformal on cross-fitted residuals: they cover outcomes of "
    "patients like those who received each option; for options a patient did not receive "
    "coverage needs overlap and no unmeasured confounding (Lei & Candès 2021).",
    "Patients outside the training range of any feature, with a category never seen in "
    "training, or like those who rarely received some option (low propensity) are flagged "
    "and should not be ranked by this model.",
    "Subgroup figures for small groups are noisy; read their bootstrap intervals.",
    "Pharmacogenomic (CPIC) notes and contraindications are applied separately and "
    "override the ranking.",
)


def model_card(trained: TrainedRecommender, manifest: dict[str, Any], groups: list[str]) -> str:
    """The card; ``groups`` must be columns audited at training time."""
    missing = [g for g in groups if g not in trained.audit]
    if missing:
        audited = ", ".join(trained.audit) or "none"
        raise InvalidInput(
            f"group {missing[0]!r} was not audited at training (audited: {audited}); "
            "retrain with --group"
        )
    lines = [
        f"# Model card: treatment recommendation model v{manifest['version']}",
        "",
        f"Created {manifest['created_at']}; artefact SHA-256 `{manifest['sha256']}`; "
        f"training data SHA-256 `{manifest['data_sha256']}`.",
        "",
        "## Intended use",
        "",
        INTENDED_USE,
        "",
        *_data_section(trained),
        *_performance_section(trained),
        *_fairness_section(trained, groups),
        "## Limits",
        "",
        *[f"- {text}" for text in LIMITS],
        "",
    ]
    return "\n".join(lines)


def _data_section(trained: TrainedRecommender) -> list[str]:
    summary = trained.summary
    period = summary.get("period")
    arms = ", ".join(f"{a} ({n})" for a, n in summary["arms"].items())
    schema = trained.model.schema_
    lines = [
        "## Data",
        "",
        f"- Rows: {summary['rows']}; treatment column `{summary['treatment']}`; outcome "
        f"`{summary['outcome']}` (mean {summary['outcome_mean']}, SD {summary['outcome_sd']}; "
        f"{'lower' if trained.model.lower_is_better else 'higher'} is better).",
        f"- Options (patients): {arms}.",
        f"- Period: {period['from']} to {period['to']} (`{period['column']}`)."
        if period
        else "- Period: no date column in the training data.",
        f"- Features: numeric {', '.join(schema.numeric) or 'none'}; categorical "
        f"{', '.join(schema.categorical) or 'none'}.",
    ]
    if summary["missing_share"]:
        shares = ", ".join(f"{c} {100 * s:.1f}%" for c, s in summary["missing_share"].items())
        lines.append(f"- Missing values: {shares}.")
    lines += ["", "### Population", ""]
    for column, audit in trained.audit.items():
        counts = ", ".join(f"{level} {row['n']}" for level, row in audit["groups"].items())
        lines.append(f"- {column}: {counts}")
    return [*lines, ""]


def _performance_section(trained: TrainedRecommender) -> list[str]:
    m = trained.metrics
    model = m["model"]
    lines = [
        "## Performance",
        "",
        f"Evaluated on the {m['evaluated_on']}.",
        "",
        f"- Meta-learner: {model['meta_learner']} (R-loss by candidate: {model['r_loss']}); "
        f"base models: {model['base_models']}.",
        f"- Outcome error: RMSE {m['rmse']}, MAE {m['mae']}; calibration slope "
        f"{m['calibration_slope']} (1 is ideal).",
        f"- {int(100 * model['coverage'])}% intervals covered {100 * m['interval_coverage']:.1f}% "
        "of observed outcomes.",
        f"- Estimated value of following the model {m['policy_value']} against "
        f"{m['best_single_arm_value']} for the best single option (gain "
        f"{m['gain_over_best_single_arm']}; doubly robust estimate).",
        f"- Overlap: {100 * model['overlap']['share_outside']:.1f}% of training patients had a "
        f"propensity below {model['overlap']['trim']} for some option.",
        "",
        "| option | patients | RMSE |",
        "|---|---|---|",
        *[f"| {a} | {r['n']} | {r['rmse']} |" for a, r in m["by_arm"].items()],
        "",
    ]
    return lines


def _fairness_section(trained: TrainedRecommender, groups: list[str]) -> list[str]:
    lines = [
        "## Fairness audit",
        "",
        "Per group: mean absolute error of the predicted outcome and the benefit captured "
        "(doubly robust gain over giving everyone the best single option), each with a 95% "
        "bootstrap interval (fairlearn MetricFrame). Flags: error ratio below 0.8, or a "
        "difference above 0.1 outcome SDs.",
        "",
    ]
    chosen = groups or list(trained.audit)
    if not chosen:
        return [*lines, "No sex, age, ethnicity or other group column was recorded.", ""]
    for column in chosen:
        audit = trained.audit[column]
        lines += [
            f"### {column}",
            "",
            "| group | n | error (95% CI) | benefit (95% CI) |",
            "|---|---|---|---|",
        ]
        for level, row in audit["groups"].items():
            lines.append(
                f"| {level} | {row['n']} | {row['error']} ({_ci(row['error_ci'])}) | "
                f"{row['benefit']} ({_ci(row['benefit_ci'])}) |"
            )
        flags = audit["flags"]
        lines += ["", f"Flags: {'; '.join(flags)}." if flags else "Flags: none.", ""]
    return lines


def _ci(bounds: list[float]) -> str:
    return f"{bounds[0]} to {bounds[1]}"
