"""The crisis protocol's reply (DESIGN.md safety rules; issue 4).

Safe-messaging practice (988 Lifeline safe messaging guidelines; #chatsafe, Robinson et al.
2018): acknowledge without judgement, say plainly that the care team is told (no promise of
secrecy), encourage contact with people, convey that help works, give the locale's crisis
resources from the file the web shell shows, and offer the C-SSRS screener. It never names a
method or a place. People without a care team get the resources and emergency directions.
"""

from __future__ import annotations

from dataclasses import dataclass

from mindway.chat.replies import reply
from mindway.chat.safety import Screening
from mindway.content.loader import CrisisResource, crisis_page


@dataclass(frozen=True)
class CrisisReply:
    text: str
    resources: tuple[CrisisResource, ...]


def emergency_number(locale: str) -> str:
    """The locale's emergency number: the last resource listed with a phone (by convention
    the crisis file lists emergency services last)."""
    phones = [r.phone for r in crisis_page(locale).resources if r.phone]
    return phones[-1] if phones else "your local emergency number"


def resource_lines(locale: str) -> list[str]:
    page = crisis_page(locale)
    return [f"• {r.name}: {r.description}" for r in page.resources]


def crisis_reply(screening: Screening, locale: str, *, has_care_team: bool) -> CrisisReply:
    """What the person reads when a message screens moderate or high."""
    if has_care_team:
        team = reply("crisis_team_high" if screening.urgent else "crisis_team_moderate", locale)
    else:
        team = reply("crisis_no_team", locale, emergency=emergency_number(locale))
    parts = [
        reply("crisis_opening", locale),
        team,
        reply("crisis_resources_intro", locale),
        *resource_lines(locale),
        reply("crisis_people", locale),
        reply("offer_cssrs", locale),
    ]
    return CrisisReply("\n".join(parts), tuple(crisis_page(locale).resources))
