"""Validated questionnaires as data: one YAML file per instrument under ``instruments/``.

Each file holds the items, answer options, scoring method, bands, missing-item rule, item and
score flags, licence note and sources. The files are parsed into the frozen pydantic models
below and checked for consistency (every range covered by the bands, every reference to an
item in range, the declared score range equal to what the options can give) the first time
the catalogue is read; a broken file stops start-up with :class:`InstrumentDefinitionError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Literal, Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from mindway.errors import ConfigurationError, InvalidInput

__all__ = [
    "AnswerOption",
    "Band",
    "ClusterRule",
    "Instrument",
    "InstrumentDefinitionError",
    "Item",
    "RiskLevel",
    "Sex",
    "UnknownInstrument",
    "get_instrument",
    "instrument_ids",
    "load_instruments",
]

RiskLevel = Literal["none", "low", "moderate", "high"]
Sex = Literal["female", "male"]
SexCondition = Literal["female", "male", "unstated"]
LoincCode = str  # e.g. 44249-1; answer codes LA6568-5


class UnknownInstrument(InvalidInput):
    """No instrument has this id (or no band scheme has this name)."""


class InstrumentDefinitionError(ConfigurationError):
    """An instrument file is malformed or inconsistent: Mindway refuses to start with it."""


class _Data(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AnswerOption(_Data):
    value: int
    label: str
    loinc: LoincCode | None = None


class ItemFlag(_Data):
    """A flag raised by one item's answer, whatever the total (e.g. PHQ-9 item 9)."""

    flag: str
    at_least: int


class AskWhen(_Data):
    """Skip logic: the item is asked only when item number ``item`` was answered ``equals``."""

    item: int = Field(ge=1)
    equals: int


class Item(_Data):
    id: str
    text: str
    options: str
    loinc: LoincCode | None = None
    scored: bool = True
    # A blank answer is not "missing": the item does not apply (PHQ-15 item 4, women only).
    optional: bool = False
    # The answer may be left off the end of the list (PHQ-9 difficulty item).
    trailing_optional: bool = False
    ask_when: AskWhen | None = None
    flags: tuple[ItemFlag, ...] = ()

    @property
    def link_id(self) -> str:
        """The FHIR linkId: the LOINC question code where there is one (as the HL7 Personal
        Health Record IG does), Mindway's item id otherwise."""
        return self.loinc or self.id


class Scoring(_Data):
    method: Literal["sum", "risk"]
    multiplier: int = Field(default=1, ge=1)
    minimum: int | None = None
    maximum: int | None = None


class MissingRule(_Data):
    """``prorate``: up to ``max_missing`` items replaced by the mean of the answered ones;
    ``none``: any missing item leaves the instrument unscored."""

    rule: Literal["none", "prorate"]
    max_missing: int = Field(default=0, ge=0)


class Band(_Data):
    label: str
    low: int
    high: int


class BandSchemes(_Data):
    default: str
    schemes: dict[str, tuple[Band, ...]]


class ScoreFlag(_Data):
    """A flag raised by the total within ``at_least``..``at_most`` for the stated sexes."""

    flag: str
    at_least: int | None = None
    at_most: int | None = None
    sex: tuple[SexCondition, ...] = ("female", "male", "unstated")


class Cluster(_Data):
    name: str
    items: tuple[int, ...]
    need: int = Field(ge=1)


class ClusterRule(_Data):
    """A flag raised when every cluster has ``need`` items rated ``item_at_least`` or more."""

    flag: str
    item_at_least: int
    clusters: tuple[Cluster, ...]


class RiskRule(_Data):
    level: RiskLevel
    any_yes: tuple[int, ...]


class Loinc(_Data):
    panel: LoincCode
    total: LoincCode


class Instrument(_Data):
    id: str
    name: str
    title: str
    instructions: str
    licence: str
    sources: tuple[str, ...] = Field(min_length=1)
    loinc: Loinc | None = None
    option_sets: dict[str, tuple[AnswerOption, ...]]
    items: tuple[Item, ...] = Field(min_length=1)
    scoring: Scoring
    missing: MissingRule
    bands: BandSchemes | None = None
    score_flags: tuple[ScoreFlag, ...] = ()
    cluster_rules: tuple[ClusterRule, ...] = ()
    risk_rules: tuple[RiskRule, ...] = ()

    def options(self, item: Item) -> tuple[AnswerOption, ...]:
        return self.option_sets[item.options]

    def item_range(self, item: Item) -> tuple[int, int]:
        values = [option.value for option in self.options(item)]
        return min(values), max(values)

    @property
    def answer_counts(self) -> tuple[int, int]:
        """How many answers the instrument takes: (fewest, most)."""
        omissible = sum(1 for item in self.items if item.trailing_optional)
        return len(self.items) - omissible, len(self.items)

    def band_scheme(self, name: str | None = None) -> tuple[str, tuple[Band, ...]] | None:
        """The named band scheme (the default when ``name`` is None); None if unbanded."""
        if self.bands is None:
            if name is not None:
                raise UnknownInstrument(f"{self.id} has no severity bands, so no scheme {name!r}")
            return None
        chosen = name or self.bands.default
        if chosen not in self.bands.schemes:
            known = ", ".join(sorted(self.bands.schemes))
            raise UnknownInstrument(f"{self.id} has no band scheme {chosen!r} (known: {known})")
        return chosen, self.bands.schemes[chosen]

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        _check_items(self)
        _check_score_range(self)
        _check_bands(self)
        _check_rules(self)
        return self


def _check_items(instrument: Instrument) -> None:
    ids = [item.id for item in instrument.items]
    if len(set(ids)) != len(ids):
        raise ValueError("item ids must be unique")
    trailing = [item.trailing_optional for item in instrument.items]
    if any(trailing) and trailing != sorted(trailing):
        raise ValueError("only the last items may be trailing_optional")
    for number, item in enumerate(instrument.items, start=1):
        if item.options not in instrument.option_sets:
            raise ValueError(f"item {number} uses unknown option set {item.options!r}")
        if item.ask_when is not None and item.ask_when.item >= number:
            raise ValueError(f"item {number} may only depend on an earlier item")
    for name, options in instrument.option_sets.items():
        values = [option.value for option in options]
        if not values or len(set(values)) != len(values):
            raise ValueError(f"option set {name!r} needs distinct values")


def _check_score_range(instrument: Instrument) -> None:
    scoring = instrument.scoring
    if scoring.method == "risk":
        if not instrument.risk_rules:
            raise ValueError("a risk instrument needs risk_rules")
        return
    scored = [item for item in instrument.items if item.scored]
    low = sum(0 if item.optional else instrument.item_range(item)[0] for item in scored)
    high = sum(instrument.item_range(item)[1] for item in scored)
    expected = (low * scoring.multiplier, high * scoring.multiplier)
    if (scoring.minimum, scoring.maximum) != expected:
        raise ValueError(f"declared score range differs from the items' range {expected}")


def _check_bands(instrument: Instrument) -> None:
    if instrument.bands is None:
        return
    if instrument.bands.default not in instrument.bands.schemes:
        raise ValueError("the default band scheme must be one of the schemes")
    low, high = instrument.scoring.minimum, instrument.scoring.maximum
    if low is None or high is None:
        raise ValueError("bands need a summed score with a declared range")
    for name, bands in instrument.bands.schemes.items():
        edge = low
        for band in bands:
            if band.low != edge or band.high < band.low:
                raise ValueError(f"band scheme {name!r} must cover the range without gaps")
            edge = band.high + 1
        if edge - 1 != high:
            raise ValueError(f"band scheme {name!r} must end at the maximum score")


def _check_rules(instrument: Instrument) -> None:
    count = len(instrument.items)
    numbers = [n for rule in instrument.risk_rules for n in rule.any_yes]
    numbers += [n for rule in instrument.cluster_rules for c in rule.clusters for n in c.items]
    if any(not 1 <= n <= count for n in numbers):
        raise ValueError("a rule refers to an item number out of range")
    for rule in instrument.cluster_rules:
        if any(cluster.need > len(cluster.items) for cluster in rule.clusters):
            raise ValueError(f"a cluster of {rule.flag!r} needs more items than it has")


@cache
def load_instruments() -> Mapping[str, Instrument]:
    """Every instrument file, parsed and validated once per process."""
    folder = resources.files("mindway.clinical").joinpath("instruments")
    catalogue: dict[str, Instrument] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yaml"):
            continue
        instrument = _parse(entry.name, entry.read_text(encoding="utf-8"))
        if f"{instrument.id}.yaml" != entry.name:
            raise InstrumentDefinitionError(f"{entry.name}: id {instrument.id!r} != file name")
        catalogue[instrument.id] = instrument
    return catalogue


def _parse(name: str, text: str) -> Instrument:
    try:
        return Instrument.model_validate(yaml.safe_load(text))
    except (yaml.YAMLError, ValidationError) as exc:
        first = str(exc).strip().splitlines()
        raise InstrumentDefinitionError(f"{name}: {' '.join(first[:3])}") from exc


def instrument_ids() -> tuple[str, ...]:
    return tuple(load_instruments())


def get_instrument(instrument_id: str) -> Instrument:
    """The instrument with this id (case-insensitive), or :class:`UnknownInstrument`."""
    catalogue = load_instruments()
    found = catalogue.get(instrument_id.strip().lower())
    if found is None:
        known = ", ".join(catalogue)
        raise UnknownInstrument(f"unknown instrument {instrument_id!r} (known: {known})")
    return found
