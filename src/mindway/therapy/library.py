"""The CBT content library: psychoeducation and skill modules as Markdown with YAML front matter.

Content is data, not code (DESIGN.md): one file per module under
``content/<locale>/<kind>/<id>.md``, where ``kind`` is ``psychoeducation`` or ``skills``. The
front matter carries the id, title, version, locale, topics, sources and related modules; the
body is split at its ``##`` headings into :class:`Section` passages, each written to stand
alone, so the chat companion can retrieve one and name the module it came from.

A translation may cover only some modules: :func:`load_library` falls back to the English
module, one module at a time. A malformed file stops loading with :class:`ContentError`, which
names the file and the problem.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Literal, Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from mindway.errors import ConfigurationError, NotFound

__all__ = [
    "CONTENT_ROOT",
    "DEFAULT_LOCALE",
    "ContentError",
    "Kind",
    "Library",
    "Module",
    "ModuleMeta",
    "Section",
    "Topic",
    "UnknownModule",
    "load_library",
    "load_library_from",
    "module_links",
    "read_module",
]

Kind = Literal["psychoeducation", "skill"]
Topic = Literal["depression", "anxiety", "sleep", "stress", "panic", "worry", "trauma", "general"]

CONTENT_ROOT = Path(__file__).parent / "content"
DEFAULT_LOCALE = "en"
KIND_FOLDERS: Mapping[str, Kind] = {"psychoeducation": "psychoeducation", "skills": "skill"}

_FRONT_MATTER = re.compile(r"\A---\n(?P<meta>.*?)\n---\n(?P<body>.*)\Z", re.DOTALL)
_MODULE_LINK = re.compile(r"\[(?P<text>[^\]]+)\]\(module:(?P<id>[a-z0-9_]+)\)")
_LINK = re.compile(r"\[(?P<text>[^\]]+)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__|\*|`)")
_LIST_MARKER = re.compile(r"^\s*(?:[-*+]|\d+\.)\s+", re.MULTILINE)


class ContentError(ConfigurationError):
    """A content file is malformed (front matter, kind, id or links): loading refuses it."""


class UnknownModule(NotFound):
    """No module in the library has this id."""


class _Data(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ModuleMeta(_Data):
    """The YAML front matter of one module."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str = Field(min_length=1)
    kind: Kind
    version: int = Field(ge=1)
    locale: str = Field(pattern=r"^[a-z]{2}(-[A-Z]{2})?$")
    summary: str = Field(min_length=1)
    minutes: int = Field(ge=1, le=60)
    topics: tuple[Topic, ...] = Field(min_length=1)
    sources: tuple[str, ...] = Field(min_length=1)
    related: tuple[str, ...] = ()
    exercise: str | None = None

    @model_validator(mode="after")
    def _exercise_for_skills(self) -> Self:
        if self.kind == "skill" and self.exercise is None:
            raise ValueError("a skill module needs an 'exercise' id")
        if self.kind == "psychoeducation" and self.exercise is not None:
            raise ValueError("a psychoeducation module has no 'exercise'")
        if self.id in self.related:
            raise ValueError("a module cannot be related to itself")
        return self


class Section(_Data):
    """One ``##`` section of a module: the unit the chat retrieves and cites."""

    module_id: str
    heading: str
    text: str

    @property
    def words(self) -> int:
        return len(self.text.split())


class Module(_Data):
    meta: ModuleMeta
    body: str
    sections: tuple[Section, ...]

    @property
    def id(self) -> str:
        return self.meta.id

    def plain_text(self) -> str:
        """The body as prose (headings as sentences), e.g. for a readability test."""
        return "\n".join(f"{s.heading}. {s.text}" for s in self.sections)


class Library(_Data):
    locale: str
    modules: dict[str, Module]

    def get(self, module_id: str) -> Module:
        try:
            return self.modules[module_id]
        except KeyError:
            raise UnknownModule(f"no content module {module_id!r}") from None

    def by_kind(self, kind: Kind) -> tuple[Module, ...]:
        return tuple(m for m in self.modules.values() if m.meta.kind == kind)

    def passages(self) -> list[Section]:
        return [s for m in self.modules.values() for s in m.sections]


def module_links(body: str) -> tuple[str, ...]:
    """The module ids a body links to with ``[text](module:id)``."""
    return tuple(m["id"] for m in _MODULE_LINK.finditer(body))


def _plain(markdown: str) -> str:
    """Strip Markdown minimally: links keep their text, emphasis and list markers go."""
    text = _LINK.sub(lambda m: m["text"], markdown)
    text = _LIST_MARKER.sub("", text)
    text = _EMPHASIS.sub("", text)
    return " ".join(text.split())


def _sections(module_id: str, body: str, path: Path) -> tuple[Section, ...]:
    parts = re.split(r"^## +(.+)$", body, flags=re.MULTILINE)
    if parts[0].strip():
        raise ContentError(f"{path}: text before the first '## ' heading")
    pairs = zip(parts[1::2], parts[2::2], strict=True)
    sections = tuple(
        Section(module_id=module_id, heading=h.strip(), text=_plain(t)) for h, t in pairs
    )
    if not sections:
        raise ContentError(f"{path}: the body has no '## ' sections")
    return sections


def _front_matter(path: Path) -> tuple[dict[str, object], str]:
    match = _FRONT_MATTER.match(path.read_text(encoding="utf-8"))
    if match is None:
        raise ContentError(f"{path}: no YAML front matter between '---' lines")
    try:
        meta = yaml.safe_load(match["meta"])
    except yaml.YAMLError as exc:
        raise ContentError(f"{path}: front matter is not valid YAML: {exc}") from exc
    if not isinstance(meta, dict):
        raise ContentError(f"{path}: front matter is not a mapping")
    return meta, match["body"]


def read_module(path: Path, kind: Kind, locale: str) -> Module:
    """Parse one module file and check it against its place in the tree."""
    raw, body = _front_matter(path)
    try:
        meta = ModuleMeta.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'front matter'}: {e['msg']}" for e in exc.errors()
        )
        raise ContentError(f"{path}: {problems}") from exc
    if meta.id != path.stem:
        raise ContentError(f"{path}: id {meta.id!r} differs from the file name {path.stem!r}")
    if meta.kind != kind:
        raise ContentError(f"{path}: kind {meta.kind!r} but the file is in a {kind} folder")
    if meta.locale != locale:
        raise ContentError(f"{path}: locale {meta.locale!r} but the file is under {locale!r}")
    return Module(meta=meta, body=body, sections=_sections(meta.id, body, path))


def _read_locale(root: Path, locale: str) -> dict[str, tuple[Path, Module]]:
    found: dict[str, tuple[Path, Module]] = {}
    for folder, kind in KIND_FOLDERS.items():
        for path in sorted((root / locale / folder).glob("*.md")):
            module = read_module(path, kind, locale)
            if module.id in found:
                raise ContentError(f"{path}: id {module.id!r} also in {found[module.id][0]}")
            found[module.id] = (path, module)
    return found


def _check_references(modules: Iterable[tuple[Path, Module]], ids: set[str]) -> None:
    for path, module in modules:
        for ref in (*module.meta.related, *module_links(module.body)):
            if ref not in ids:
                raise ContentError(f"{path}: related or linked module {ref!r} does not exist")


def load_library_from(root: Path, locale: str = DEFAULT_LOCALE) -> Library:
    """Load ``root/<locale>/`` over ``root/en/``, module by module, and check every reference."""
    merged = _read_locale(root, DEFAULT_LOCALE)
    if locale != DEFAULT_LOCALE:
        translated = _read_locale(root, locale)
        extra = sorted(set(translated) - set(merged))
        if extra:
            path = translated[extra[0]][0]
            raise ContentError(f"{path}: module {extra[0]!r} has no {DEFAULT_LOCALE} original")
        merged.update(translated)
    _check_references(merged.values(), set(merged))
    return Library(locale=locale, modules={i: merged[i][1] for i in sorted(merged)})


@cache
def load_library(locale: str = DEFAULT_LOCALE) -> Library:
    """The packaged library for ``locale`` (read once per locale, then cached)."""
    return load_library_from(CONTENT_ROOT, locale)
