"""Call today stays one statement when it shows the status of each case's order, and the
order is read by its primary key for the page's rows only: the streams are still served
by their partial indexes, and no table is scanned (bench/bench_cases.py measures it on a
million cases). The exact SQL the service sends is captured and EXPLAINed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, text

from tests.factories import CaseFactory, ContactFactory, UserFactory
from tests.order_helpers import take_order
from tests.sql_capture import explain, note_precompiled_runs, sent_selects
from voiceapp.models import Case
from voiceapp.services import cases

NOW = datetime(2026, 11, 23, 9, 5, tzinfo=UTC)


def plan(dbs, sql: str, params) -> str:
    conn = dbs.connection()
    if conn.dialect.name == "postgresql":
        # Tiny test tables: forbid the sequential and bitmap scans, so the plan shows
        # whether an index can serve each part at all.
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        conn.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
    return explain(conn, sql, params)


@pytest.fixture
def agent(ctx):
    return UserFactory(role="agent", languages=["de"], case_types=["new_order", "missed_call"])


def crowd_the_open_cases(dbs, contact_id: int) -> None:
    """Open cases of a colleague, all due earlier, and fresh statistics: as in a real team,
    walking every open case in due order (ix_cases_open_due) and skipping the others' is
    then dearer than the agent's own index. On a near-empty table the planner may take
    either, whatever the statistics left by earlier tests say."""
    colleague = UserFactory(role="agent")
    dbs.execute(
        insert(Case),
        [
            {
                "type": "missed_call",
                "language": "de",
                "contact_id": contact_id,
                "assignee_id": colleague.id,
                "due_at": NOW - timedelta(days=3, minutes=n),
            }
            for n in range(300)
        ],
    )
    dbs.execute(text("ANALYZE cases"))


@pytest.mark.parametrize("role", ["agent", "sales_manager"])
def test_call_today_with_order_statuses_is_one_statement_served_by_its_indexes(
    dbs, agent, role, monkeypatch
):
    user = agent if role == "agent" else UserFactory(role=role, case_types=["new_order"])
    for n in range(3):
        take_order(dbs, user, now=NOW - timedelta(days=2, hours=n))
    contact = ContactFactory(owner_id=user.id)
    CaseFactory(contact=contact, type="missed_call", due_at=NOW - timedelta(hours=1))
    CaseFactory(contact=contact, type="new_order", due_at=NOW, assignee_id=None)
    crowd_the_open_cases(dbs, contact.id)

    ran = note_precompiled_runs(monkeypatch)
    (items, total), selects = sent_selects(
        dbs, lambda: cases.call_today(dbs, user, now=NOW, zone="Europe/Berlin")
    )

    # The order's status rides along: one statement, no query per row.
    assert (len(ran), selects) == (1, []), (ran, selects)
    assert total == len(items) >= 4
    assert sorted(i.order_status for i in items if i.order_id) == ["pending"] * 3
    steps = plan(dbs, *ran[0])
    dbs.rollback()
    assert "ix_cases_open_assignee_due" in steps, steps
    # The pool's streams (no assignee) from an index too: their own partial one, or, on
    # these tiny tables, the assignee index with "assignee_id IS NULL" (PostgreSQL took
    # either in full runs, by the statistics earlier tests left); bench_cases.py checks
    # the choice on a million cases.
    assert "ix_cases_open_pool" in steps or "(assignee_id IS NULL)" in steps, steps
    assert "Seq Scan" not in steps and "SCAN cases\n" not in steps + "\n", steps
    # Each row's first callable number: read in order from the contact's numbers' index,
    # no sort per row.
    assert "ix_contact_phones_contact_position" in steps, steps
    assert "Sort Key: contact_phones" not in steps, steps
    after_phones = steps.split("ix_contact_phones_contact_position", 1)[1].split("\n")[1:2]
    assert after_phones != ["USE TEMP B-TREE FOR ORDER BY"], steps
    # The order: by its primary key, never a scan of the orders table.
    assert "SCAN orders" not in steps, steps
    assert (
        "Index Scan using pk_orders on orders" in steps
        or "SEARCH orders USING INTEGER PRIMARY KEY" in steps
    ), steps
