"""cases.private_to: who alone may see a case's contact, kept on the case by triggers

An agent's Call today offers only cases whose contact the agent sees. Checked per case
with a look-up of its contact (a correlated EXISTS), that rule cost 8.5 ms of a page's
10 ms on a million cases (bench/README.md). The case now carries it: `private_to` is NULL
when its contact is not private, else the id of the contact's owner, or 0 when a private
contact has no owner (it matches no member: only managers and admins see it). Triggers
keep it right however a contact's visibility or owner changes (the panel, the API, an
import, a member deleted and the owner set to NULL by the foreign key) and whenever a case
is created or moved to another contact, so no code path can forget it. The two partial
indexes of Call today hold it in place of contact_id, so the rule is read from the index.

On SQLite, a later migration that rebuilds `cases` or `contacts` with batch_alter_table
(copy and rename) drops their triggers: it must create them again (create_triggers below).

Revision ID: 0018_cases_private_to
Revises: 0017_recording_storage
Create Date: 2026-11-30 19:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0018_cases_private_to"
down_revision = "0017_recording_storage"
branch_labels = None
depends_on = None

OPEN = sa.text("status = 'open'")
OPEN_POOL = sa.text("status = 'open' AND assignee_id IS NULL")
INDEXES = {
    # name: (columns before, columns after, condition)
    "ix_cases_open_assignee_due": (
        ["assignee_id", "due_at", "id", "contact_id"],
        ["assignee_id", "due_at", "id", "private_to"],
        OPEN,
    ),
    "ix_cases_open_pool": (
        ["type", "language", "due_at", "id", "contact_id"],
        ["type", "language", "due_at", "id", "private_to"],
        OPEN_POOL,
    ),
}

# The contact's private_to, from a contacts row named `c`.
PRIVATE_TO = "CASE WHEN c.visibility = 'private' THEN coalesce(c.owner_id, 0) END"
# The private_to of the case NEW, from its contact.
CASE_PRIVATE_TO = f"(SELECT {PRIVATE_TO} FROM contacts c WHERE c.id = NEW.contact_id)"

SQLITE_TRIGGERS = [
    # A new case of a private contact (a case of a shared one keeps NULL: no write).
    f"""
    CREATE TRIGGER cases_private_to_on_insert AFTER INSERT ON cases
    WHEN EXISTS (SELECT 1 FROM contacts c WHERE c.id = NEW.contact_id AND c.visibility = 'private')
    BEGIN
        UPDATE cases SET private_to = {CASE_PRIVATE_TO} WHERE id = NEW.id;
    END
    """,
    # A case moved to another contact.
    f"""
    CREATE TRIGGER cases_private_to_on_move AFTER UPDATE OF contact_id ON cases
    BEGIN
        UPDATE cases SET private_to = {CASE_PRIVATE_TO} WHERE id = NEW.id;
    END
    """,
    # A contact made private or shared, or given to another owner.
    """
    CREATE TRIGGER contacts_private_to_cases AFTER UPDATE OF visibility, owner_id ON contacts
    WHEN OLD.visibility IS NOT NEW.visibility OR OLD.owner_id IS NOT NEW.owner_id
    BEGIN
        UPDATE cases
        SET private_to = CASE WHEN NEW.visibility = 'private' THEN coalesce(NEW.owner_id, 0) END
        WHERE contact_id = NEW.id;
    END
    """,
]

POSTGRESQL_TRIGGERS = [
    f"""
    CREATE FUNCTION cases_private_to() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.private_to := {CASE_PRIVATE_TO};
        RETURN NEW;
    END $$
    """,
    """
    CREATE TRIGGER cases_private_to BEFORE INSERT OR UPDATE OF contact_id ON cases
    FOR EACH ROW EXECUTE FUNCTION cases_private_to()
    """,
    """
    CREATE FUNCTION contacts_private_to_cases() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE cases
        SET private_to = CASE WHEN NEW.visibility = 'private' THEN coalesce(NEW.owner_id, 0) END
        WHERE contact_id = NEW.id;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER contacts_private_to_cases AFTER UPDATE OF visibility, owner_id ON contacts
    FOR EACH ROW
    WHEN (OLD.visibility IS DISTINCT FROM NEW.visibility
          OR OLD.owner_id IS DISTINCT FROM NEW.owner_id)
    EXECUTE FUNCTION contacts_private_to_cases()
    """,
]

DROP = {
    "sqlite": [
        "DROP TRIGGER IF EXISTS cases_private_to_on_insert",
        "DROP TRIGGER IF EXISTS cases_private_to_on_move",
        "DROP TRIGGER IF EXISTS contacts_private_to_cases",
    ],
    "postgresql": [
        "DROP TRIGGER IF EXISTS cases_private_to ON cases",
        "DROP TRIGGER IF EXISTS contacts_private_to_cases ON contacts",
        "DROP FUNCTION IF EXISTS cases_private_to()",
        "DROP FUNCTION IF EXISTS contacts_private_to_cases()",
    ],
}


def create_triggers() -> None:
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_TRIGGERS if dialect == "sqlite" else POSTGRESQL_TRIGGERS:
        op.execute(statement)


def _rebuild_indexes(which: int) -> None:
    for name, spec in INDEXES.items():
        op.drop_index(name, table_name="cases")
        op.create_index(name, "cases", spec[which], sqlite_where=spec[2], postgresql_where=spec[2])


def upgrade() -> None:
    op.add_column("cases", sa.Column("private_to", sa.Integer(), nullable=True))
    op.execute(
        f"UPDATE cases SET private_to = (SELECT {PRIVATE_TO} FROM contacts c"
        " WHERE c.id = cases.contact_id)"
        " WHERE contact_id IN (SELECT id FROM contacts WHERE visibility = 'private')"
    )
    create_triggers()
    _rebuild_indexes(1)


def downgrade() -> None:
    for statement in DROP[op.get_bind().dialect.name]:
        op.execute(statement)
    _rebuild_indexes(0)
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("private_to")
