"""Form fields read by hand, so that bad input becomes a message on the form, never a 500.

FastAPI's ``Form()`` parameters would answer malformed input with problem JSON; pages need to
show the person what to fix instead, and change nothing.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import date

from starlette.datastructures import FormData

from mindway.errors import InvalidInput

# C0 control characters other than tab, newline and carriage return: PostgreSQL refuses NUL,
# and none of them belongs in a name, a note or a reason.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Form:
    """The text fields of one submitted form (files are ignored; none of our forms take them)."""

    values: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_form_data(cls, data: FormData) -> Form:
        values: dict[str, str] = {}
        for name, value in data.multi_items():
            if isinstance(value, str) and name not in values:
                values[name] = value
        return cls(values)

    def text(self, name: str, *, max_chars: int = 200, strip: bool = True) -> str:
        value = self.values.get(name, "")
        value = value.strip() if strip else value
        if CONTROL.search(value):
            raise InvalidInput(f"{name.replace('_', ' ')} contains characters that are not allowed")
        if len(value) > max_chars:
            raise InvalidInput(f"{name.replace('_', ' ')} may have at most {max_chars} characters")
        return value

    def optional(self, name: str, *, max_chars: int = 200) -> str | None:
        return self.text(name, max_chars=max_chars) or None

    def uuid(self, name: str, label: str) -> uuid.UUID:
        return parse_uuid(self.text(name, max_chars=64), label)

    def date(self, name: str, label: str) -> date:
        return parse_date(self.text(name, max_chars=32), label)

    def flag(self, name: str) -> bool:
        """A yes/no choice sent by a button; anything but ``yes`` or ``no`` is refused."""
        value = self.text(name, max_chars=8)
        if value not in ("yes", "no"):
            raise InvalidInput(f"{name.replace('_', ' ')} must be yes or no")
        return value == "yes"


def parse_uuid(text: str, label: str) -> uuid.UUID:
    try:
        return uuid.UUID(text.strip())
    except ValueError as exc:
        message = f"{label} must be an ID like 1b4e28ba-2fa1-11d2-883f-0016d3cca427"
        raise InvalidInput(message) from exc


def parse_date(text: str, label: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise InvalidInput(f"{label} must be a date like 1990-05-31") from exc
