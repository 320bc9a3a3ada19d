"""The Spanish catalog: in step with the code, complete, faithful to placeholders and markup,
and in plain language. Also how a page's language is chosen."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime

import pytest
import textstat
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from mindway.security.policy import Actor, Role
from mindway.services.auth import SessionInfo
from mindway.web import i18n

WEB_DIR = i18n.LOCALE_DIR.parent
PO_PATH = i18n.LOCALE_DIR / "es" / "LC_MESSAGES" / "messages.po"
POT_PATH = i18n.LOCALE_DIR / "messages.pot"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
TAG = re.compile(r"<[^>]+>")
Msgid = str | tuple[str, ...]


def _extracted() -> set[Msgid]:
    """Every message the templates and page modules mark, through Babel's extract API and
    the project's own mapping file."""
    with (i18n.LOCALE_DIR / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)  # type: ignore[no-untyped-call]
    keywords = {**DEFAULT_KEYWORDS, "lazy_gettext": None}
    found = extract_from_dir(str(WEB_DIR), method_map, options_map, keywords=keywords)
    return {message for _file, _line, message, _comments, _context in found}


def _forms(text: str | Sequence[str] | None) -> tuple[str, ...]:
    """A message's text: one form, or each plural form."""
    return (text or "",) if isinstance(text, str) or text is None else tuple(text)


def _msgid(forms: tuple[str, ...]) -> Msgid:
    return forms[0] if len(forms) == 1 else forms


def _spanish() -> dict[Msgid, tuple[str, ...]]:
    """msgid (singular, or singular and plural) -> its Spanish forms."""
    with PO_PATH.open("rb") as po:
        catalog = read_po(po, locale="es")
    return {_msgid(_forms(m.id)): _forms(m.string) for m in catalog if m.id}


def test_extraction_finds_the_patient_app() -> None:
    """The mapping file really reaches templates and modules (a wrong path finds nothing)."""
    messages = _extracted()
    assert "Need help now?" in messages  # base.html
    assert "Please choose one of the answers to go on." in messages  # questionnaire_flow.py
    assert "Your %(name)s result" in messages  # lazy_gettext in questionnaire_pages.py
    assert len(messages) > 150


def test_every_marked_string_has_a_spanish_translation() -> None:
    spanish = _spanish()
    missing = sorted(str(m) for m in _extracted() if not all(spanish.get(m, ("",))))
    assert missing == []


def test_catalog_has_no_stale_entries_and_the_template_is_current() -> None:
    extracted = _extracted()
    assert set(_spanish()) - extracted == set()
    with POT_PATH.open("rb") as pot:
        template = {m.id for m in read_po(pot) if m.id}
    assert template == extracted


def test_placeholders_and_markup_match() -> None:
    """A translation names the same %(name)s fields and keeps the same HTML tags, in every
    plural form (a missing field raises at render time; a lost tag breaks the page)."""
    for msgid, msgstr in _spanish().items():
        sources = _forms(msgid)
        for form in msgstr:
            assert set(PLACEHOLDER.findall(form)) == set(PLACEHOLDER.findall(sources[-1])), msgid
            assert sorted(TAG.findall(form)) == sorted(TAG.findall(sources[0])), msgid


def test_spanish_is_compiled_in_memory_with_plural_forms() -> None:
    spanish = i18n.translations("es")
    assert spanish.gettext("Sign out") == "Cerrar sesión"
    one, many = "%(count)s device gets reminder notifications. ", "%(count)s devices get it"
    assert spanish.ngettext(one, many, 1).startswith("%(count)s dispositivo recibe")
    assert spanish.ngettext(one, many, 2).startswith("%(count)s dispositivos reciben")
    assert i18n.translations("es") is spanish  # compiled once per process
    with pytest.raises(ValueError, match="no catalog"):
        i18n.translations("fr")


# Plain language. Szigriszt-Pazos perspicuity, read on the INFLESZ scale (Barrio-Cantalejo et
# al., An Sist Sanit Navar 2008;31(2):135-52): 55-65 "normal", 65-80 "bastante facil", and
# patient information should reach at least "normal". Fernandez Huerta (1959): 70-80 "fairly
# easy". We ask the catalog for "fairly easy" on both, and no sentence over 25 words (Cutts,
# Oxford Guide to Plain English: average 15-20 words).
PLAIN_SZIGRISZT = 65.0
PLAIN_FERNANDEZ_HUERTA = 70.0
LONGEST_SENTENCE = 25


def _readable(text: str) -> str:
    text = PLACEHOLDER.sub("3", TAG.sub("", text)).strip()
    return text if text.endswith((".", "?", "!", ":")) else text + "."


def _prose() -> list[str]:
    """The Spanish sentences people read (labels of a word or two are not prose)."""
    texts = [_readable(form) for forms in _spanish().values() for form in forms]
    return [t for t in texts if len(t.split()) >= 6]


def _scores(text: str) -> tuple[float, float]:
    textstat.set_lang("es")
    try:
        return textstat.szigriszt_pazos(text), textstat.fernandez_huerta(text)
    finally:
        textstat.set_lang("en_US")


def test_the_plain_language_measures_can_tell_hard_spanish() -> None:
    legalese = (
        "La presente comunicación constituye una notificación fehaciente de la modificación "
        "unilateral de las condiciones contractuales, conforme a la normativa administrativa "
        "aplicable, sin perjuicio de las responsabilidades correspondientes."
    )
    szigriszt, huerta = _scores(legalese)
    assert szigriszt < PLAIN_SZIGRISZT
    assert huerta < PLAIN_FERNANDEZ_HUERTA


def test_spanish_strings_are_plain_language() -> None:
    prose = _prose()
    assert len(prose) > 50
    szigriszt, huerta = _scores(" ".join(prose))
    assert szigriszt >= PLAIN_SZIGRISZT
    assert huerta >= PLAIN_FERNANDEZ_HUERTA
    sentences = [s for text in prose for s in re.split(r"(?<=[.?!:])\s+", text)]
    assert max(len(s.split()) for s in sentences) <= LONGEST_SENTENCE


def _session(role: Role, locale: str) -> SessionInfo:
    patient_id = uuid.uuid4() if role is Role.PATIENT else None
    actor = Actor(role, account_id=uuid.uuid4(), patient_id=patient_id)
    return SessionInfo(
        session_id=uuid.uuid4(),
        actor=actor,
        mfa_passed=True,
        username="ana",
        display_name="Ana",
        locale=locale,
        mfa_enabled=False,
    )


@pytest.mark.parametrize(
    ("role", "locale", "header", "language"),
    [
        (Role.PATIENT, "es-US", "en-US", "es"),  # the account wins over the browser
        (Role.PATIENT, "es-ES", "", "es"),
        (Role.PATIENT, "en-GB", "es-ES", "en"),
        (Role.CLINICIAN, "es-US", "es", "en"),  # staff pages are English only for now
        (None, "", "es-MX,es;q=0.9", "es"),
        (None, "", "fr-FR, es;q=0.5, en;q=0.4", "es"),
        (None, "", "en-US, es;q=0.9", "en"),
        (None, "", "es;q=0, en;q=0.2", "en"),
        (None, "", "de-DE", "en"),
        (None, "", "", "en"),
    ],
)
def test_page_language(role: Role | None, locale: str, header: str, language: str) -> None:
    info = _session(role, locale) if role else None
    assert i18n.page_language(info, header) == language


def test_dates_follow_the_page_language() -> None:
    moment = datetime(2026, 3, 5, 9, 7, tzinfo=UTC)
    assert i18n.when(moment) == "05 Mar 2026, 09:07 UTC"
    assert i18n.day(date(2026, 3, 5)) == "05 Mar 2026"
    with i18n.use_language("es"):
        assert i18n.when(moment) == "5 mar 2026, 09:07 UTC"
        assert i18n.day(date(2026, 3, 5)) == "5 mar 2026"
        assert i18n.gettext("") == ""  # not the catalog header
        assert i18n.gettext("Sign out") == "Cerrar sesión"
    assert i18n.gettext("Sign out") == "Sign out"  # the language ends with the block


def test_translated_text_still_escapes_what_people_typed() -> None:
    """A translation may carry markup (it is ours); the values put into it are escaped."""
    from mindway.web.render import ENV

    page = ENV.from_string("{% trans name=name %}Hello, {{ name }}{% endtrans %}")
    with i18n.use_language("es"):
        assert page.render(name="<script>x</script>") == "Hola, &lt;script&gt;x&lt;/script&gt;"
