"""The sweep runs every minute over tables with a million cases: its queries must be
served by their partial indexes (ix_cases_remind_at, ix_tasks_remind_at,
ix_orders_pending_auto_cancel, ix_outgoing_emails_pending), never by a scan of the
table. Look-ups on busy paths use their indexes too: an outcome marks its case's
notifications read, a pay page or an arriving payment finds the order's request and
subscriptions. The exact SQL the services send is captured and EXPLAINed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from tests.sql_capture import explain, sent_selects, sent_statements
from voiceapp.services.cases.reminders import overdue_reminders
from voiceapp.services.orders.auto_cancel import overdue_auto_cancels
from voiceapp.services.orders.pay_page import online_payment_allowed
from voiceapp.services.repairs import stale_emails_statement
from voiceapp.services.requests.money import request_of_order
from voiceapp.services.requests.subscriptions import follow_payments, subscription_of_request
from voiceapp.services.tasks.reminders import late_reminders

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def captured_select(dbs, run) -> tuple[str, object]:
    _result, selects = sent_selects(dbs, run)
    assert len(selects) == 1, selects
    return selects[0]


def plan(dbs, sql: str, params) -> str:
    conn = dbs.connection()
    if conn.dialect.name == "postgresql":
        # Tiny test tables: forbid the sequential and bitmap scans, so the plan shows
        # whether an index scan can serve the query (in its order) at all.
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        conn.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
    return explain(conn, sql, params)


@pytest.mark.parametrize(
    ("query", "index", "table"),
    [
        (
            lambda dbs: overdue_reminders(dbs, before=NOW - timedelta(minutes=2), limit=500),
            "ix_cases_remind_at",
            "cases",
        ),
        (
            lambda dbs: late_reminders(dbs, before=NOW - timedelta(minutes=2), limit=500),
            "ix_tasks_remind_at",
            "tasks",
        ),
        (
            lambda dbs: overdue_auto_cancels(dbs, NOW - timedelta(minutes=2), 500),
            "ix_orders_pending_auto_cancel",
            "orders",
        ),
        (
            lambda dbs: dbs.scalars(stale_emails_statement(NOW, 500)).all(),
            "ix_outgoing_emails_pending",
            "outgoing_emails",
        ),
    ],
    ids=["late reminders", "late task reminders", "late auto-cancels", "stale e-mails"],
)
def test_the_sweep_reads_only_its_partial_index(dbs, query, index, table):
    sql, params = captured_select(dbs, lambda: query(dbs))
    steps = plan(dbs, sql, params)
    dbs.rollback()
    assert index in steps, steps
    assert f"SCAN {table}\n" not in steps + "\n" and "Seq Scan" not in steps, steps
    # Ordered by the index itself: no sort of the matching rows.
    assert "TEMP B-TREE" not in steps and "Sort" not in steps, steps


def test_an_outcome_marks_the_cases_notifications_read_through_their_index(dbs):
    """Every outcome recorded marks the case's notifications read: the table grows by one
    notification per reminder, so the UPDATE must find them by case (and a deleted case's
    through the foreign key), not by a scan."""
    from voiceapp.services.notifications import mark_case_notifications_read

    _count, updates = sent_statements(
        dbs, lambda: mark_case_notifications_read(dbs, 1, "case_due", now=NOW), "UPDATE"
    )
    assert len(updates) == 1, updates
    steps = plan(dbs, *updates[0])
    dbs.rollback()
    assert "ix_notifications_case_id" in steps, steps
    assert "SCAN notifications" not in steps and "Seq Scan" not in steps, steps


@pytest.mark.parametrize(
    ("query", "index", "table"),
    [
        (
            lambda dbs: online_payment_allowed(dbs, SimpleNamespace(id=1)),
            "ix_requests_order",
            "requests",
        ),
        (lambda dbs: request_of_order(dbs, 1), "ix_requests_order", "requests"),
        (
            lambda dbs: follow_payments(dbs, SimpleNamespace(id=1), 0, today=NOW.date(), now=NOW),
            "ix_subscriptions_order",
            "subscriptions",
        ),
        (
            lambda dbs: subscription_of_request(dbs, 1),
            "ix_subscriptions_request",
            "subscriptions",
        ),
    ],
    ids=["pay page's request", "payment's request", "payment's subscriptions", "request's"],
)
def test_an_orders_request_and_subscriptions_are_found_by_index(dbs, query, index, table):
    """Every pay page and every arriving payment look these up."""
    sql, params = captured_select(dbs, lambda: query(dbs))
    steps = plan(dbs, sql, params)
    dbs.rollback()
    assert index in steps, steps
    assert f"SCAN {table}" not in steps and "Seq Scan" not in steps, steps
