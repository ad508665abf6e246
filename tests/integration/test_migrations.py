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
