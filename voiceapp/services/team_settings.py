"""The single row of team settings.

Readers get the stored row, or the defaults when nothing was saved yet, without writing
(a GET must not take SQLite's write lock). Code that changes settings asks for the
editable row, which is created on first use.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from voiceapp.models import TeamSettings

SETTINGS_ID = 1


def _defaults() -> TeamSettings:
    """A TeamSettings carrying every column default (SQLAlchemy applies them only on
    INSERT, so an unsaved row would otherwise read None)."""
    row = TeamSettings(id=SETTINGS_ID)
    for column in TeamSettings.__table__.columns:
        default = column.default
        if getattr(row, column.key) is None and default is not None:
            value = default.arg(None) if default.is_callable else default.arg
            setattr(row, column.key, value)
    return row


def get_team_settings(db: Session) -> TeamSettings:
    """The settings to read. Not to be changed: see editable_team_settings."""
    return db.get(TeamSettings, SETTINGS_ID) or _defaults()


def editable_team_settings(db: Session) -> TeamSettings:
    row = db.get(TeamSettings, SETTINGS_ID)
    if row is not None:
        return row
    try:
        with db.begin_nested():
            row = _defaults()
            db.add(row)
    except IntegrityError:  # another request created it first
        row = db.get(TeamSettings, SETTINGS_ID)
    return row


def update_team_settings(db: Session, **changes) -> TeamSettings:
    """Change some settings (creating the row on first use); an unknown name is a bug."""
    row = editable_team_settings(db)
    columns = {c.key for c in TeamSettings.__table__.columns} - {"id"}
    for name, value in changes.items():
        if name not in columns:
            raise ValueError(f"not a team setting: {name}")
        setattr(row, name, value)
    return row
