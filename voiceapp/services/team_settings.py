"""The single row of team settings.

Readers get the stored row, or the defaults when nothing was saved yet, without writing
(a GET must not take SQLite's write lock). Code that changes settings asks for the
editable row, which is created on first use.
"""

from __future__ import annotations

import json
from functools import lru_cache

from flask import current_app, has_app_context
from sqlalchemy import JSON, Text, cast, select
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from voiceapp.domain import bank_details
from voiceapp.models import TeamSettings
from voiceapp.precompiled import Precompiled

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


# The session's identity map holds its objects weakly: a settings row nobody else holds
# would be collected between two reads and read again from the database each time (twice
# for every payment recorded). The session's info keeps it for the transaction it was
# read in.
_PINNED = "voiceapp.team_settings"


# The last settings row read, in this process, and the detached copy made of it: every
# webhook reads the settings (the auth token first), and making an ORM object of a wide row
# cost more than the rest of the signature check. The row read is the version check: when
# the stored row equals the one the copy was made from, the copy is returned. Keyed by the
# row's content alone, so it is right for any database and any number of them.
_snapshot: tuple[tuple, TeamSettings] | None = None


@lru_cache(maxsize=4)
def _settings_query(dialect: Dialect) -> Precompiled:
    """The settings row, compiled once per dialect: every webhook and most requests read
    it, and SQLAlchemy's per-execution work cost several times the database's."""
    return Precompiled(select(*settings_columns()).where(settings_join_condition()), dialect)


def get_team_settings(db: Session) -> TeamSettings:
    """The settings to read. Not to be changed (the object may be shared by the threads of
    the process): see editable_team_settings."""
    pinned = db.info.get(_PINNED)
    # Pinned for the transaction it was read in: a later one (a test's session after a
    # rollback, a worker's next job) reads the row again.
    if pinned is not None and pinned[0] is db.get_transaction():
        return pinned[1]
    if _held_for_change(db):
        return db.get(TeamSettings, SETTINGS_ID)
    connection = db.connection()
    rows = _settings_query(connection.dialect).run(connection, {})
    return _pin(db, _from_row(rows[0]) if rows else _shared_defaults())


def _held_for_change(db: Session) -> bool:
    """The session holds the settings row, changed or read for change: that row is the
    truth for it, not a copy."""
    return any(isinstance(obj, TeamSettings) for obj in db.identity_map.values())


@lru_cache(maxsize=1)
def _shared_defaults() -> TeamSettings:
    """The defaults, made once per process for readers (nothing saved yet): making them
    cost a quarter of a millisecond, on every request of a team that never saved its
    settings. Editors get a fresh row (editable_team_settings)."""
    return _defaults()


def _from_row(values: tuple) -> TeamSettings:
    """The settings of a stored row (every column, in the table's order): the process's
    copy when the row is the one it was made from."""
    global _snapshot
    cached = _snapshot
    if cached is not None and cached[0] == values:
        return cached[1]
    table = TeamSettings.__table__
    settings = TeamSettings(
        **{
            column.key: _parsed(value) if position in _JSON_POSITIONS else value
            for position, (column, value) in enumerate(zip(table.columns, values, strict=True))
        }
    )
    _snapshot = (values, settings)
    return settings


# The JSON columns (languages, business hours ...) by position: read as their text and
# parsed only when the row is not the one the process's copy was made from. Parsing seven
# of them on every read was a tenth of the settings' cost to every webhook.
_JSON_POSITIONS = frozenset(
    position
    for position, column in enumerate(TeamSettings.__table__.columns)
    if isinstance(column.type, JSON)
)


def _parsed(text: str | None):
    return None if text is None else json.loads(text)


def _pin(db: Session, settings: TeamSettings) -> TeamSettings:
    db.info[_PINNED] = (db.get_transaction(), settings)
    return settings


def settings_columns():
    """The settings row's columns (the JSON ones as their text), for a statement that
    reads the row along with its own (outer-joined on `settings_join_condition()`), then
    hands it to `adopt_settings_row`: one round trip less for a request that needs both."""
    return tuple(
        cast(column, Text).label(column.key) if position in _JSON_POSITIONS else column
        for position, column in enumerate(TeamSettings.__table__.columns)
    )


def settings_join_condition():
    return TeamSettings.__table__.c.id == SETTINGS_ID


def adopt_settings_row(db: Session, values: tuple) -> None:
    """The settings row read by another statement of this transaction (`values`: the
    columns of settings_columns(), all None when no row is stored): what get_team_settings
    gives for the rest of the transaction, without reading it again."""
    if _held_for_change(db):
        return  # get_team_settings gives the session's row
    stored = values[0] is not None  # the id; None when nothing was saved yet
    _pin(db, _from_row(tuple(values)) if stored else _shared_defaults())


def team_zone(db: Session) -> str:
    """The team's time zone: its setting, else the app's TIMEZONE (UTC outside an app)."""
    settings = get_team_settings(db)
    fallback = current_app.config["VOICEAPP"].timezone if has_app_context() else "UTC"
    return settings.timezone or fallback


def editable_team_settings(db: Session) -> TeamSettings:
    db.info.pop(_PINNED, None)  # later reads in this session see the row being changed
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


# --- the seller and the team's bank account (the pay page) ------------------------------

MAX_SELLER_NAME = 200


class BankDetailsError(ValueError):
    """Bank details that do not check out; `errors` maps each field to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(str(errors))
        self.errors = errors


def set_bank_details(
    db: Session,
    *,
    seller_name: str | None,
    holder: str | None,
    iban: str | None,
    bic: str | None,
    creditor_id: str | None,
) -> TeamSettings:
    """The seller's name, the team's account and its SEPA creditor identifier, each
    checked (python-stdnum) and stored compact; empty switches a field off. With an IBAN
    the pay page offers bank transfers; with a creditor identifier, direct debits (which
    are collected into this account, so it needs the IBAN and holder too)."""
    values: dict[str, str | None] = {}
    errors: dict[str, list[str]] = {}
    name = " ".join((seller_name or "").split()) or None
    if name and len(name) > MAX_SELLER_NAME:
        errors["seller_name"] = [f"at most {MAX_SELLER_NAME} characters"]
    values["seller_name"] = name
    for field, text, check in (
        ("bank_iban", iban, bank_details.checked_iban),
        ("bank_bic", bic, bank_details.checked_bic),
        ("sepa_creditor_id", creditor_id, bank_details.checked_creditor_id),
        ("bank_account_holder", holder, bank_details.checked_holder),
    ):
        values[field] = None
        if not (text or "").strip():
            continue
        try:
            values[field] = check(text)
        except bank_details.BankDetailError as exc:
            errors[field] = [str(exc)]
    if (
        values["bank_iban"]
        and not values["bank_account_holder"]
        and not errors.get("bank_account_holder")
    ):
        errors["bank_account_holder"] = ["required with an IBAN: transfers name the holder"]
    if (values["bank_bic"] or values["bank_account_holder"]) and not (
        values["bank_iban"] or errors.get("bank_iban")
    ):
        errors["bank_iban"] = ["required with a holder or BIC: the account is its IBAN"]
    if values["sepa_creditor_id"] and not (values["bank_iban"] or errors.get("bank_iban")):
        errors.setdefault("sepa_creditor_id", []).append(
            "direct debits are collected into the team's account: enter its IBAN too"
        )
    if errors:
        raise BankDetailsError(errors)
    return update_team_settings(db, **values)
