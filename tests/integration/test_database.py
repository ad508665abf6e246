"""The database layer: SQLite runs in WAL mode with a busy timeout, and concurrent writers
wait for each other instead of failing; times come back as aware UTC datetimes; on
PostgreSQL, GET requests read in autocommit and begin a transaction before a write."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text
from sqlalchemy.pool import NullPool

from tests.factories import ContactFactory
from voiceapp.db import get_database, needs_transaction
from voiceapp.models import CallEvent, Contact
from voiceapp.precompiled import insert_row


def test_sqlite_uses_wal_and_a_busy_timeout(app, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite pragmas")
    with app.app_context(), get_database().engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 5000
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_concurrent_read_modify_write_neither_fails_nor_loses_updates(app, ctx, dbs):
    """Eight threads each read a row and then write it back, at the same time. On SQLite a
    deferred transaction would fail with 'database is locked' when upgrading its read to a
    write; IMMEDIATE transactions queue instead. On PostgreSQL the row lock (FOR UPDATE,
    a no-op on SQLite) serialises them. Either way no append is lost."""
    contact = ContactFactory(notes="")
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def worker(n: int) -> None:
        try:
            with app.app_context():
                sessionmaker = get_database().sessionmaker
                start.wait(timeout=10)
                for _ in range(5):
                    with sessionmaker() as session:
                        row = session.scalars(
                            select(Contact).where(Contact.id == contact.id).with_for_update()
                        ).one()
                        row.notes = (row.notes or "") + str(n)
                        session.commit()
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a writer never finished"
    assert errors == []
    dbs.rollback()
    # Every one of the 40 appends survived: no lost update either.
    assert len(dbs.scalar(select(Contact.notes).where(Contact.id == contact.id))) == 40


def test_times_are_aware_utc(ctx, dbs):
    contact = ContactFactory()
    dbs.expire_all()
    created = dbs.get(Contact, contact.id).created_at
    assert created.tzinfo is not None
    assert created.utcoffset().total_seconds() == 0
    assert abs((datetime.now(UTC) - created).total_seconds()) < 60


def test_reads_do_not_wait_for_a_writer_on_sqlite(app, ctx, dbs, database_url):
    """A long write (an import batch) must not hold up a look-up: GET requests run in
    deferred transactions, which WAL lets read alongside a writer."""
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite locking")
    import sqlite3
    import time

    from tests.factories import UserFactory
    from voiceapp.services.accounts import create_api_token

    user = UserFactory()
    _row, token = create_api_token(dbs, user, name="t", now=datetime.now(UTC))
    dbs.commit()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/contacts", headers=headers).status_code == 200  # token used once

    writer = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE users SET name = 'Busy' WHERE id = ?", (user.id,))
    try:
        started = time.monotonic()
        response = client.get("/api/contacts", headers=headers)
        elapsed = time.monotonic() - started
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert response.status_code == 200
    # A read that queued behind the writer would wait out busy_timeout (5 s) and fail.
    assert elapsed < 4.0, f"the read waited {elapsed:.2f}s for the writer"


def test_a_get_request_that_wrote_without_committing_leaves_nothing(app, dbs):
    """A read session is ended with COMMIT only when it sent no change; one that flushed
    a change, or ran an UPDATE, without committing is rolled back as before."""
    from sqlalchemy import update

    from voiceapp import db

    contact = ContactFactory(first_name="Before")
    with app.test_request_context("/", method="GET"):
        session = db.session()
        session.get(Contact, contact.id).first_name = "Flushed"
        session.flush()
    with app.test_request_context("/", method="GET"):
        db.session().execute(
            update(Contact).where(Contact.id == contact.id).values(last_name="Updated")
        )
    dbs.rollback()
    dbs.expire_all()
    stored = dbs.get(Contact, contact.id)
    assert (stored.first_name, stored.last_name) == ("Before", contact.last_name)


def test_get_requests_keep_the_connections_prepared_statements(make_app, database_url):
    """psycopg drops every prepared statement on ROLLBACK: a GET request that only read
    ends with COMMIT, so PostgreSQL does not plan the same statements again for every
    request."""
    if not database_url.startswith("postgresql"):
        pytest.skip("psycopg's prepared statements")
    from voiceapp import db

    app = make_app()  # its own pool: one connection, reused by every request here
    try:
        for _ in range(8):  # psycopg prepares a statement on its fifth run
            with app.test_request_context("/", method="GET"):
                session = db.session()
                session.execute(select(Contact.id).where(Contact.first_name == "x")).all()
                raw = session.connection().connection.dbapi_connection
        assert len(raw._prepared._names) >= 1
    finally:
        app.extensions["voiceapp.db"].engine.dispose()


@pytest.mark.parametrize("idle_seconds", [0.0, 3600.0])
def test_a_connection_that_dropped_while_idle_is_replaced_before_use(database_url, idle_seconds):
    """The pool pings a connection that sat idle longer than the threshold (and only
    those: one round trip saved on every busy request), and hands out a fresh one when the
    old one died. Under the threshold the dead connection is used, fails once, and the
    pool is renewed, as SQLAlchemy does for any disconnect."""
    if database_url.startswith("sqlite"):
        pytest.skip("a server connection")
    from sqlalchemy import create_engine
    from sqlalchemy.exc import OperationalError

    from voiceapp.db import _ping_idle_connections

    engine = create_engine(database_url, pool_size=1, max_overflow=0)
    _ping_idle_connections(engine, idle_seconds)
    try:
        with engine.connect() as conn:
            first = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        with create_engine(database_url, poolclass=NullPool).connect() as other:
            other.exec_driver_sql(f"SELECT pg_terminate_backend({int(first)})")
        if idle_seconds == 0.0:
            with engine.connect() as conn:
                assert conn.exec_driver_sql("SELECT pg_backend_pid()").scalar() != first
        else:
            with pytest.raises(OperationalError), engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
            with engine.connect() as conn:  # the pool renewed itself
                assert conn.exec_driver_sql("SELECT pg_backend_pid()").scalar() != first
    finally:
        engine.dispose()


# --- PostgreSQL: GET requests read in autocommit ------------------------------------------


def _server_transaction_status(session) -> str:
    """The server's view of the session's connection: IDLE (no transaction) or INTRANS."""
    return session.connection().connection.dbapi_connection.info.transaction_status.name


@pytest.fixture
def read_session(database_url, dbs):
    """A session as a GET request gets it (db.session() in a GET takes this maker)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's read sessions (SQLite's take BEGIN DEFERRED)")
    with get_database().read_sessionmaker() as session:
        yield session


def test_a_get_requests_reads_open_no_transaction(dbs, read_session):
    """BEGIN and COMMIT were two of an API GET's four round trips."""
    ContactFactory(first_name="Ada")
    dbs.commit()
    assert read_session.scalar(select(Contact.first_name)) == "Ada"
    assert _server_transaction_status(read_session) == "IDLE"
    read_session.commit()


@pytest.mark.parametrize("flush_or_lock", ["flush", "for update", "set local"])
def test_a_get_requests_write_lock_or_set_local_runs_in_a_transaction(
    dbs, read_session, flush_or_lock
):
    """A write begins a transaction first, so a rollback undoes it (nothing half-stored);
    a row lock holds until the end; SET LOCAL (the dashboard's work_mem) applies to the
    rest of the request."""
    contact = ContactFactory(notes="before")
    dbs.commit()
    if flush_or_lock == "flush":
        read_session.get(Contact, contact.id).notes = "changed"
        read_session.flush()
    elif flush_or_lock == "for update":
        read_session.scalars(select(Contact).where(Contact.id == contact.id).with_for_update())
    else:
        read_session.execute(text("SET LOCAL work_mem = '64MB'"))
        assert read_session.scalar(text("SHOW work_mem")) == "64MB"
    assert _server_transaction_status(read_session) == "INTRANS"
    read_session.rollback()
    assert _server_transaction_status(read_session) == "IDLE"
    assert read_session.scalar(select(Contact.notes).where(Contact.id == contact.id)) == "before"


def test_a_get_requests_commit_keeps_its_write(dbs, read_session):
    contact = ContactFactory(notes="before")
    dbs.commit()
    read_session.get(Contact, contact.id).notes = "seen"
    read_session.commit()
    assert _server_transaction_status(read_session) == "IDLE"
    dbs.expire_all()
    assert dbs.get(Contact, contact.id).notes == "seen"


def test_precompiled_writes_in_a_get_begin_a_transaction(read_session):
    """Statements below the ORM (Precompiled) begin one too."""
    values = {"call_sid": "CA" + "1" * 32, "source": "status"}
    insert_row(read_session, CallEvent.__table__, values)
    assert _server_transaction_status(read_session) == "INTRANS"
    read_session.rollback()
    assert read_session.scalar(select(CallEvent.id)) is None


def test_which_statements_need_a_transaction():
    assert not needs_transaction("SELECT contacts.id FROM contacts WHERE contacts.id = %s")
    assert not needs_transaction("  select 1")
    assert needs_transaction("SELECT calls.id FROM calls WHERE calls.sid = $1 FOR UPDATE")
    assert needs_transaction("SELECT id FROM calls FOR NO KEY UPDATE SKIP LOCKED")
    assert needs_transaction("SELECT id FROM calls FOR SHARE")
    assert needs_transaction("INSERT INTO calls (sid) VALUES ($1)")
    assert needs_transaction("UPDATE calls SET status=$1")
    assert needs_transaction("DELETE FROM calls")
    assert needs_transaction("SET LOCAL work_mem = '64MB'")
    assert needs_transaction("SAVEPOINT sa_savepoint_1")
    assert needs_transaction("WITH moved AS (DELETE FROM x RETURNING *) SELECT * FROM moved")
    assert needs_transaction("SELECT pg_advisory_xact_lock(42)")
    assert needs_transaction("SELECT set_config('app.user', '7', true)")
