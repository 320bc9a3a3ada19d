"""The demo clinic: made-up staff, care teams and patients with months of history.

It lets anyone try Mindway (``make run``) and gives the browser tests people to sign in as.
Every person is synthetic and the logins are printed in the clear, so a demo store must
never hold real patients. Seeding is one operator action: one transaction and one audit
event (``demo.seed``), with every field sealed through the :class:`Vault` as in real use.
"""

from __future__ import annotations

import logging
import random
import secrets
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from mindway.content.loader import consent_policies
from mindway.errors import Conflict, InvalidInput
from mindway.security import passwords
from mindway.security.policy import OPERATOR, Role
from mindway.services import demo_measures
from mindway.services.accounts import Registration, register_patient
from mindway.services.demo_history import Contact, Course, Person
from mindway.services.names import set_name
from mindway.services.patients import validate_note
from mindway.services.runtime import Runtime, UseCase
from mindway.store.models import Account, CareTeam, CareTeamClinician, ClinicalNote, Consent

__all__ = [
    "DEMO_LOGINS",
    "DEMO_URL",
    "draw_people",
    "has_demo_clinic",
    "print_logins",
    "seed",
    "store_is_empty",
]

log = logging.getLogger("mindway.demo")

DEMO_URL = "http://127.0.0.1:8000"
DEMO_LOGINS: dict[str, tuple[str, str]] = {
    "admin": ("admin@demo.mindway", "mindway-admin-demo"),
    "clinician": ("clinician@demo.mindway", "mindway-clinician-demo"),
    "patient": ("patient@demo.mindway", "mindway-patient-demo"),
    "researcher": ("researcher@demo.mindway", "mindway-researcher-demo"),
}
TEAMS = ("Adult Mood and Anxiety Team", "Primary Care Liaison Team", "Young Adults Team")
OPTIONAL_CONSENTS = {"research": 0.45, "ai_features": 0.55}  # share of patients who agree
WITHDRAWAL_RATE = 0.2  # of those who agreed, share who later change their mind
DISCHARGE_RATE = 0.3
RISK_ALERTS = 2  # patients outside the demo clinician's team with an open risk alert


@dataclass(frozen=True)
class StaffMember:
    """A member of staff; ``login`` names their entry in :data:`DEMO_LOGINS`, if any."""

    username: str
    display_name: str
    role: Role
    teams: tuple[int, ...] = ()
    login: str | None = None


STAFF = (
    StaffMember(DEMO_LOGINS["admin"][0], "Sam Whitfield", Role.ADMIN, login="admin"),
    StaffMember(
        DEMO_LOGINS["researcher"][0], "Dr Lena Fischer", Role.RESEARCHER, login="researcher"
    ),
    StaffMember(DEMO_LOGINS["clinician"][0], "Dr Amara Osei", Role.CLINICIAN, (0,), "clinician"),
    StaffMember("t.herrera@demo.mindway", "Dr Tomás Herrera", Role.CLINICIAN, (0, 1)),
    StaffMember("p.raman@demo.mindway", "Priya Raman, LCSW", Role.CLINICIAN, (1,)),
    StaffMember("d.kowalczyk@demo.mindway", "Daniel Kowalczyk, PsyD", Role.CLINICIAN, (2,)),
)


@dataclass
class Clinic:
    """Ids of what the seeder has made so far, and the hashes it reuses."""

    team_ids: list[uuid.UUID]
    clinicians: dict[int, list[uuid.UUID]]  # team index -> clinician account ids
    demo_clinician: uuid.UUID
    patient_hash: str  # the demo patient's password
    unusable_hash: str  # every other patient: a random secret nobody knows
    counts: Counter[str] = field(default_factory=Counter)


def _has_accounts(db: Session) -> bool:
    return db.scalars(select(Account.id).limit(1)).first() is not None


def store_is_empty(rt: Runtime) -> bool:
    """True when the store has no accounts yet (``mindway demo --if-empty``)."""
    with rt.transaction() as db:
        return not _has_accounts(db)


def has_demo_clinic(rt: Runtime) -> bool:
    """True when the demo accounts exist, so that printing their logins is honest."""
    with rt.transaction() as db:
        admin = DEMO_LOGINS["admin"][0]
        return db.scalars(select(Account.id).where(Account.username == admin)).first() is not None


def seed(rt: Runtime, *, patients: int, seed: int) -> None:
    """Seed an empty store with the demo clinic; the same ``seed`` gives the same people."""
    if patients < 1:
        raise InvalidInput("the demo clinic needs at least one patient")
    rng = _generator(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    people = draw_people(rng, patients, now.date())
    with _progress() as progress, rt.use_case(OPERATOR, "demo.seed", "clinic") as uc:
        if rt.settings.production:
            raise InvalidInput("the demo clinic is refused in production mode")
        if _has_accounts(uc.db):
            raise Conflict("the store already has accounts; the demo clinic needs an empty store")
        clinic = _add_staff(uc, opened=now - timedelta(days=240))
        task = progress.add_task("Seeding the demo clinic", total=patients)
        for index, person in enumerate(people):
            _add_patient(uc, clinic, index, person, _generator(f"{seed}/{index}"), now)
            progress.advance(task)
        uc.reason = (
            f"{patients} patients, {len(clinic.team_ids)} care teams, "
            f"{clinic.counts['notes']} notes, {clinic.counts['consents']} consent records, "
            f"{clinic.counts['questionnaires']} questionnaires"
        )
    log.info("demo.seed done: %s", uc.reason)


def _generator(seed: int | str) -> random.Random:
    """Reproducible draws for made-up data (never for anything secret)."""
    return random.Random(seed)  # noqa: S311 - determinism is the point here


def _progress() -> Progress:
    """A progress bar on a terminal; nothing when the output goes to a file or a pipe."""
    console = Console()
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
        disable=not console.is_terminal,
        transient=True,
    )


def print_logins(console: Console) -> None:
    """The demo logins, where to use them, and a plain warning that they are not for real use."""
    table = Table(title="Mindway demo logins", title_justify="left")
    table.add_column("role")
    table.add_column("username", no_wrap=True)
    table.add_column("password", no_wrap=True)
    for role, (username, password) in DEMO_LOGINS.items():
        table.add_row(role, username, password)
    console.print(table)
    console.print(f"Open {DEMO_URL} and sign in with one of these.")
    console.print(
        "These are demo accounts of made-up people, with published passwords: "
        "never use a demo store for real patients.",
        style="bold",
    )


# --- people --------------------------------------------------------------------------------


# (group, weight); the groups follow the US OMB race and ethnicity categories.
ETHNICITY_WEIGHTS = (
    ("White", 34),
    ("Hispanic or Latino", 18),
    ("Black or African American", 15),
    ("Asian", 12),
    ("Middle Eastern or North African", 6),
    ("American Indian or Alaska Native", 4),
    ("Native Hawaiian or Other Pacific Islander", 3),
    ("Multiracial", 8),
)


def _split(names: str) -> tuple[str, ...]:
    return tuple(names.split())


NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    # group: (female given names, male given names, family names)
    "White": (
        _split("Emily Sarah Hannah Megan Laura Claire Rebecca Katie Ingrid"),
        _split("James Michael Ryan Daniel Thomas Matthew Owen Piotr Liam"),
        _split(
            "Miller Walsh Kowalski Anderson Murphy Johansson Bennett Novak Schmidt O'Connor "
            "Rossi Dubois Carter Hughes Lindqvist"
        ),
    ),
    "Hispanic or Latino": (
        _split("María Sofía Lucía Gabriela Valentina Camila Ximena Rosa"),
        _split("José Luis Mateo Diego Alejandro Javier Carlos Andrés"),
        _split(
            "García Hernández Rodríguez López Morales Castillo Vargas Ortiz Flores Ramírez Cruz"
        ),
    ),
    "Black or African American": (
        _split("Aaliyah Imani Keisha Nia Adaeze Zora Tiana Abena"),
        _split("Darnell Malik Andre Jamal Kwame Marcus Tyrone Emeka"),
        _split(
            "Washington Okafor Jackson Mensah Robinson Boateng Freeman Diallo Adeyemi Brooks "
            "Coleman"
        ),
    ),
    "Asian": (
        _split("Mei Priya Yuki Ji-woo Ananya Linh Aiko Farah"),
        _split("Wei Arjun Hiroshi Min-jun Rahul Minh Kenji Jun"),
        _split("Chen Patel Nguyen Kim Tanaka Singh Wong Rahman Lee Huang Iyer Sato Park"),
    ),
    "Middle Eastern or North African": (
        _split("Layla Noor Yasmin Fatima Amira Dalia"),
        _split("Omar Karim Youssef Tariq Hassan Samir"),
        _split("Haddad Khalil Nasser Mansour Saleh Azizi"),
    ),
    "American Indian or Alaska Native": (
        _split("Winona Aiyana Tala Nizhoni"),
        _split("Chayton Koda Ahiga Elan"),
        _split("Begay Yazzie Tsosie Locklear Attakai"),
    ),
    "Native Hawaiian or Other Pacific Islander": (
        _split("Leilani Malia Keala Mele"),
        _split("Kai Makoa Sione Tevita"),
        _split("Kahale Tupou Kealoha Fifita Aumua"),
    ),
}
NEUTRAL_NAMES = _split("Alex Jordan Sam Riley Rowan Quinn Avery Skyler")


def given_names(ethnicity: str, sex: str) -> tuple[str, ...]:
    if sex == "other":
        return NEUTRAL_NAMES
    group = ethnicity if ethnicity in NAMES else "White"
    female, male, _family = NAMES[group]
    return female if sex == "female" else male


def family_names(ethnicity: str, rng: random.Random) -> tuple[str, ...]:
    """A multiracial person's family name may come from any group."""
    group = ethnicity if ethnicity in NAMES else rng.choice(sorted(NAMES))
    return NAMES[group][2]


def draw_people(rng: random.Random, count: int, today: date) -> list[Person]:
    """``count`` people with distinct names, aged 18-80, drawn from a seeded generator."""
    people: list[Person] = []
    taken: set[str] = set()
    groups = [g for g, _ in ETHNICITY_WEIGHTS]
    weights = [w for _, w in ETHNICITY_WEIGHTS]
    while len(people) < count:
        ethnicity = rng.choices(groups, weights)[0]
        sex = rng.choices(("female", "male", "other"), (52, 45, 3))[0]
        given = rng.choice(given_names(ethnicity, sex))
        family = rng.choice(family_names(ethnicity, rng))
        birth = today - timedelta(days=rng.randint(18 * 366 + 190, 80 * 365))
        if f"{given} {family}" not in taken:
            taken.add(f"{given} {family}")
            people.append(Person(given, family, sex, ethnicity, birth))
    return people


def _username(index: int) -> str:
    """Patients' usernames say nothing about who they are: a username is stored in plain text
    (it is how an account is found at sign-in), and being a patient here is health data."""
    return f"patient-{index:04d}@demo.mindway"


# --- staff ---------------------------------------------------------------------------------


def _add_staff(uc: UseCase, opened: datetime) -> Clinic:
    """Teams and staff. Only the demo logins get real hashes: Argon2 is slow on purpose."""
    settings = uc.settings
    team_ids = [uuid.uuid4() for _ in TEAMS]
    for team_id, name in zip(team_ids, TEAMS, strict=True):
        uc.db.add(CareTeam(id=team_id, name=name, created_at=opened))
    unusable = passwords.hash_password(settings, secrets.token_urlsafe(32))
    clinicians: dict[int, list[uuid.UUID]] = {i: [] for i in range(len(TEAMS))}
    demo_clinician = uuid.uuid4()
    for member in STAFF:
        account_id = demo_clinician if member.login == "clinician" else uuid.uuid4()
        password_hash = (
            passwords.hash_password(settings, DEMO_LOGINS[member.login][1])
            if member.login
            else unusable
        )
        account = Account(
            id=account_id,
            username=member.username,
            role=member.role,
            password_hash=password_hash,
            locale=settings.default_locale,
            created_at=opened,
        )
        set_name(uc.vault, account, member.display_name)
        uc.db.add(account)
        for team in member.teams:
            uc.db.add(CareTeamClinician(team_id=team_ids[team], account_id=account_id))
            clinicians[team].append(account_id)
    uc.db.flush()
    patient_hash = passwords.hash_password(settings, DEMO_LOGINS["patient"][1])
    return Clinic(team_ids, clinicians, demo_clinician, patient_hash, unusable)


# --- patients ------------------------------------------------------------------------------


def _add_patient(
    uc: UseCase, clinic: Clinic, index: int, person: Person, rng: random.Random, now: datetime
) -> None:
    """Register one patient with an account, a course of care and consent decisions."""
    demo = index == 0  # the demo patient, on the demo clinician's caseload
    team = 0 if demo else index % len(TEAMS)
    clinician = clinic.demo_clinician if demo else rng.choice(clinic.clinicians[team])
    course = Course.draw(rng, person, now, ongoing=demo or rng.random() > DISCHARGE_RATE)
    registration = Registration(
        given_name=person.given_name,
        family_name=person.family_name,
        birth_date=person.birth_date,
        sex=person.sex,
        ethnicity=person.ethnicity,
        care_team_id=clinic.team_ids[team],
    )
    locale = uc.settings.default_locale
    patient = register_patient(uc.db, uc.vault, registration, locale)
    patient.created_at = course.start - timedelta(days=rng.randint(3, 14))
    account = Account(
        id=uuid.uuid4(),
        username=DEMO_LOGINS["patient"][0] if demo else _username(index),
        role=Role.PATIENT,
        password_hash=clinic.patient_hash if demo else clinic.unusable_hash,
        locale=locale,
        patient_id=patient.id,
        created_at=patient.created_at,
    )
    set_name(uc.vault, account, person.name)
    uc.db.add(account)
    contacts = course.contacts(rng)
    for contact in contacts:
        _add_note(uc, patient.id, clinician, contact)
        clinic.counts["notes"] += 1
    for at, purpose, granted, by_patient in _consents(rng, course, now, everything=demo):
        recorder = account.id if by_patient else clinician
        _add_consent(uc, patient.id, purpose, granted, at, recorder)
        clinic.counts["consents"] += 1
    ends = course.until if course.planned_sessions is None else contacts[-1].at
    _add_questionnaires(uc, clinic, (patient.id, account.id, clinician), course, ends, rng, now)
    uc.db.flush()


def _add_questionnaires(
    uc: UseCase,
    clinic: Clinic,
    who: tuple[uuid.UUID, uuid.UUID, uuid.UUID],
    course: Course,
    ends: datetime,
    rng: random.Random,
    now: datetime,
) -> None:
    """PHQ-9 and GAD-7 every two weeks, and schedules while care goes on. Nobody on the
    demo clinician's team answers item 9 above 0; a couple of patients elsewhere do."""
    patient_id, account_id, clinician = who
    plan = demo_measures.plan_measures(rng, course, ends)
    ongoing = course.planned_sessions is None
    risky = (
        ongoing
        and clinician not in clinic.clinicians[0]
        and (course.elevated_risk or plan.kind != "improving")
        and clinic.counts["risk_alerts"] < RISK_ALERTS
    )
    risk_now = now - timedelta(hours=rng.randint(1, 3)) if risky else None
    stored = demo_measures.add_measures(uc, patient_id, plan, account_id, risk_now=risk_now)
    clinic.counts["questionnaires"] += stored
    clinic.counts["risk_alerts"] += risky
    if ongoing:
        demo_measures.add_schedules(uc, patient_id, course.start, clinician)


def _add_note(uc: UseCase, patient_id: uuid.UUID, author: uuid.UUID, contact: Contact) -> None:
    """A note whose body is sealed with the patient's key and bound to the note's row."""
    note = ClinicalNote(
        id=uuid.uuid4(),
        patient_id=patient_id,
        author_id=author,
        kind=contact.kind,
        body_enc="",
        created_at=contact.at,
    )
    body = validate_note(contact.kind, contact.body)
    note.body_enc = uc.vault.seal(str(patient_id), "clinical_note", "body", note.id, body)
    uc.db.add(note)


def _add_consent(
    uc: UseCase,
    patient_id: uuid.UUID,
    purpose: str,
    granted: bool,
    at: datetime,
    recorded_by: uuid.UUID,
) -> None:
    uc.db.add(
        Consent(
            id=uuid.uuid4(),
            patient_id=patient_id,
            purpose=purpose,
            granted=granted,
            policy_version=consent_policies()[purpose].version,
            recorded_at=at,
            recorded_by=recorded_by,
        )
    )


def _consents(
    rng: random.Random, course: Course, now: datetime, *, everything: bool
) -> list[tuple[datetime, str, bool, bool]]:
    """(when, purpose, granted, recorded by the patient) for one patient, oldest first.

    Care is agreed at intake; research and AI features by some patients over the first
    weeks, and a few later withdraw (GDPR Art. 7(3): as easy to withdraw as to give).
    """
    decisions = [(course.start, "care", True, False)]
    for purpose, share in OPTIONAL_CONSENTS.items():
        if not everything and rng.random() > share:
            continue
        given = course.start + timedelta(days=rng.randint(0, 21), hours=rng.randint(1, 8))
        if given >= now:
            continue
        decisions.append((given, purpose, True, True))
        latest = (now - given).days - 1
        if not everything and latest > 14 and rng.random() < WITHDRAWAL_RATE:
            withdrawn = given + timedelta(days=rng.randint(14, latest), hours=rng.randint(0, 5))
            decisions.append((withdrawn, purpose, False, True))
    return sorted(decisions)
