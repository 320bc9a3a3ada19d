"""A small clinic for tests: two care teams, their clinicians and patients, an admin and a
researcher. Built through the services, as an admin would build it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date

from mindway.security.policy import OPERATOR, Actor, Role
from mindway.services import accounts
from mindway.services.runtime import Runtime

PASSWORD = "correct horse battery staple"


@dataclass
class Clinic:
    admin: Actor
    researcher: Actor
    clinician_a: Actor
    clinician_b: Actor
    patient_a: Actor
    patient_b: Actor
    team_a: uuid.UUID
    team_b: uuid.UUID
    usernames: dict[str, str] = field(default_factory=dict)

    @property
    def patient_a_id(self) -> uuid.UUID:
        """Patient A's record (a patient account always has one)."""
        assert self.patient_a.patient_id is not None
        return self.patient_a.patient_id

    @property
    def patient_b_id(self) -> uuid.UUID:
        assert self.patient_b.patient_id is not None
        return self.patient_b.patient_id


def add_account(
    rt: Runtime,
    admin: Actor,
    username: str,
    role: Role,
    registration: accounts.Registration | None = None,
    *,
    locale: str = "en-US",
) -> Actor:
    """One more account, created by ``admin`` with the shared test password."""
    created = accounts.create_account(
        rt,
        admin,
        username=username,
        # A patient's account carries their real name, as a clinic would enter it: the
        # no-plaintext test then proves that account names are sealed too.
        display_name=(
            f"{registration.given_name} {registration.family_name}"
            if registration
            else username.title()
        ),
        role=role,
        password=PASSWORD,
        locale=locale,
        registration=registration,
    )
    return Actor(role=role, account_id=created.id, patient_id=created.patient_id)


def build_clinic(rt: Runtime) -> Clinic:
    created = accounts.bootstrap_admin(rt, "admin", "Admin", PASSWORD)
    admin = Actor(role=Role.ADMIN, account_id=created.id)
    team_a = accounts.create_team(rt, admin, "Team A").id
    team_b = accounts.create_team(rt, admin, "Team B").id
    clinician_a = add_account(rt, admin, "clinician.a", Role.CLINICIAN)
    clinician_b = add_account(rt, admin, "clinician.b", Role.CLINICIAN)
    patient_a = add_account(
        rt,
        admin,
        "patient.a",
        Role.PATIENT,
        accounts.Registration("Alice", "Archer", date(1985, 3, 14), "female", "White", team_a),
    )
    patient_b = add_account(
        rt,
        admin,
        "patient.b",
        Role.PATIENT,
        accounts.Registration("Bob", "Baker", date(1992, 7, 1), "male", "Black", team_b),
    )
    researcher = add_account(rt, admin, "researcher", Role.RESEARCHER)
    for clinician, team in ((clinician_a, team_a), (clinician_b, team_b)):
        assert clinician.account_id is not None
        accounts.set_membership(rt, admin, team, clinician.account_id, True)
    return Clinic(
        admin,
        researcher,
        clinician_a,
        clinician_b,
        patient_a,
        patient_b,
        team_a,
        team_b,
        {
            "admin": "admin",
            "clinician_a": "clinician.a",
            "clinician_b": "clinician.b",
            "patient_a": "patient.a",
            "patient_b": "patient.b",
            "researcher": "researcher",
        },
    )


__all__ = ["OPERATOR", "PASSWORD", "Clinic", "add_account", "build_clinic"]
