"""Pages in the person's language: a Spanish-speaking patient reads Spanish, with the Spanish
crisis lines; an English-speaking patient and staff pages are unchanged."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from mindway.security.policy import Role
from mindway.services import accounts
from mindway.services.runtime import Runtime
from mindway.web import i18n
from tests.clinic import Clinic, add_account
from tests.web.visitor import Visitor, browser

# The language is chosen from the account the session store returns; both stores already run
# the locale through the crisis tests, so these page tests run on SQLite only.
pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)

SPANISH_CHROME = ('<html lang="es">', "Cerrar sesión", "¿Necesitas ayuda ahora?", "Inicio")
ENGLISH_CHROME = ('<html lang="en">', "Sign out", "Need help now?", ">Home<")
PAGES = {
    "/patient": ("Hola, Lucía", "Registro diario", "Tus decisiones", "Dijiste que"),
    "/patient/checkin": ("Guardar mi registro", "Caminar", "Horas de sueño anoche"),
    "/patient/chat": ("Hablemos", "Tu mensaje", "no es un servicio de emergencias"),
    "/patient/questionnaires": ("Cuestionarios", "No hay respuestas buenas ni malas"),
    "/patient/questionnaires/phq9": ("Pregunta 1 de 10", "Siguiente"),
    "/patient/progress": ("Mi progreso", "Todavía no has respondido ningún cuestionario."),
    "/patient/notes": ("Mis notas", "Todavía no hay notas."),
    "/patient/programme": ("Mi programa", "Elige un programa"),
    "/patient/programme/modules/sleep": ("Volver a mi programa", "Fuentes"),
    "/patient/programme/exercises/thought_record": ("Guardar borrador", "Terminar"),
    "/account/mfa": ("Inicio de sesión en dos pasos", "app de autenticación"),
}


@pytest.fixture
def spanish(rt: Runtime, clinic: Clinic) -> Iterator[Visitor]:
    """A patient whose account is in US Spanish, signed in from an English browser."""
    person = accounts.Registration("Lucía", "García", date(1988, 5, 9), care_team_id=clinic.team_a)
    add_account(rt, clinic.admin, "lucia", Role.PATIENT, person, locale="es-US")
    with browser(rt, headers={"accept-language": "en-US,en;q=0.9"}) as v:
        v.sign_in("lucia")
        yield v


@pytest.mark.parametrize("path", list(PAGES))
def test_spanish_patient_reads_every_page_in_spanish(spanish: Visitor, path: str) -> None:
    reply = spanish.get(path)
    assert reply.status_code == 200, reply.text
    for text in (*SPANISH_CHROME, *PAGES[path]):
        assert text in reply.text, text
    for text in ("Sign out", "Need help now?", "Skip to main content"):
        assert text not in reply.text


@pytest.mark.parametrize("path", ["/patient", "/patient/checkin", "/patient/programme"])
def test_english_patient_pages_are_unchanged(visitor: Visitor, path: str) -> None:
    visitor.sign_in("patient.a")
    page = visitor.get(path, headers={"accept-language": "es-ES"}).text  # the account wins
    for text in ENGLISH_CHROME:
        assert text in page
    for text in ("Cerrar sesión", "¿Necesitas ayuda ahora?", "Inicio"):
        assert text not in page


def test_questionnaire_items_stay_in_their_validated_english(spanish: Visitor) -> None:
    """The PHQ-9 wording is licensed, validated text: without an official Spanish version in
    the instrument file, the item is shown in English and marked so for screen readers."""
    page = spanish.get("/patient/questionnaires/phq9").text
    assert '<span class="item-text" lang="en">Little interest or pleasure in doing things' in page


def test_spanish_crisis_page_shows_the_us_spanish_lines(spanish: Visitor) -> None:
    page = spanish.get("/crisis").text
    assert '<html lang="es">' in page and "Volver a Mindway" in page
    assert "988 Línea de Prevención del Suicidio y Crisis" in page
    # 988 answers calls in Spanish on option 2 and texts that say AYUDA (988lifeline.org)
    assert "pulsa 2 para español" in page and "envía AYUDA" in page
    assert 'href="tel:988"' in page and "Llamar al 988" in page
    assert 'href="tel:911"' in page
    assert "Samaritans" not in page and "Back to Mindway" not in page


@pytest.mark.parametrize(
    ("language", "lines", "not_shown"),
    [
        ("es-MX,es;q=0.9", ("988 Línea de Prevención", 'href="tel:911"'), ("tel:112",)),
        ("es-ES", ("024 Línea de atención a la conducta suicida", 'href="tel:112"'), ("988",)),
    ],
)
def test_crisis_page_before_sign_in_follows_a_spanish_browser(
    visitor: Visitor, language: str, lines: tuple[str, ...], not_shown: tuple[str, ...]
) -> None:
    page = visitor.get("/crisis", headers={"accept-language": language}).text
    assert '<html lang="es">' in page and "Volver a Mindway" in page
    for text in lines:
        assert text in page
    for text in not_shown:
        assert text not in page


def test_crisis_first_on_a_spanish_check_in(spanish: Visitor) -> None:
    page = spanish.get("/patient/checkin?help=now").text
    told = page.index("Le avisamos a tu equipo de atención")
    assert page.index('href="tel:988"') > told  # the lines follow the message, before the form
    assert page.index('href="tel:988"') < page.index("Guardar mi registro")
    assert '<p class="lead" lang="es">Gracias por contárnoslo.' in page


def test_sign_in_page_follows_the_browser(visitor: Visitor) -> None:
    spanish = visitor.get("/login", headers={"accept-language": "es-US,es;q=0.9"}).text
    assert '<html lang="es">' in spanish
    assert "Iniciar sesión" in spanish and "¿Olvidaste tu contraseña?" in spanish
    english = visitor.get("/login").text
    assert '<html lang="en">' in english and "Forgot your password?" in english
    assert "Iniciar sesión" not in english


def test_error_page_in_spanish(spanish: Visitor) -> None:
    reply = spanish.get("/patient/questionnaires/no-such-thing")
    assert reply.status_code == 404
    assert "No encontrado" in reply.text and "No encontramos esa página." in reply.text
    assert "Ir a tu página de inicio" in reply.text


def test_staff_pages_stay_english_for_a_spanish_locale(rt: Runtime, clinic: Clinic) -> None:
    add_account(rt, clinic.admin, "dra.ruiz", Role.RESEARCHER, locale="es-ES")
    with browser(rt, headers={"accept-language": "es-ES"}) as v:
        v.sign_in("dra.ruiz")
        page = v.get("/research").text
    assert '<html lang="en">' in page and "Sign out" in page
    assert "Cerrar sesión" not in page


def test_crisis_page_survives_a_missing_catalog(
    visitor: Visitor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Crisis resources are always one tap away: without its catalog the page falls back to
    English words around the Spanish crisis lines, and does not fail."""
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n.translations.cache_clear()
    try:
        reply = visitor.get("/crisis", headers={"accept-language": "es-US"})
    finally:
        i18n.translations.cache_clear()
    assert reply.status_code == 200
    assert '<html lang="en">' in reply.text and "Back to Mindway" in reply.text
    assert "988 Línea de Prevención del Suicidio y Crisis" in reply.text


def test_sign_in_errors_follow_the_browser(rt: Runtime, clinic: Clinic) -> None:
    """A Spanish reader is told in Spanish why sign-in did not work, lockout included."""
    with browser(rt, headers={"accept-language": "es-US,es;q=0.9"}) as v:
        empty = v.post("/login", {"csrf": v.csrf("/login"), "username": ""})
        assert "Escribe tu nombre de usuario y tu contraseña." in empty.text
        wrong = v.sign_in("patient.a", "wrong password, wrong")
        assert "El nombre de usuario y la contraseña no coinciden." in wrong.text
        for _ in range(rt.settings.login_max_failures_account - 1):
            v.sign_in("patient.a", "wrong password, wrong")
        locked = v.sign_in("patient.a")
        assert locked.status_code == 429 and "Demasiados intentos." in locked.text
        assert "minutos." in locked.text and "Too many tries" not in locked.text
