"""Who rings for an inbound call.

The agent who owns the caller's open case rings first, alone, if online; then every
online agent who handles the chosen language and case type. Twilio rings at most 10
<Client> nouns of one <Dial> at once (TWILIO.md), so a round is capped at 10, taking the
agents who have been waiting longest first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

MAX_CLIENTS_PER_DIAL = 10


@dataclass(frozen=True)
class AgentState:
    user_id: int
    status: str  # online | offline | busy
    languages: tuple[str, ...]
    case_types: tuple[str, ...]
    idle_since: datetime  # when the agent last became available


@dataclass(frozen=True)
class RingPlan:
    preferred: tuple[int, ...]  # first round (the case owner), may be empty
    team: tuple[int, ...]  # second round

    @property
    def nobody(self) -> bool:
        return not self.preferred and not self.team


def handles(agent: AgentState, language: str | None, case_type: str | None) -> bool:
    """An agent with no languages (or case types) configured handles all of them."""
    language_ok = not agent.languages or language is None or language in agent.languages
    case_ok = not agent.case_types or case_type is None or case_type in agent.case_types
    return language_ok and case_ok


def plan_ringing(
    agents: list[AgentState],
    *,
    language: str | None,
    case_type: str | None,
    preferred_agent_id: int | None,
) -> RingPlan:
    online = [a for a in agents if a.status == "online"]
    preferred = tuple(a.user_id for a in online if a.user_id == preferred_agent_id)
    team = sorted(
        (a for a in online if a.user_id not in preferred and handles(a, language, case_type)),
        key=lambda a: (a.idle_since, a.user_id),
    )
    return RingPlan(preferred=preferred, team=tuple(a.user_id for a in team[:MAX_CLIENTS_PER_DIAL]))
