"""The Alembic history: one head, and the migrated schema is exactly the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from rq.utils import import_attribute
from sqlalchemy import create_engine, inspect, text

from voiceapp.db import Base
from voiceapp.migrate import downgrade, heads, upgrade


def test_migrations_have_a_single_head():
    assert len(heads()) == 1


def test_migrated_schema_matches_the_models(database_url):
    engine = create_engine(database_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert diff == [], f"models and migrations drift apart: {diff}"


def test_a_fresh_sqlite_database_upgrades_downgrades_and_upgrades_again(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    upgrade(url)
    engine = create_engine(url)
    tables = set(inspect(engine).get_table_names())
    assert {"users", "contacts", "contact_phones", "api_tokens", "user_sessions"} <= tables
    downgrade(url, "base")
    assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    upgrade(url)
    assert set(inspect(engine).get_table_names()) == tables
    engine.dispose()


def test_outbox_rows_of_the_previous_release_name_the_moved_jobs(tmp_path):
    """Migration 0004: jobs moved from voiceapp.jobs to workers/; pending outbox rows
    written before the upgrade must still resolve (and the downgrade gives them back)."""
    url = f"sqlite:///{tmp_path / 'outbox.sqlite3'}"
    upgrade(url, "0003")
    engine = create_engine(url)
    old_names = ["voiceapp.jobs.send_email", "voiceapp.jobs.fetch_recording", "other.job"]
    with engine.begin() as conn:
        for i, name in enumerate(old_names):
            conn.execute(
                text(
                    "INSERT INTO outbox_jobs (func, args, job_id, queue, created_at, attempts) "
                    "VALUES (:func, '[]', :job_id, 'default', '2026-11-29 10:00:00', 0)"
                ),
                {"func": name, "job_id": f"job-{i}"},
            )

    def names():
        with engine.connect() as conn:
            return conn.execute(text("SELECT func FROM outbox_jobs ORDER BY id")).scalars().all()

    upgrade(url)
    assert names() == [
        "workers.email.send_email",
        "workers.recordings.fetch_recording",
        "other.job",
    ]
    for name in names()[:2]:
        assert callable(import_attribute(name))
    downgrade(url, "0003")
    assert names() == old_names
    engine.dispose()


def test_upgrading_a_sqlite_database_keeps_every_row_and_reference(tmp_path):
    """SQLite's migrations rebuild tables (batch mode). With foreign keys on, dropping the
    old `users` would unassign every case and dropping the old `cases` would delete their
    history: the upgrade from 0010 keeps them all. And 0013 fills cases.closed_by_id from
    the outcome recorded when a case closed; a case closed otherwise (paid after an
    outcome), or still open, names nobody."""
    url = f"sqlite:///{tmp_path / 'kept.sqlite3'}"
    upgrade(url, "0010")
    engine = create_engine(url)
    created = "'2026-11-01 09:00:00'"
    with engine.begin() as conn:
        agent = conn.execute(
            text(
                "INSERT INTO users (email, name, role, active, payout_factor, "
                "can_receive_payouts, can_approve_commissions, can_set_affiliates, "
                "can_change_affiliates, case_types, languages, created_at, notify_by_email) "
                "VALUES ('closer@example.com', 'Closer', 'agent', 1, 1, 1, 0, 0, 0, '[]', "
                f"'[]', {created}, 0) RETURNING id"
            )
        ).scalar_one()
        conn.execute(
            text(
                "INSERT INTO user_sessions (token_hash, user_id, created_at, last_seen_at) "
                f"VALUES ('h', :agent, {created}, {created})"
            ),
            {"agent": agent},
        )
        contact = conn.execute(
            text(
                "INSERT INTO contacts (kind, tags, visibility, auto_payments, created_at, "
                f"updated_at) VALUES ('person', '[]', 'shared_write', 1, {created}, {created}) "
                "RETURNING id"
            )
        ).scalar_one()
        cases = {}
        for name, status, closed_at, outcome_at in (
            ("by_outcome", "closed", "2026-11-02 10:00:00", "2026-11-02 10:00:00"),
            ("paid", "closed", "2026-11-02 11:00:00", "2026-11-02 10:30:00"),
            ("open", "open", None, "2026-11-02 10:00:00"),
        ):
            case = conn.execute(
                text(
                    "INSERT INTO cases (type, contact_id, language, assignee_id, status, "
                    "due_at, attempts, not_reached, closed_at, created_at, updated_at) VALUES "
                    "('payment_reminder', :contact, 'de', :agent, :status, "
                    f"'2026-11-02 09:00:00', 1, 0, :closed_at, {created}, {created}) "
                    "RETURNING id"
                ),
                {"contact": contact, "agent": agent, "status": status, "closed_at": closed_at},
            ).scalar_one()
            conn.execute(
                text(
                    "INSERT INTO case_events (case_id, at, kind, summary, actor_id, data) "
                    "VALUES (:case, :at, 'outcome', 'Outcome', :actor, '{}')"
                ),
                {"case": case, "at": outcome_at, "actor": agent},
            )
            cases[name] = case
    upgrade(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, assignee_id, closed_by_id FROM cases")).all()
        events = conn.execute(text("SELECT count(*) FROM case_events")).scalar_one()
        sessions = conn.execute(text("SELECT count(*) FROM user_sessions")).scalar_one()
    engine.dispose()
    assert events == 3 and sessions == 1
    assert {case: assignee for case, assignee, _closer in rows} == dict.fromkeys(
        cases.values(), agent
    )
    closers = {case: closer for case, _assignee, closer in rows}
    assert closers == {cases["by_outcome"]: agent, cases["paid"]: None, cases["open"]: None}
