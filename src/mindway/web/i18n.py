"""The patient app's languages: gettext catalogs through Babel, chosen for each page.

The Spanish catalog (``locale/es/LC_MESSAGES/messages.po``) is the source: it is compiled in
memory the first time a page needs it (no generated ``.mo`` file), once per process. A page
is in the signed-in patient's language (es-US and es-ES accounts read Spanish); before
sign-in it follows the browser's Accept-Language (RFC 9110 12.5.4); otherwise English.
Clinician, admin and research pages are English only for now.

Templates use Jinja2's ``i18n`` extension (``{% trans %}`` and ``_()``); Python page modules
mark their words with ``N_`` (translated where the template shows them) or ``lazy_gettext``
(translated when the page is drawn). The language of the page being drawn lives in a
context variable, so one shared template environment serves every language.
"""

from __future__ import annotations

import gettext as gettext_module
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any

from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import LazyProxy, Translations

from mindway.security.policy import Role

if TYPE_CHECKING:
    from mindway.services import auth

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "LOCALE_DIR",
    "N_",
    "active_language",
    "day",
    "gettext",
    "language_of",
    "lazy_gettext",
    "negotiate_language",
    "ngettext",
    "page_language",
    "translations",
    "use_language",
    "when",
]

log = logging.getLogger("mindway.web")
LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
DEFAULT_LANGUAGE = "en"
LANGUAGES = ("en", "es")  # the source language first, then each catalog under LOCALE_DIR

_translations: ContextVar[gettext_module.NullTranslations | None] = ContextVar(
    "mindway_translations", default=None
)
_language: ContextVar[str] = ContextVar("mindway_language", default=DEFAULT_LANGUAGE)


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark, translate later"
    """Mark a string for the catalog; the template translates it where it is shown."""
    return message


@cache
def translations(language: str) -> gettext_module.NullTranslations:
    """The language's catalog, compiled from its .po file in memory once per process."""
    if language == DEFAULT_LANGUAGE:
        return gettext_module.NullTranslations()
    if language not in LANGUAGES:
        raise ValueError(f"no catalog for language {language!r}")
    po_path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    with po_path.open("rb") as po:
        catalog = read_po(po, locale=language, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def active_language() -> str:
    return _language.get()


def _active() -> gettext_module.NullTranslations:
    return _translations.get() or translations(DEFAULT_LANGUAGE)


def gettext(message: str) -> str:
    """The message in the language of the page being drawn (unknown text comes back as is;
    the empty string stays empty rather than becoming the catalog header)."""
    text = str(message)
    return _active().gettext(text) if text else text


def ngettext(singular: str, plural: str, n: int) -> str:
    return _active().ngettext(singular, plural, n)


def lazy_gettext(message: str, **values: Any) -> LazyProxy:
    """Translated (and filled in with ``values``) only when the page is drawn."""

    def text() -> str:
        translated = gettext(message)
        return translated % values if values else translated

    return LazyProxy(text, enable_cache=False)


@contextmanager
def use_language(language: str) -> Iterator[None]:
    """Draw what happens inside in ``language``. A catalog that cannot be read leaves the
    page in English rather than failing it: the crisis page must always render."""
    try:
        catalog = translations(language)
    except Exception:
        log.exception("could not load the %s catalog; drawing the page in English", language)
        language, catalog = DEFAULT_LANGUAGE, translations(DEFAULT_LANGUAGE)
    lang_token = _language.set(language)
    token = _translations.set(catalog)
    try:
        yield
    finally:
        _translations.reset(token)
        _language.reset(lang_token)


def language_of(locale: str) -> str:
    """The catalog language for an account locale: es-US and es-ES read Spanish."""
    language = locale.split("-")[0].lower()
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def preferred_tags(header: str) -> list[str]:
    """Language tags from Accept-Language, best first (RFC 9110 12.5.4 quality values)."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        tag = tag.strip()
        if tag and tag != "*" and quality > 0 and len(tag) <= 35:
            ranked.append((-quality, position, tag))
    return [tag for _, _, tag in sorted(ranked)]


def negotiate_language(header: str) -> str:
    """The first language of the browser's list that has a catalog, else English."""
    for tag in preferred_tags(header):
        language = tag.split("-")[0].lower()
        if language in LANGUAGES:
            return language
    return DEFAULT_LANGUAGE


def page_language(info: auth.SessionInfo | None, accept_language: str) -> str:
    """A patient's account locale; before sign-in the browser's; staff pages stay English
    (their screens are not translated yet)."""
    if info is None:
        return negotiate_language(accept_language)
    if info.actor.role is Role.PATIENT:
        return language_of(info.locale)
    return DEFAULT_LANGUAGE


def when(value: datetime | None) -> str:
    """A moment in UTC, as the page's language writes dates ("27 Nov 2026, 20:44 UTC")."""
    if value is None:
        return ""
    language = active_language()
    if language == DEFAULT_LANGUAGE:
        return value.strftime("%d %b %Y, %H:%M UTC")
    return format_datetime(value, "d MMM y, HH:mm 'UTC'", locale=language)


def day(value: date | None) -> str:
    """A calendar day as the page's language writes it ("27 nov 2026" in Spanish)."""
    if value is None:
        return ""
    language = active_language()
    if language == DEFAULT_LANGUAGE:
        return value.strftime("%d %b %Y")
    return format_date(value, "d MMM y", locale=language)
