"""Recommendations follow the symptom profile (Morin 2011 ISI bands; Spitzer 2006 GAD-7;
Kroenke 2001 PHQ-9), skip what is done or disliked, and always give a reason."""

from __future__ import annotations

from mindway.therapy.library import load_library
from mindway.therapy.programmes import exercise_ids, load_programmes
from mindway.therapy.recommendations import Profile, recommend


def _refs(profile: Profile) -> list[str]:
    return [r.ref for r in recommend(profile)]


def test_insomnia_brings_the_sleep_module_first() -> None:
    recs = recommend(Profile(isi=16))
    assert recs[0].ref == "sleep" and "ISI 16" in recs[0].reason


def test_high_gad7_brings_worry_time_and_breathing() -> None:
    assert _refs(Profile(gad7=14, enrolled=True))[:2] == ["worry_time", "paced_breathing"]


def test_low_mood_with_low_activity_brings_behavioural_activation() -> None:
    recs = recommend(Profile(phq9=15, active_day_share=0.2))
    assert recs[0].ref == "behavioural_activation" and "20% of days" in recs[0].reason
    assert _refs(Profile(phq9=15, active_day_share=0.8))[0] == "thought_record"


def test_done_and_disliked_items_are_skipped_and_basics_fill_in() -> None:
    profile = Profile(
        isi=10, modules_read=frozenset({"sleep"}), disliked=frozenset({"sleep_diary"})
    )
    assert _refs(profile) == ["sleep_better", "thoughts_feelings_behaviours"]
    assert _refs(Profile()) == ["thoughts_feelings_behaviours"]


def test_every_recommendation_exists_and_has_a_reason() -> None:
    library, programmes = load_library(), load_programmes()
    exercises = exercise_ids(library)
    profile = Profile(phq9=20, gad7=15, isi=20, anxiety=8, active_day_share=0.1)
    for rec in recommend(profile, limit=20):
        assert rec.reason.startswith(("Because", "A good"))
        known = {
            "module": set(library.modules),
            "exercise": exercises,
            "programme": set(programmes),
        }
        assert rec.ref in known[rec.kind]
