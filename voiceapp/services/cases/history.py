"""A case's history, the team facts every case operation reads, and the error they raise
for bad input."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from voiceapp.models import Case, CaseEvent, User
from voiceapp.services.team_settings import (  # team_zone: this module's API too
    get_team_settings,
    team_zone,
)

__all__ = [
    "CaseError",
    "CaseForbidden",
    "add_history",
    "case_type_labels",
    "team_languages",
    "team_zone",
]


class CaseError(ValueError):
    """Bad input for a case operation; `field` names the input (a 422 with field errors)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


class CaseForbidden(PermissionError):
    """The user may not do this to this case (403)."""


def case_type_labels(db: Session) -> dict[str, str]:
    return {t["key"]: t["label"] for t in get_team_settings(db).case_types or []}


def team_languages(db: Session) -> list[str]:
    """The languages the team works in (its settings), for choosing rather than typing."""
    return list(get_team_settings(db).languages or [])


def add_history(
    db: Session,
    case: Case,
    kind: str,
    summary: str,
    *,
    now: datetime,
    actor: User | None = None,
    data: dict | None = None,
) -> CaseEvent:
    event = CaseEvent(
        case=case,
        kind=kind,
        summary=summary[:500],
        at=now,
        actor_id=actor.id if actor else None,
        data=data,
    )
    db.add(event)
    return event
