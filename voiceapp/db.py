"""SQLAlchemy 2.x engine, sessions and the declarative Base.

One `Database` per app (tests build several apps against different databases).
Code running inside an app context uses `session()`; the session is closed when the
app context ends.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from functools import lru_cache

import psycopg
from flask import current_app, g, has_request_context, request
from psycopg.pq import TransactionStatus
from sqlalchemy import JSON, DateTime, MetaData, create_engine, event
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

# Stable constraint names, so Alembic migrations are the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every backend.

    SQLite has no time zones; values come back naive. Storing UTC and re-attaching the
    zone on the way out means the application only ever sees aware datetimes.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC datetime is required")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict: JSON(), list: JSON()}


def utcnow() -> datetime:
    return datetime.now(UTC)


# Execution option marking sessions that mostly read (see Database.read_sessionmaker).
READ_MOSTLY = "voiceapp_read_mostly"


def _configure_sqlite(engine: Engine, immediate: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no branch - tiny hook
        # The driver's own transaction handling is turned off so that BEGIN is sent
        # by SQLAlchemy below; that makes SAVEPOINTs and SELECT ... work as documented.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        deferred = not immediate or conn.get_execution_options().get(READ_MOSTLY, False)
        # IMMEDIATE takes the write lock up front, so two writers wait on busy_timeout
        # instead of one failing half-way with "database is locked" when it upgrades a
        # read to a write (the reason Rails does the same). Reads stay concurrent in WAL
        # only for deferred transactions, which test code that inspects rows uses.
        # Reads (GET requests) use deferred transactions: in WAL they never wait for a
        # writer, so a long import does not hold up the contacts list or a look-up.
        conn.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")


def make_engine(url: str, *, immediate_transactions: bool = True) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 5})
        _configure_sqlite(engine, immediate_transactions)
        return engine
    engine = create_engine(url, pool_size=10, max_overflow=10)
    _ping_idle_connections(engine, PING_AFTER_IDLE_SECONDS)
    return engine


# A pooled connection that waited longer than this is pinged before it is handed out.
PING_AFTER_IDLE_SECONDS = 5.0
_CHECKED_IN_AT = "voiceapp_checked_in_at"


def _ping_idle_connections(engine: Engine, idle_seconds: float) -> None:
    """Pessimistic disconnect handling for connections that sat idle, the recipe of
    SQLAlchemy's "Disconnect Handling - Pessimistic" with a threshold. pool_pre_ping
    pings on every checkout: one more round trip per request, about 0.15 ms of a 3.3 ms
    API request on the bench (issue 15). Connections that dropped while idle (a restarted
    server, a firewall's timeout, idle_session_timeout) are still found before use; one
    in use a moment ago is used as it is. A connection that fails the ping is discarded
    and the pool hands out another (DisconnectionError from a checkout handler)."""

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection, record):
        record.info[_CHECKED_IN_AT] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection, record, _proxy):
        checked_in_at = record.info.get(_CHECKED_IN_AT)
        if checked_in_at is None or time.monotonic() - checked_in_at < idle_seconds:
            return  # new, or returned a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError("an idle connection failed its ping") from exc


class Database:
    def __init__(self, url: str, *, immediate_transactions: bool = True):
        self.url = url
        self.engine = make_engine(url, immediate_transactions=immediate_transactions)
        self.sessionmaker = sessionmaker(bind=self.engine, expire_on_commit=False)
        # For GET and HEAD requests. Their rare writes (a session's last-seen time) are
        # best effort: on SQLite they may fail when a writer got in first.
        read_options: dict = {READ_MOSTLY: True}
        if self.engine.dialect.name == "postgresql" and self.engine.dialect.driver == "psycopg":
            # Reads in autocommit: READ COMMITTED gives each statement its own snapshot
            # anyway, and BEGIN and COMMIT were two of an API GET's four round trips. A
            # statement that needs a transaction (a write, a row lock, SET LOCAL, a
            # SAVEPOINT) begins one first, and the session's commit ends it. psycopg's
            # connections only: begin_if_needed knows no other driver's.
            read_options["isolation_level"] = "AUTOCOMMIT"
            event.listen(self.engine, "before_cursor_execute", _begin_before_writing)
        self.read_sessionmaker = sessionmaker(
            bind=self.engine.execution_options(**read_options), expire_on_commit=False
        )
        event.listen(self.read_sessionmaker, "after_flush", _note_write)
        event.listen(self.read_sessionmaker, "do_orm_execute", _note_dml)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name


# A statement that runs outside a transaction only if it is a SELECT that locks nothing
# and calls none of PostgreSQL's functions whose effect lasts until the transaction ends.
_PLAIN_SELECT = re.compile(r"\s*SELECT\b", re.IGNORECASE)
_TRANSACTION_BOUND = re.compile(
    r"\bFOR\s+(UPDATE|SHARE|NO\s+KEY\s+UPDATE|KEY\s+SHARE)\b|\bpg_advisory_xact_lock|\bset_config\b",
    re.IGNORECASE,
)


@lru_cache(maxsize=4096)
def needs_transaction(sql: str) -> bool:
    """Whether `sql` must run in a transaction: anything but a SELECT that locks no row (a
    write, FOR UPDATE, SET LOCAL, SAVEPOINT, an advisory transaction lock ...). A SELECT of
    a function that writes would slip through: a GET must not call one. Cached: a process
    runs few statements, each many times."""
    return _PLAIN_SELECT.match(sql) is None or _TRANSACTION_BOUND.search(sql) is not None


def begin_if_needed(dbapi_connection, sql: str) -> None:
    """BEGIN before `sql` when it needs a transaction and the connection is a psycopg one in
    autocommit (a read session's, on PostgreSQL) outside a transaction; psycopg's commit()
    and rollback() then end it, as they look at the server's transaction state. Nothing on
    other connections. The hook below calls it for SQLAlchemy's statements, Precompiled for
    its own, which run below SQLAlchemy."""
    if (
        isinstance(dbapi_connection, psycopg.Connection)
        and dbapi_connection.autocommit
        and dbapi_connection.info.transaction_status == TransactionStatus.IDLE
        and needs_transaction(sql)
    ):
        dbapi_connection.execute("BEGIN")


def _begin_before_writing(conn, _cursor, statement, _parameters, _context, _executemany):
    begin_if_needed(conn.connection.dbapi_connection, statement)


def get_database() -> Database:
    return current_app.extensions["voiceapp.db"]


def session() -> Session:
    """The session of the current app context, created on first use."""
    if "db_session" not in g:
        database = get_database()
        reading = has_request_context() and request.method in ("GET", "HEAD")
        maker = database.read_sessionmaker if reading else database.sessionmaker
        g.db_session = maker()
    return g.db_session


# Set in a read session's info once it sent a change to the database.
WROTE = "voiceapp_wrote"


def _note_write(db_session: Session, _flush_context) -> None:
    mark_written(db_session)


def mark_written(db_session: Session) -> None:
    """Say that `db_session` sent a change (what the ORM's events note by themselves; a
    statement run below the ORM says it with this)."""
    db_session.info[WROTE] = True


def _note_dml(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[WROTE] = True


def close_session(_exc=None) -> None:
    """End the app context's session. A read session (GET) that wrote nothing is ended
    with COMMIT rather than ROLLBACK: the same for the data, but psycopg drops every
    prepared statement of the connection on ROLLBACK, so PostgreSQL would plan each
    request's statements anew (Call today's cost 2-3 ms of planning)."""
    db_session = g.pop("db_session", None)
    if db_session is None:
        return
    try:
        read_only = READ_MOSTLY in db_session.get_bind().get_execution_options()
        if _exc is None and read_only and not db_session.info.get(WROTE):
            db_session.commit()
    finally:
        db_session.close()


def insert_skipping_conflicts(db_session: Session, target, values: dict, *, conflict_on=None):
    """INSERT ... ON CONFLICT DO NOTHING for `target` (a mapped class or a table) on the
    session's dialect (PostgreSQL or SQLite), as a statement to add RETURNING to. Where a
    row may already exist (Twilio's retries, concurrent first callbacks), this replaces a
    SAVEPOINT around a flush that may fail: one round trip instead of three, and no
    aborted transaction. `conflict_on`: the unique columns to skip on (any, when None)."""
    insert = dialect_insert(db_session.get_bind().dialect)
    return insert(target).values(**values).on_conflict_do_nothing(index_elements=conflict_on)


def dialect_insert(dialect: Dialect):
    """The `insert` of `dialect` (PostgreSQL or SQLite), the one with ON CONFLICT."""
    if dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert
