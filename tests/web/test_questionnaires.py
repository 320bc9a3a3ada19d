"""The patient's questionnaires: one item per screen, a signed draft, crisis-first results."""

from __future__ import annotations

import base64
import json
import re
import time
from datetime import date

import pytest

from mindway.clinical.instruments import get_instrument
from mindway.clinical.scoring import score as measures_score
from mindway.security.policy import Role
from mindway.services import accounts, clinical_alerts, measures
from mindway.services.runtime import Runtime
from mindway.web import questionnaire_draft
from mindway.web import questionnaire_flow as flow
from tests.clinic import Clinic, add_account
from tests.web.questionnaire_steps import (
    PHQ9_MODERATE,
    PHQ9_RISK,
    answer_all,
    fields,
    path,
    press,
    refuses_forged_csrf,
    take,
)
from tests.web.visitor import Visitor, browser, snapshot

PHQ9 = path("phq9")


def test_the_list_offers_questionnaires_in_plain_words(visitor: Visitor) -> None:
    visitor.sign_in("patient.a")
    page = visitor.get("/patient/questionnaires")
    assert page.status_code == 200
    for text in ('href="/patient/questionnaires/phq9"', "PHQ-9", "about your mood"):
        assert text in page.text
    for text in ('href="/patient/questionnaires/gad7"', "GAD-7", "worry"):
        assert text in page.text
    assert "cssrs" not in page.text  # interviewer wording: not offered on its own
    assert visitor.get("/patient/questionnaires/cssrs").status_code == 404
    assert visitor.get("/patient/questionnaires/nope").status_code == 404


def test_clinicians_do_not_take_the_patient_flow(visitor: Visitor) -> None:
    visitor.sign_in("clinician.a")
    assert visitor.get("/patient/questionnaires").status_code == 403
    assert visitor.get(PHQ9).status_code == 403


def test_one_item_per_screen_from_first_question_to_result(
    rt: Runtime, clinic: Clinic, visitor: Visitor
) -> None:
    visitor.sign_in("patient.a")
    first = visitor.get(PHQ9)
    assert first.text.count("<fieldset") == 1
    assert first.text.count('type="radio"') == 4
    assert "Question 1 of 10" in first.text
    assert "Over the last 2 weeks" in first.text and "Little interest or pleasure" in first.text
    assert re.search(r"<legend>.*Little interest", first.text)
    assert "Feeling down" not in first.text
    assert 'form="back-form"' not in first.text  # nothing to go back to

    second = press(visitor, "phq9", first, "next", 2)
    third = press(visitor, "phq9", second, "next", 1)
    assert "Question 3 of 10" in third.text and "Trouble falling" in third.text
    back = press(visitor, "phq9", third, "back")
    assert "Question 2 of 10" in back.text
    assert re.search(r'value="1" checked', back.text)  # the earlier answer is kept
    assert snapshot(rt)["questionnaire_response"] == 0  # nothing half-finished is stored

    review = answer_all(visitor, "phq9", [*PHQ9_MODERATE, None])
    assert "Skipped" in review.text and review.text.count("Change") == 10
    change = press(visitor, "phq9", review, "edit-0")
    assert "Question 1 of 10" in change.text and 'value="2" checked' in change.text
    review = press(visitor, "phq9", change, "next", 2)
    assert "Check your answers" in review.text  # a change goes straight back to the check

    sent = press(visitor, "phq9", review, "submit")
    assert sent.status_code == 303
    assert "help=now" not in sent.headers["location"]
    result = visitor.get(sent.headers["location"])
    assert "Your answers suggest moderate symptoms of depression." in result.text
    assert "Your score is 12 out of 27." in result.text
    assert "not a diagnosis" in result.text and "clinician" in result.text
    assert 'href="tel:988"' not in result.text.split("</header>")[1]
    stored = measures.history(rt, clinic.clinician_a, clinic.patient_a_id)
    assert [(r.instrument, r.total, r.answers) for r in stored] == [
        ("phq9", 12, [*PHQ9_MODERATE, None])
    ]


def test_item_9_above_zero_shows_crisis_lines_first_and_alerts_the_team(
    rt: Runtime, clinic: Clinic, visitor: Visitor
) -> None:
    visitor.sign_in("patient.a")
    sent = take(visitor, "phq9", [*PHQ9_RISK, 1])
    assert sent.headers["location"].endswith("?help=now")
    page = visitor.get(sent.headers["location"]).text
    main = page.split('<main id="main"', 1)[1]
    assert main.index('href="tel:988"') < main.index("Your score is 10 out of 27.")
    assert 'href="sms:988"' in main and "We have told your care team" in main
    open_alerts = clinical_alerts.inbox(rt, clinic.clinician_a)
    assert [(a.kind, a.level, a.patient_id) for a in open_alerts] == [
        ("risk", "urgent", clinic.patient_a_id)
    ]


def test_crisis_lines_follow_the_patients_locale(rt: Runtime, clinic: Clinic) -> None:
    uk = accounts.Registration("Pat", "Jones", date(1990, 1, 2), care_team_id=clinic.team_a)
    add_account(rt, clinic.admin, "patient.uk", Role.PATIENT, uk, locale="en-GB")
    with browser(rt) as v:
        v.sign_in("patient.uk")
        page = v.get(take(v, "phq9", [*PHQ9_RISK, None]).headers["location"]).text
    main = page.split('<main id="main"', 1)[1]
    assert 'href="tel:116123"' in main and "tel:988" not in main


def test_sending_twice_stores_once(rt: Runtime, clinic: Clinic, visitor: Visitor) -> None:
    visitor.sign_in("patient.a")
    review = answer_all(visitor, "phq9", [*PHQ9_RISK, None])
    first = press(visitor, "phq9", review, "submit")
    again = press(visitor, "phq9", review, "submit")
    assert again.status_code == 303
    assert again.headers["location"] == first.headers["location"]  # still crisis first
    assert snapshot(rt)["questionnaire_response"] == 1
    assert len(clinical_alerts.inbox(rt, clinic.clinician_a)) == 1
    calm = answer_all(visitor, "gad7", [1] * 7)
    assert press(visitor, "gad7", calm, "submit").status_code == 303
    assert "help" not in press(visitor, "gad7", calm, "submit").headers["location"]
    assert snapshot(rt)["questionnaire_response"] == 2


def _altered(draft: str, **changes: object) -> str:
    payload, _, mac = draft.partition(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data.update(changes)
    raw = base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")
    return f"{raw}.{mac}"


def test_a_tampered_draft_is_refused_and_nothing_is_stored(
    rt: Runtime, clinic: Clinic, visitor: Visitor
) -> None:
    visitor.sign_in("patient.a")
    review = answer_all(visitor, "phq9", [*PHQ9_RISK, None])
    good = fields(review)
    gad7 = fields(visitor.get(path("gad7")))
    with browser(rt) as other:  # the same person signed in elsewhere: another session
        other.sign_in("patient.a")
        elsewhere = fields(answer_all(other, "phq9", [*PHQ9_RISK, None]))["draft"]
    forged = {
        "answer changed": _altered(good["draft"], a=[0] * 10),
        "moved on": _altered(good["draft"], p=3),
        "no signature": good["draft"].partition(".")[0],
        "re-signed by a guess": good["draft"].partition(".")[0] + "." + "0" * 64,
        "another questionnaire": gad7["draft"],
        "another session": elsewhere,
        "garbage": "not-a-draft",
        "empty": "",
    }
    before = snapshot(rt)
    for name, draft in forged.items():
        reply = visitor.post(PHQ9, {**good, "draft": draft, "go": "submit"})
        assert reply.status_code == 403, name
        assert (
            "Nothing was saved" in reply.text
            and 'href="/patient/questionnaires/phq9"' in reply.text
        )
        assert snapshot(rt) == before, name
    assert visitor.post(PHQ9, {**good, "go": "submit"}).status_code == 303


def test_an_old_draft_has_closed(
    rt: Runtime, clinic: Clinic, visitor: Visitor, monkeypatch: pytest.MonkeyPatch
) -> None:
    visitor.sign_in("patient.a")
    review = answer_all(visitor, "phq9", [*PHQ9_MODERATE, None])
    later = time.time() + questionnaire_draft.MAX_AGE_S + 60
    monkeypatch.setattr(questionnaire_draft.time, "time", lambda: later)
    before = snapshot(rt)
    reply = press(visitor, "phq9", review, "submit")
    assert reply.status_code == 403 and "left open for a long time" in reply.text
    assert snapshot(rt) == before


def test_bad_answers_are_a_message_and_store_nothing(rt: Runtime, visitor: Visitor) -> None:
    visitor.sign_in("patient.a")
    first = visitor.get(PHQ9)
    before = snapshot(rt)
    for go, answer, message in (
        ("next", "7", "Please choose one of the answers"),
        ("next", "abc", "Please choose one of the answers"),
        ("next", "", "Please choose one of the answers"),
        ("next", "-1", "Please choose one of the answers"),
        ("skip", "", "This question needs an answer"),
        ("submit", "", "Please use the buttons"),
        ("edit-3", "", "Please use the buttons"),
        ("launch", "", "Please use the buttons"),
    ):
        reply = visitor.post(PHQ9, {**fields(first), "go": go, "answer": answer})
        assert reply.status_code == 422, (go, answer)
        assert message in reply.text
        assert "Question 1 of 10" in reply.text
        assert snapshot(rt) == before


def test_forms_refuse_a_missing_or_forged_csrf_token(
    rt: Runtime, clinic: Clinic, visitor: Visitor
) -> None:
    visitor.sign_in("patient.a")
    good = fields(answer_all(visitor, "phq9", [*PHQ9_RISK, None]))
    refuses_forged_csrf(rt, visitor, PHQ9, {**good, "go": "submit"})
    assert len(measures.history(rt, clinic.clinician_a, clinic.patient_a_id)) == 1


def test_another_patients_result_is_not_found(rt: Runtime, clinic: Clinic) -> None:
    sent = measures.submit(rt, clinic.patient_b, clinic.patient_b_id, "phq9", PHQ9_MODERATE)
    with browser(rt) as v:
        v.sign_in("patient.a")
        reply = v.get(f"{PHQ9}/results/{sent.result.id}")
        assert reply.status_code == 404 and "Your score" not in reply.text


def test_progress_in_plain_words_with_a_chart(
    rt: Runtime, clinic: Clinic, visitor: Visitor
) -> None:
    for answers in (
        [2, 2, 2, 2, 2, 2, 2, 2, 0, 1],
        [3, 2, 2, 2, 2, 2, 1, 1, 0],
        [2] * 5 + [1] + [0] * 3,
    ):
        measures.submit(rt, clinic.patient_a, clinic.patient_a_id, "phq9", answers)
    visitor.sign_in("patient.a")
    page = visitor.get("/patient/progress").text
    assert "Your last three PHQ-9 scores: 16, 15, 11 — a little down." in page
    assert "Lower scores mean fewer symptoms of depression." in page
    assert '<svg class="chart"' in page and 'class="band band-0"' in page
    assert page.count('<g class="point">') == 3
    table = page.split("<table", 1)[1]
    for cell in ("<td>16</td>", "<td>15</td>", "<td>11</td>", "moderately severe", "moderate"):
        assert cell in table
    assert "GAD-7" not in page  # only what the person has answered


def test_progress_with_nothing_yet(visitor: Visitor) -> None:
    visitor.sign_in("patient.a")
    page = visitor.get("/patient/progress").text
    assert "You have not answered any questionnaires yet." in page
    assert "<svg" not in page


def test_skip_logic_follows_the_instrument_file() -> None:
    """C-SSRS (not offered to patients, but the flow supports ``ask_when``): questions 3-5 only
    after a yes to 2, the 7th only after a yes to 6; a changed gate asks its items again."""
    cssrs = get_instrument("cssrs")
    draft = questionnaire_draft.Draft.start(cssrs)
    seen = []
    for answer in ("0", "0", "0"):
        seen.append(flow.progress(cssrs, draft))
        draft = flow.apply(cssrs, draft, "next", answer).draft
    assert seen == [(1, 3), (2, 3), (3, 3)]  # until a yes to 2: questions 1, 2 and 6
    assert draft.at == 7 and [r["number"] for r in flow.review_rows(cssrs, draft)] == [1, 2, 3]
    draft = flow.apply(cssrs, draft, "edit-1", "").draft
    draft = flow.apply(cssrs, draft, "next", "1").draft  # now yes to 2: on to question 3
    assert (draft.at, flow.progress(cssrs, draft)) == (2, (3, 6))
    for answer in ("0", "1", "0"):
        draft = flow.apply(cssrs, draft, "next", answer).draft
    assert draft.at == 7  # 6 was answered already: straight back to the check
    assert draft.answers == (0, 1, 0, 1, 0, 0, None)
    assert measures_score(cssrs, draft.answers).risk == "high"
    assert flow.apply(cssrs, draft, "edit-6", "").error == flow.BUTTONS  # 7 is not asked
