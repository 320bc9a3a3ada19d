"""Acceptance (issue 6): a clinician opens a demo patient's treatment options, sees ranked
options with intervals and a CPIC note once a CYP2C19 poor-metaboliser result is recorded
(Bousman et al. 2023, Clin Pharmacol Ther 114:51: escitalopram at a 50% lower starting dose or
an alternative), records the decision taken and finds it in the patient's history; the
patient cannot open the page.

The server here is its own: ``mindway demo``, then ``mindway recommend train`` on the
simulator's cohort into ``<data dir>/models/recommend`` (as an operator would), then
``mindway serve``.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from mindway.recommend.simulator import cohort
from tests.e2e.conftest import MINDWAY, _server_env, serving
from tests.e2e.steps import sign_in, sign_out

pytestmark = pytest.mark.e2e
TRAINING_PATIENTS = 300


def _run(args: list[str], env: dict[str, str], timeout: int) -> None:
    done = subprocess.run(
        [str(MINDWAY), *args], env=env, capture_output=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, done.stderr.decode()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("e2e-recommend")
    env = _server_env(data_dir)
    _run(["demo", "--patients", "8", "--seed", "1"], env, 120)
    # The demo's ethnicity groups are not the simulator's, so this model leaves it out.
    training = data_dir / "training.csv"
    cohort(TRAINING_PATIENTS, seed=0).drop(columns=["ethnicity"]).to_csv(training, index=False)
    model_dir = data_dir / "models" / "recommend"
    train = ["recommend", "train", str(training), "--treatment", "treatment"]
    _run([*train, "--outcome", "phq9_improvement", "--model-dir", str(model_dir)], env, 180)
    with serving(data_dir, env) as url:
        yield url


def _first_patient(page: Page) -> str:
    page.goto("/clinician")
    page.locator("a[href^='/clinician/patients/']").first.click()
    page.wait_for_url(re.compile(r"/clinician/patients/[0-9a-f-]{36}$"))
    return page.url.rsplit("/", 1)[-1]


def test_clinician_sees_ranked_options_with_cpic_note_and_records_a_decision(
    page: Page, screenshots: Path | None
) -> None:
    sign_in(page, "clinician")
    patient_id = _first_patient(page)
    page.goto(f"/clinician/patients/{patient_id}/treatment-options")
    expect(page.get_by_role("heading", name="Treatment options", level=1)).to_be_visible()
    expect(page.locator("#decision-support")).to_contain_text("a clinician decides")

    page.get_by_text("Add a result").click()
    page.get_by_label("Gene").select_option("CYP2C19")
    page.get_by_label("Diplotype (e.g. *1/*2)").fill("*2/*2")
    page.get_by_role("button", name="Add result").click()
    expect(page.get_by_text("CYP2C19 *2/*2: poor metaboliser")).to_be_visible()

    options = page.locator("#options > li")
    expect(options).to_have_count(5)
    expect(options.first).to_contain_text(re.compile(r"interval -?\d+\.\d to -?\d+\.\d"))
    escitalopram = options.filter(has_text="Escitalopram")
    expect(escitalopram).to_contain_text("CPIC (CYP2C19 poor metaboliser)")
    expect(escitalopram).to_contain_text("not mainly metabolised by CYP2C19")
    expect(escitalopram).to_contain_text("Clin Pharmacol Ther. 2023;114(1):51-68")
    expect(page.locator("#fairness")).to_contain_text("Age band")
    if screenshots:
        page.screenshot(path=screenshots / "treatment-options.png", full_page=True)

    page.get_by_label("Treatment chosen").fill("sertraline")
    page.get_by_label("Reason").fill("Discussed CPIC note; patient prefers sertraline")
    page.get_by_role("button", name="Record decision").click()
    decisions = page.get_by_role("list", name="Decisions taken")
    expect(decisions).to_contain_text("Sertraline")
    expect(decisions).to_contain_text("patient prefers sertraline")
    expect(decisions).to_contain_text("Shown: ")
    sign_out(page)

    sign_in(page, "patient")
    refused = page.goto(f"/clinician/patients/{patient_id}/treatment-options")
    assert refused is not None and refused.status in (403, 404)
    expect(page.get_by_text("Escitalopram")).to_have_count(0)
