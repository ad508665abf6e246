"""The single row of team settings, created with defaults on first use."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from voiceapp.models import TeamSettings

SETTINGS_ID = 1


def get_team_settings(db: Session) -> TeamSettings:
    row = db.get(TeamSettings, SETTINGS_ID)
    if row is not None:
        return row
    try:
        with db.begin_nested():
            row = TeamSettings(id=SETTINGS_ID)
            db.add(row)
    except IntegrityError:  # another request created it first
        row = db.get(TeamSettings, SETTINGS_ID)
    return row


def team_timezone(db: Session, default: str) -> str:
    return get_team_settings(db).timezone or default
