"""Content lints for the CBT library: front matter, links, sources, length and reading level.

Reading level: Flesch-Kincaid grade (Kincaid et al. 1975) from textstat, capped at 8.5 so the
texts stay near the US grade 6-8 that plain-language health guidance asks for.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import textstat
from textstat.backend.counts import _count_syllables

from mindway.therapy.library import (
    CONTENT_ROOT,
    ContentError,
    Library,
    UnknownModule,
    load_library,
    load_library_from,
    module_links,
)

PSYCHOEDUCATION = {
    "depression",
    "anxiety",
    "cbt_model",
    "thoughts_feelings_behaviours",
    "cognitive_distortions",
    "avoidance_and_exposure",
    "sleep",
    "stress",
    "relapse_prevention",
}
SKILLS = {
    "thought_record",
    "behavioural_activation",
    "exposure_hierarchy",
    "problem_solving",
    "worry_time",
    "paced_breathing",
    "grounding",
    "body_scan",
    "self_compassion_break",
    "sleep_diary",
}
MAX_GRADE = 8.5
BODY_WORDS = (250, 600)
SECTION_WORDS = (40, 150)
CRISIS_LINE = "Need help now?"


@pytest.fixture(scope="module")
def library() -> Library:
    return load_library("en")


@pytest.fixture
def offline_syllables(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Count syllables with textstat's own pyphen fallback instead of the CMU dictionary.

    textstat 0.7.13 downloads the CMU dictionary through NLTK on first use; tests never
    download, and pyphen gives the same figure on every machine.
    """
    monkeypatch.setattr(_count_syllables, "get_cmudict", lambda lang: None)
    _count_syllables.count_syllables.cache_clear()
    yield
    _count_syllables.count_syllables.cache_clear()


def test_all_nineteen_modules_load_with_their_kind(library: Library) -> None:
    assert set(library.modules) == PSYCHOEDUCATION | SKILLS
    assert {m.id for m in library.by_kind("psychoeducation")} == PSYCHOEDUCATION
    assert {m.id for m in library.by_kind("skill")} == SKILLS


def test_ids_equal_file_names_and_are_unique() -> None:
    paths = sorted((CONTENT_ROOT / "en").glob("*/*.md"))
    stems = [p.stem for p in paths]
    assert len(stems) == len(set(stems)) == 19
    for path in paths:
        head = path.read_text(encoding="utf-8").split("---")[1]
        assert re.search(rf"^id: {path.stem}$", head, re.MULTILINE), path


def test_front_matter_fields(library: Library) -> None:
    for module in library.modules.values():
        meta = module.meta
        assert meta.locale == "en" and meta.version >= 1, meta.id
        assert meta.summary.endswith(".") and meta.summary.count(". ") == 0, meta.id
        assert meta.related, f"{meta.id} relates to no module"
        if meta.kind == "skill":
            assert meta.exercise == meta.id
        else:
            assert meta.exercise is None


def test_related_ids_and_module_links_resolve(library: Library) -> None:
    links = 0
    for module in library.modules.values():
        for ref in (*module.meta.related, *module_links(module.body)):
            assert ref in library.modules, f"{module.id} -> {ref}"
            links += 1
    assert links > 19


def test_every_module_cites_full_sources(library: Library) -> None:
    for module in library.modules.values():
        assert module.meta.sources, module.id
        for source in module.meta.sources:
            assert re.search(r"\b(19|20)\d\d\b", source), f"{module.id}: no year in {source!r}"
            assert len(source) > 40, f"{module.id}: citation too short: {source!r}"


def test_reading_level_at_most_grade_8_5(library: Library, offline_syllables: None) -> None:
    grades = {m.id: textstat.flesch_kincaid_grade(m.plain_text()) for m in library.modules.values()}
    worst = max(grades, key=grades.__getitem__)
    assert grades[worst] <= MAX_GRADE, f"max Flesch-Kincaid grade {grades[worst]} in {worst}"


def test_body_and_section_lengths(library: Library) -> None:
    for module in library.modules.values():
        words = len(module.body.split())
        assert BODY_WORDS[0] <= words <= BODY_WORDS[1], f"{module.id}: {words} words"
        assert len(module.sections) >= 3, module.id
        for section in module.sections:
            low, high = SECTION_WORDS
            assert low <= section.words <= high, f"{module.id} / {section.heading}: {section.words}"


def test_sections_are_plain_text_passages(library: Library) -> None:
    passages = library.passages()
    assert len(passages) == sum(len(m.sections) for m in library.modules.values())
    for passage in passages:
        assert passage.module_id in library.modules
        assert not re.search(r"\]\(|\*\*|^#", passage.text), passage.heading


def test_risk_modules_point_to_crisis_help(library: Library) -> None:
    for module_id in ("depression", "anxiety", "relapse_prevention"):
        assert CRISIS_LINE in library.get(module_id).plain_text(), module_id


def test_no_medication_doses(library: Library) -> None:
    for module in library.modules.values():
        assert not re.search(r"\d\s*(mg|milligrams?|mcg)\b", module.body, re.I), module.id


def test_get_unknown_module_raises(library: Library) -> None:
    with pytest.raises(UnknownModule):
        library.get("no_such_module")


def test_library_is_cached_per_locale() -> None:
    assert load_library("en") is load_library("en")


# --- loading from a directory: errors and translations ------------------------------------

BODY = "## One\n\n" + "Word " * 60 + "\n\n## Two\n\n" + "Word " * 60 + "\n"


def _write(root: Path, locale: str, folder: str, name: str, meta: dict[str, str]) -> Path:
    fields = {
        "id": name,
        "title": "A title",
        "kind": "skill" if folder == "skills" else "psychoeducation",
        "version": "1",
        "locale": locale,
        "summary": "One sentence.",
        "minutes": "3",
        "topics": "[general]",
        "sources": '["Beck AT. Cognitive Therapy of Depression. Guilford; 1979."]',
        "related": "[]",
    }
    if folder == "skills":
        fields["exercise"] = name
    fields.update(meta)
    head = "\n".join(f"{k}: {v}" for k, v in fields.items() if v != "<drop>")
    path = root / locale / folder / f"{name}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\n{head}\n---\n{BODY}", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("meta", "problem"),
    [
        ({"summary": "<drop>"}, "summary"),
        ({"kind": "lecture"}, "kind"),
        ({"kind": "skill", "exercise": "intro"}, "kind 'skill'"),
        ({"related": "[nowhere]"}, "'nowhere'"),
        ({"id": "other"}, "file name"),
        ({"sources": "[]"}, "sources"),
        ({"topics": "[astrology]"}, "topics"),
    ],
)
def test_bad_front_matter_names_file_and_problem(
    tmp_path: Path, meta: dict[str, str], problem: str
) -> None:
    path = _write(tmp_path, "en", "psychoeducation", "intro", meta)
    with pytest.raises(ContentError) as caught:
        load_library_from(tmp_path)
    assert str(path) in str(caught.value)
    assert problem in str(caught.value)


def test_missing_front_matter_and_skill_without_exercise(tmp_path: Path) -> None:
    path = _write(tmp_path, "en", "skills", "breathing", {"exercise": "<drop>"})
    with pytest.raises(ContentError, match="exercise"):
        load_library_from(tmp_path)
    path.write_text(BODY, encoding="utf-8")
    with pytest.raises(ContentError, match="front matter"):
        load_library_from(tmp_path)


def test_broken_module_link_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "en", "psychoeducation", "intro", {})
    path.write_text(path.read_text() + "See [this](module:missing).\n", encoding="utf-8")
    with pytest.raises(ContentError, match="'missing'"):
        load_library_from(tmp_path)


def test_translation_falls_back_to_english_module_by_module(tmp_path: Path) -> None:
    _write(tmp_path, "en", "psychoeducation", "intro", {"related": "[breathing]"})
    _write(tmp_path, "en", "skills", "breathing", {})
    _write(tmp_path, "fr", "psychoeducation", "intro", {"title": "Un titre", "version": "2"})
    library = load_library_from(tmp_path, "fr")
    assert library.get("intro").meta.title == "Un titre"
    assert library.get("intro").meta.locale == "fr"
    assert library.get("breathing").meta.locale == "en"
    assert load_library_from(tmp_path).get("intro").meta.version == 1


def test_translation_without_english_original_is_refused(tmp_path: Path) -> None:
    _write(tmp_path, "en", "psychoeducation", "intro", {})
    path = _write(tmp_path, "fr", "skills", "nouveau", {})
    with pytest.raises(ContentError, match="no en original") as caught:
        load_library_from(tmp_path, "fr")
    assert str(path) in str(caught.value)


def test_translation_with_wrong_locale_is_refused(tmp_path: Path) -> None:
    _write(tmp_path, "en", "psychoeducation", "intro", {})
    path = _write(tmp_path, "fr", "psychoeducation", "intro", {"locale": "en"})
    with pytest.raises(ContentError, match="locale") as caught:
        load_library_from(tmp_path, "fr")
    assert str(path) in str(caught.value)
