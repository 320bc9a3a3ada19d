"""Text no database column can hold (NUL) is refused by the services themselves, so that the
web forms and the command line get a clear answer instead of a database error."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from mindway.errors import AuthenticationError, InvalidInput, MindwayError
from mindway.services import accounts, auth
from mindway.services.runtime import Runtime
from tests.clinic import PASSWORD, Clinic
from tests.services.audit_trail import table_counts

Call = Callable[[Runtime, Clinic], object]


def _login(rt: Runtime, _clinic: Clinic) -> object:
    return auth.login(rt, "admin\x00", PASSWORD, "192.0.2.1")


def _display_name(rt: Runtime, clinic: Clinic) -> object:
    return accounts.create_account(
        rt,
        clinic.admin,
        username="ann",
        display_name="Ann\x00",
        role="researcher",
        password=PASSWORD,
    )


def _team(rt: Runtime, clinic: Clinic) -> object:
    return accounts.create_team(rt, clinic.admin, "Team\x00Z")


@pytest.mark.parametrize(
    ("call", "error"),
    [(_login, AuthenticationError), (_display_name, InvalidInput), (_team, InvalidInput)],
    ids=["login", "display-name", "care-team"],
)
def test_nul_characters_are_refused(
    rt: Runtime, clinic: Clinic, call: Call, error: type[MindwayError]
) -> None:
    counts = table_counts(rt)
    with pytest.raises(error):
        call(rt, clinic)
    assert table_counts(rt) == counts
