"""The Alembic history: one head, and the migrated schema is exactly the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

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
