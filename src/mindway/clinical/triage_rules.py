"""The stepped-care rule table (``data/stepped_care.yaml``) and its small condition language.

A rule is data: an id, a condition over the triage inputs, an effect (a minimum step, an urgent
review, option changes), a reason in plain words and its sources. Conditions are field/op/value
tests joined by ``all``/``any``; there is no ``eval`` and no negation, and a test on an unknown
value is false (only ``is_missing`` looks at unknowns). The engine in
:mod:`mindway.clinical.triage` fires every rule that holds and takes the highest step, so adding
a rule can only escalate.

The table is checked against the input fields when it is loaded (pydantic validation context
``fields``/``names``): unknown fields, operators or values, duplicate ids, uncited rules, and
rules that would let a preference soften risk, are refused at start-up.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Annotated, Literal, Self

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StrictInt,
    StrictStr,
    Tag,
    ValidationInfo,
    model_validator,
)

StepNumber = Literal[1, 2, 3, 4]
FieldKind = Literal["number", "flag", "choice", "set", "text"]
Op = Literal[">=", ">", "<=", "<", "==", "in", "contains", "is_true", "is_known", "is_missing"]
OptionTag = Literal["self_guided", "guided", "group", "therapy", "medication", "specialist"]

OPS_BY_KIND: dict[FieldKind, frozenset[str]] = {
    "number": frozenset({">=", ">", "<=", "<", "==", "is_known", "is_missing"}),
    "flag": frozenset({"is_true"}),
    "choice": frozenset({"==", "in", "is_known", "is_missing"}),
    "set": frozenset({"contains"}),
    "text": frozenset({"is_known", "is_missing"}),
}
VALUELESS_OPS = frozenset({"is_true", "is_known", "is_missing"})
_COMPARE: dict[str, Callable[[int, int], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "==": operator.eq,
}


@dataclass(frozen=True)
class FieldSpec:
    """What a rule may ask of one input field; ``risk`` fields can never be softened."""

    kind: FieldKind
    values: tuple[str, ...] = ()
    risk: bool = False


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _context(info: ValidationInfo) -> tuple[Mapping[str, FieldSpec], frozenset[str]]:
    context = info.context
    if not isinstance(context, dict) or "fields" not in context:
        raise ValueError("the rule table must be validated against the triage input fields")
    return context["fields"], frozenset(context.get("names", ()))


class FieldTest(_Frozen):
    """One test, e.g. ``{field: phq9_total, op: ">=", value: 16}``."""

    field: str
    op: Op
    value: StrictInt | StrictStr | tuple[StrictStr, ...] | None = None

    @model_validator(mode="after")
    def _fits_the_field(self, info: ValidationInfo) -> Self:
        fields, _ = _context(info)
        spec = fields.get(self.field)
        if spec is None:
            raise ValueError(f"unknown field {self.field!r}")
        if self.op not in OPS_BY_KIND[spec.kind]:
            raise ValueError(f"{self.op!r} does not apply to {spec.kind} field {self.field!r}")
        if (self.value is None) != (self.op in VALUELESS_OPS):
            raise ValueError(f"{self.field} {self.op}: value must be given exactly when needed")
        if spec.kind == "number" and self.op in _COMPARE and not isinstance(self.value, int):
            raise ValueError(f"{self.field} {self.op} needs a whole number")
        wanted = self.value if isinstance(self.value, tuple) else (self.value,)
        if spec.values and self.value is not None and not all(v in spec.values for v in wanted):
            raise ValueError(f"{self.field}: {self.value!r} is not one of {spec.values}")
        if self.op == "in" and not isinstance(self.value, tuple):
            raise ValueError(f"{self.field} in: value must be a list")
        return self

    def holds(self, facts: Mapping[str, object]) -> bool:
        actual = facts[self.field]
        if self.op == "is_missing":
            return actual is None
        if actual is None:
            return False
        if self.op == "is_known":
            return True
        if self.op == "is_true":
            return actual is True
        if self.op == "contains":
            return isinstance(actual, frozenset) and self.value in actual
        if self.op == "in":
            return isinstance(self.value, tuple) and actual in self.value
        if isinstance(actual, int) and isinstance(self.value, int):
            return _COMPARE[self.op](actual, self.value)
        return self.op == "==" and actual == self.value

    def tests(self) -> Iterator[FieldTest]:
        yield self


class Group(_Frozen):
    """``{all: [...]}``: every condition holds; ``{any: [...]}``: at least one does."""

    all_: tuple[Condition, ...] | None = Field(default=None, alias="all", min_length=1)
    any_: tuple[Condition, ...] | None = Field(default=None, alias="any", min_length=1)

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        if (self.all_ is None) == (self.any_ is None):
            raise ValueError("a group is either 'all' or 'any'")
        return self

    @property
    def parts(self) -> tuple[Condition, ...]:
        return self.all_ or self.any_ or ()

    def holds(self, facts: Mapping[str, object]) -> bool:
        verdicts = (c.holds(facts) for c in self.parts)
        return all(verdicts) if self.all_ else any(verdicts)

    def tests(self) -> Iterator[FieldTest]:
        for condition in self.parts:
            yield from condition.tests()


def _condition_kind(raw: object) -> str:
    keys = raw.keys() if isinstance(raw, dict) else getattr(raw, "__dict__", {}).keys()
    return "group" if {"all", "any", "all_", "any_"} & keys else "test"


Condition = Annotated[
    Annotated[FieldTest, Tag("test")] | Annotated[Group, Tag("group")],
    Discriminator(_condition_kind),
]


class PreferenceChoice(_Frozen):
    """A lower step the person may choose instead, where NICE lists it among this step's options."""

    preference: str
    step: StepNumber
    reason: str
    sources: tuple[str, ...] = Field(min_length=1)


class Rule(_Frozen):
    id: str = Field(pattern=r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$")
    when: Condition
    step: StepNumber = 1
    urgent_review: bool = False
    reason: str = Field(min_length=1)
    sources: tuple[str, ...] = Field(min_length=1)
    add_options: tuple[str, ...] = ()
    remove_option_tags: tuple[OptionTag, ...] = ()
    prefer_option_tags: tuple[OptionTag, ...] = ()
    by_preference: PreferenceChoice | None = None

    @model_validator(mode="after")
    def _escalates_safely(self, info: ValidationInfo) -> Self:
        fields, names = _context(info)
        tested = list(self.when.tests())
        if any(t.op == "is_missing" for t in tested) and (self.step > 1 or self.urgent_review):
            # An unknown may add a note; it never routes, so knowing "none" cannot lower a step.
            raise ValueError(f"{self.id}: a rule on missing data may only add a reason")
        for text in (self.reason, self.by_preference.reason if self.by_preference else ""):
            unknown = set(Template(text).get_identifiers()) - names
            if unknown or not Template(text).is_valid():
                raise ValueError(f"{self.id}: reason uses unknown names {sorted(unknown)}")
        choice = self.by_preference
        if choice is None:
            return self
        if choice.step >= self.step:
            raise ValueError(f"{self.id}: a preference may only choose a lower step")
        if self.urgent_review or any(fields[t.field].risk for t in tested):
            raise ValueError(f"{self.id}: a preference never softens what risk requires")
        if choice.preference not in fields["preferences"].values:
            raise ValueError(f"{self.id}: unknown preference {choice.preference!r}")
        return self


class Option(_Frozen):
    """A NICE-listed treatment option; ``steps`` limits where a rule-added option is shown."""

    text: str = Field(min_length=1)
    tags: frozenset[OptionTag]
    sources: tuple[str, ...] = Field(min_length=1)
    steps: tuple[StepNumber, ...] = ()


class StepSpec(_Frozen):
    step: StepNumber
    name: str
    options: tuple[str, ...] = Field(min_length=1)


class ExpectedInput(_Frozen):
    """Inputs a routing should rest on; reported as missing when all of ``fields`` are unknown."""

    fields: tuple[str, ...] = Field(min_length=1)
    label: str


class DefaultReason(_Frozen):
    id: str
    text: str
    sources: tuple[str, ...] = Field(min_length=1)


class SteppedCareTable(_Frozen):
    version: str
    advisory: str
    references: dict[str, str] = Field(min_length=1)
    steps: tuple[StepSpec, ...]
    options: dict[str, Option]
    expected_inputs: tuple[ExpectedInput, ...]
    default_reason: DefaultReason
    rules: tuple[Rule, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> Self:
        fields, _ = _context(info)
        if [s.step for s in self.steps] != [1, 2, 3, 4]:
            raise ValueError("steps must be listed once each, 1 to 4")
        ids = [r.id for r in self.rules] + [self.default_reason.id]
        if len(ids) != len(set(ids)):
            twice = sorted({i for i in ids if ids.count(i) > 1})
            raise ValueError(f"rule ids must be unique: {twice}")
        for spec in self.steps:
            if all("medication" in self.option(o).tags for o in spec.options):
                raise ValueError(f"step {spec.step} needs an option without medication")
        for rule in self.rules:
            for option_id in rule.add_options:
                self.option(option_id)
        for expected in self.expected_inputs:
            if unknown := set(expected.fields) - set(fields):
                raise ValueError(f"expected input {expected.label!r}: unknown {sorted(unknown)}")
        for source in self._all_sources():
            if not any(source == key or source.startswith(key + " ") for key in self.references):
                raise ValueError(f"source {source!r} cites no listed reference")
        return self

    def option(self, option_id: str) -> Option:
        if option_id not in self.options:
            raise ValueError(f"unknown option {option_id!r}")
        return self.options[option_id]

    def step_spec(self, step: int) -> StepSpec:
        return self.steps[step - 1]

    def _all_sources(self) -> Iterator[str]:
        yield from self.default_reason.sources
        for option in self.options.values():
            yield from option.sources
        for rule in self.rules:
            yield from rule.sources
            if rule.by_preference:
                yield from rule.by_preference.sources


Group.model_rebuild()
Rule.model_rebuild()


def load_table(
    path: Path, fields: Mapping[str, FieldSpec], names: frozenset[str]
) -> SteppedCareTable:
    """Read and validate a rule table; ``names`` are the placeholders reasons may use."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return SteppedCareTable.model_validate(raw, context={"fields": fields, "names": names})
