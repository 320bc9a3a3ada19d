"""Courses of care for the demo clinic's synthetic patients (pure Python, no database).

Everything here is made up. Notes are written from templates in plain clinical language so
that the demo reads like a real caseload: an intake, weekly or fortnightly CBT sessions with
a repeated outcome measure, the odd missed appointment, a progress review and sometimes a
discharge. The measures named are the usual ones for each presentation (PHQ-9, GAD-7,
PDSS, SPIN, PCL-5, ISI); scores move as they would for responders and non-responders.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta


@dataclass(frozen=True)
class Person:
    """A synthetic patient's identity."""

    given_name: str
    family_name: str
    sex: str
    ethnicity: str
    birth_date: date

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    def age(self, today: date) -> int:
        born = self.birth_date
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


PRONOUNS = {
    "female": {"S": "She", "s": "she", "o": "her", "p": "her"},
    "male": {"S": "He", "s": "he", "o": "him", "p": "his"},
    "other": {"S": "They", "s": "they", "o": "them", "p": "their"},
}

# --- presentations -------------------------------------------------------------------------


@dataclass(frozen=True)
class Concern:
    """A presenting problem, its usual outcome measure and the CBT work that goes with it."""

    label: str
    measure: str
    max_score: int
    baseline: tuple[int, int]
    history: tuple[str, ...]
    skills: tuple[str, ...]
    homework: tuple[str, ...]
    goals: tuple[str, ...]
    may_carry_risk: bool = False


CONCERNS = (
    Concern(
        "low mood, poor sleep and loss of interest",
        "PHQ-9",
        27,
        (13, 22),
        (
            "{S} described several months of low mood, early waking and little interest in "
            "things {s} used to enjoy.",
            "{S} said {s} had been withdrawing from friends and spending most evenings in bed.",
            "Mood dropped after a relationship ended last year; {s} felt flat most days and had "
            "stopped cooking proper meals.",
            "{S} described feeling like a burden to {p} family and finding work a struggle.",
        ),
        (
            "behavioral activation: listing small activities that used to bring {o} pleasure "
            "or a sense of achievement",
            "scheduling activities for the coming week, starting small",
            "a thought record on the thought 'I let everyone down'",
            "spotting all-or-nothing thinking and looking for the middle ground",
            "values: what matters to {o} about family and work, and one step towards each",
        ),
        (
            "three short walks, rating mood before and after",
            "the activity diary, filled in daily",
            "one thought record when mood drops",
            "phone one friend this week",
        ),
        ("see friends at weekends again", "return to full hours at work", "enjoy cooking again"),
        may_carry_risk=True,
    ),
    Concern(
        "constant worry and tension",
        "GAD-7",
        21,
        (10, 19),
        (
            "{S} described worrying most of the day about money, family and health, with tense "
            "shoulders and trouble switching off at night.",
            "{S} said the worry got worse after starting a new job; {s} checked emails late "
            "into the evening.",
            "{S} had been asking {p} partner for reassurance several times a day and avoided "
            "the news.",
        ),
        (
            "worry time: putting worries off to a set 20 minutes each evening",
            "sorting worries into ones {s} can act on and hypothetical ones",
            "slow breathing and progressive muscle relaxation, practiced in session",
            "testing the belief that worrying keeps bad things from happening",
        ),
        (
            "worry time at 6 pm daily, with a worry log",
            "the relaxation recording once a day",
            "a problem-solving sheet for the worry about bills",
            "cut down reassurance seeking and note what happens",
        ),
        (
            "sleep through the night more often",
            "leave work email alone after 7 pm",
            "relax at weekends",
        ),
    ),
    Concern(
        "panic attacks and avoidance",
        "PDSS",
        28,
        (10, 20),
        (
            "A first panic attack on a crowded train three months ago sent {o} to the emergency "
            "department fearing a heart attack; tests were normal.",
            "{S} described sudden surges of a racing heart, dizziness and fear of collapsing, "
            "several times a week, and had stopped driving on the highway.",
            "{S} now avoided supermarkets at busy times and carried water and a phone "
            "everywhere 'just in case'.",
        ),
        (
            "the panic cycle: how normal body sensations get misread as danger",
            "interoceptive exposure: spinning in a chair and breathing through a straw to bring "
            "on dizziness safely",
            "dropping safety behaviors one at a time",
            "planning graded exposure to the supermarket",
        ),
        (
            "interoceptive exercises daily, rating fear 0-100",
            "a 15-minute supermarket trip without the water bottle",
            "the panic diary: sensations, thoughts and what {s} did",
        ),
        ("drive on the highway again", "do the weekly shop alone", "take the train to work"),
    ),
    Concern(
        "social anxiety",
        "SPIN",
        68,
        (30, 52),
        (
            "{S} described intense fear of being judged in meetings and had turned down a "
            "promotion that involved presenting.",
            "{S} said {s} rehearsed conversations in advance and replayed them for hours after.",
            "{S} avoided eating in front of others and had not been to a social event in over "
            "a year.",
        ),
        (
            "safety behaviors and self-focused attention, with a video feedback exercise",
            "a behavioral experiment: speaking up once in a meeting without rehearsing",
            "shifting attention outwards during conversations",
            "the after-event replay and how it keeps the fear going",
        ),
        (
            "ask one question in the team meeting",
            "eat lunch in the staff room twice",
            "write predictions before social situations and what actually happened",
        ),
        ("speak up in meetings", "go to a friend's birthday meal", "apply for the team lead role"),
    ),
    Concern(
        "distress after a traumatic event",
        "PCL-5",
        80,
        (35, 58),
        (
            "Eight months ago {s} got hurt in a car crash on the way to work; since then "
            "nightmares, flashbacks at the sound of sirens, and no driving.",
            "{S} described being constantly on guard, startling easily and sleeping badly "
            "since being mugged last year.",
            "{S} had been avoiding the street where it happened and felt cut off from {p} family.",
        ),
        (
            "how trauma reactions work and why they persist",
            "grounding for flashbacks, practiced in session",
            "building a timeline of the event at {p} own pace",
            "updating the 'it was my fault' meaning with what is known now",
        ),
        (
            "grounding when a flashback starts, noting what helped",
            "a short daily walk past the junction, rating distress",
            "a wind-down plan before bed",
        ),
        ("drive again", "sleep without nightmares most nights", "go out in the evening"),
    ),
    Concern(
        "long-standing poor sleep",
        "ISI",
        28,
        (15, 24),
        (
            "{S} described taking over an hour to fall asleep most nights for two years, lying "
            "awake worrying about being tired the next day.",
            "{S} had been napping in the afternoon and drinking coffee late to get through.",
        ),
        (
            "the sleep diary and a set sleep window",
            "stimulus control: bed only for sleep, get up after 20 minutes awake",
            "beliefs about sleep such as 'without eight hours the day is ruined'",
            "a wind-down routine without screens",
        ),
        ("keep the sleep window every night", "the sleep diary daily", "no naps; a walk instead"),
        ("fall asleep within half an hour", "stop relying on naps", "feel rested at work"),
    ),
)

# (context, youngest, oldest): life circumstances, as a fragment of an intake note.
CONTEXTS = (
    ("Works night shifts as a nurse; lives with a partner and two children.", 24, 62),
    ("Second-year university student living in shared housing.", 18, 26),
    ("Runs a small bakery with a sibling; long hours.", 28, 66),
    ("Retired bus driver; lives alone since the death of a spouse.", 62, 80),
    ("Works in IT support from home; lives with a partner.", 22, 60),
    ("Caring for a parent with dementia while working part time.", 35, 70),
    ("Between jobs after a layoff; living with parents for now.", 20, 55),
    ("Elementary school teacher; single parent of one.", 25, 60),
    ("Warehouse supervisor on early shifts; shares custody of two children.", 25, 60),
    ("Accountant at a busy firm; moved to the area last year.", 25, 62),
    ("Retired teacher; volunteers at the food bank.", 60, 80),
    ("Restaurant server with irregular hours; lives with roommates.", 18, 45),
)
REFERRALS = (
    "Referred by {p} primary care doctor",
    "Self-referred through the clinic website",
    "Referred by occupational health",
    "Referred by {p} primary care doctor after a follow-up visit",
)
OPENINGS = (
    "Seen in clinic.",
    "Video session from home.",
    "Seen in clinic; arrived a little late after a busy morning.",
    "Video session; the connection dropped once but we finished.",
    "Seen in clinic; brought {p} diary.",
    "Phone session at {p} request.",
    "Video session from work, in a borrowed meeting room.",
)
BETTER = (
    "{S} described a better week and had done most of the homework.",
    "Brighter today; {s} said the practice was starting to feel natural.",
    "{S} had done something {s} had been avoiding and felt proud of it.",
    "A good week: {s} slept better and kept to the plan most days.",
)
WORSE = (
    "A harder week: an argument at home and a slide back into old habits.",
    "{S} felt low after a difficult call with family and had skipped most of the homework.",
    "A stressful week at work; {s} said the old patterns came back.",
    "{S} had a bad few days after some upsetting news and found it hard to get going.",
)
SAME = (
    "A mixed week, some days good and others flat.",
    "{S} said little had changed but had kept up the practice.",
    "{S} had done about half of the homework; we looked at what got in the way.",
)
FOCUS = (
    "Today we worked on {skill}.",
    "Main focus: {skill}.",
    "Most of the session went on {skill}.",
)
RISK_NONE = (
    "No thoughts of self-harm reported.",
    "Risk reviewed; no concerns.",
    "Asked about thoughts of self-harm or suicide; none.",
)
RISK_PASSIVE = (
    "{S} mentioned fleeting thoughts of not wanting to wake up on the worst day this week, with "
    "no plan or intent; the safety plan still fits and {s} confirmed having the crisis line number."
)
NEXT = (
    "Next session in {next}.",
    "Booked for the same time in {next}.",
    "Next appointment in {next}; the clinic number is on {p} plan if needed before then.",
)
MISSED = ("a child was ill", "a shift came up at short notice", "{s} forgot", "car trouble")


def _fill(template: str, words: dict[str, str]) -> str:
    return template.format(**words)


def clinic_time(day: date, rng: random.Random) -> datetime:
    """A weekday appointment slot between 9:00 and 17:00 (UTC, as everything is stored)."""
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, time(rng.randint(9, 16), rng.choice((0, 15, 30, 45))), UTC)


@dataclass(frozen=True)
class Contact:
    """One documented contact in a course of care."""

    at: datetime
    kind: str
    body: str


@dataclass(frozen=True)
class Course:
    """One patient's course of CBT: when it began, how often, and how they respond."""

    person: Person
    concern: Concern
    start: datetime
    until: datetime
    cadence_days: int
    planned_sessions: int | None  # None: still in treatment
    response: float  # share of the baseline score gone by the twelfth session
    baseline: int
    elevated_risk: bool

    @classmethod
    def draw(cls, rng: random.Random, person: Person, now: datetime, *, ongoing: bool) -> Course:
        """Start 2-6 months ago; weekly or fortnightly; some have finished and been discharged."""
        concern = rng.choice(CONCERNS)
        start = clinic_time((now - timedelta(days=rng.randint(60, 185))).date(), rng)
        return cls(
            person=person,
            concern=concern,
            start=start,
            until=now - timedelta(days=1),
            cadence_days=rng.choice((7, 7, 7, 14)),
            planned_sessions=None if ongoing else rng.randint(6, 14),
            response=rng.choice((0.6, 0.5, 0.4, 0.25, 0.1)),
            baseline=rng.randint(*concern.baseline),
            elevated_risk=concern.may_carry_risk and rng.random() < 0.3,
        )

    def _words(self, cadence_days: int | None = None) -> dict[str, str]:
        weekly = (cadence_days or self.cadence_days) == 7
        return {
            **PRONOUNS[self.person.sex],
            "every": "weekly" if weekly else "every two weeks",
            "next": "one week" if weekly else "two weeks",
        }

    def _score(self, rng: random.Random, session: int) -> int:
        progress = min(1.0, session / 12)
        noise = rng.gauss(0, self.concern.max_score * 0.04)
        value = round(self.baseline * (1 - self.response * progress) + noise)
        return max(0, min(self.concern.max_score, value))

    def contacts(self, rng: random.Random) -> list[Contact]:
        """Intake, sessions, missed appointments, a review after eight sessions, discharge."""
        notes = [Contact(self.start, "intake", self._intake(rng))]
        day, cadence, done, last = self.start.date(), self.cadence_days, 0, self.baseline
        while self.planned_sessions is None or done < self.planned_sessions:
            day += timedelta(days=cadence + rng.choice((-1, 0, 0, 0, 1)))
            at = clinic_time(day, rng)
            if at >= self.until:
                return notes
            if rng.random() < 0.08:
                reason = _fill(rng.choice(MISSED), self._words())
                body = f"Did not attend ({reason}). Phoned to check in and rebooked."
                notes.append(Contact(at, "phone", body))
                continue
            done += 1
            score = self._score(rng, done)
            if done == 8 and score <= self.baseline / 2:
                cadence = 14  # doing well: step down
            notes.append(Contact(at, "session", self._session(rng, score, last, cadence)))
            last = score
            if done == 8:
                review = self._review(score, stepped_down=cadence != self.cadence_days)
                notes.append(Contact(at + timedelta(hours=1), "review", review))
        end = clinic_time(day + timedelta(days=cadence), rng)
        if end < self.until:
            notes.append(Contact(end, "discharge", self._discharge(done, last)))
        return notes

    def _intake(self, rng: random.Random) -> str:
        c, w = self.concern, self._words()
        context = [ctx for ctx, young, old in CONTEXTS if young <= self._age() <= old]
        risk = (
            "Risk: passive thoughts of being better off not waking up, no plan or intent, no "
            "past attempts; safety plan made together and crisis line number given."
            if self.elevated_risk
            else "Risk: no thoughts of self-harm or suicide; no risk to others."
        )
        parts = [
            "Intake assessment.",
            f"{_fill(rng.choice(REFERRALS), w)} with {c.label}.",
            *(_fill(h, w) for h in rng.sample(c.history, 2)),
            rng.choice(context) if context else "",
            f"{c.measure} at intake: {self.baseline}.",
            risk,
            f"Goal: {rng.choice(c.goals)}.",
            f"Plan: CBT {w['every']} to start, reviewed after about eight sessions. "
            "Consent to care discussed and given.",
        ]
        return " ".join(p for p in parts if p)

    def _age(self) -> int:
        return self.person.age(self.start.date())

    def _session(self, rng: random.Random, score: int, last: int, cadence_days: int) -> str:
        c, w = self.concern, self._words(cadence_days)
        change = last - score
        week = BETTER if change >= 2 else WORSE if change <= -2 else SAME
        risky = self.elevated_risk and score >= self.baseline and rng.random() < 0.5
        parts = [
            _fill(rng.choice(OPENINGS), w),
            _fill(rng.choice(week), w),
            f"{c.measure} today {score} (intake {self.baseline}).",
            _fill(rng.choice(FOCUS), {**w, "skill": _fill(rng.choice(c.skills), w)}),
            f"Homework: {_fill(rng.choice(c.homework), w)}.",
            _fill(RISK_PASSIVE if risky else rng.choice(RISK_NONE), w),
            _fill(rng.choice(NEXT), w),
        ]
        return " ".join(parts)

    def _review(self, score: int, *, stepped_down: bool) -> str:
        if score <= self.baseline / 2:
            verdict = "A clear improvement; the skills are now used without prompting."
            plan = "sessions every two weeks from now" if stepped_down else "carry on as now"
        elif score < self.baseline * 0.8:
            verdict = "Some improvement, not yet where {s} would like to be."
            plan = "carry on as now and review again after four more sessions"
        else:
            verdict = "Little change so far; discussed at the team meeting."
            plan = "a sharper focus on one goal, and a medication review with {p} doctor"
        measure, baseline = self.concern.measure, self.baseline
        change = (
            f"{measure} stayed at {score}"
            if score == baseline
            else f"{measure} moved from {baseline} at intake to {score}"
        )
        return _fill(
            f"Progress review after eight sessions. {change}. {verdict} Agreed: {plan}.",
            self._words(),
        )

    def _discharge(self, sessions: int, score: int) -> str:
        c = self.concern
        return _fill(
            f"Discharge summary. {sessions} sessions completed; {c.measure} from {self.baseline} "
            f"at intake to {score} at the last session. Relapse-prevention plan written together: "
            "early warning signs, the skills that helped most, and who to contact. {S} can "
            "return within 12 months without a new referral.",
            self._words(),
        )
