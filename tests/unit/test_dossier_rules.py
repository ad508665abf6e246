"""The dossier rules without a database: stages after payments, the quote that may be
accepted, and a subscription's status from its overdue payments."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from voiceapp.domain.dossiers import (
    MAX_FAILED_PAYMENTS,
    acceptable_quote_id,
    can_archive,
    can_mark_processed,
    stage_after_payment,
    stage_after_payment_asked,
    subscription_start,
    subscription_status_after,
)

D = Decimal


@pytest.mark.parametrize(
    ("stage", "received", "expected"),
    [
        ("awaiting_payment", D("0"), "awaiting_payment"),
        ("awaiting_payment", D("100"), "deposit_paid"),
        ("new", D("499.99"), "deposit_paid"),
        ("deposit_paid", D("500"), "paid_in_full"),
        ("in_progress", D("600"), "paid_in_full"),
        # Never backwards, never out of processed or archived.
        ("paid_in_full", D("100"), "paid_in_full"),
        ("processed", D("500"), "processed"),
        ("archived", D("500"), "archived"),
        (None, D("500"), None),
    ],
)
def test_the_stage_after_a_payment(stage, received, expected):
    assert stage_after_payment(stage, received, D("500")) == expected


def test_asking_for_payment_moves_only_early_stages_forward():
    assert stage_after_payment_asked("new") == "awaiting_payment"
    assert stage_after_payment_asked("in_progress") == "awaiting_payment"
    assert stage_after_payment_asked("deposit_paid") == "deposit_paid"
    assert stage_after_payment_asked(None) is None


def test_processed_needs_money_in_and_archived_is_final():
    assert [
        s
        for s in ("new", "awaiting_payment", "deposit_paid", "paid_in_full", "processed")
        if can_mark_processed(s)
    ] == ["deposit_paid", "paid_in_full"]
    assert can_archive("new") and can_archive("processed")
    assert not can_archive("archived") and not can_archive(None)


def test_only_the_latest_quote_while_sent_can_be_accepted():
    assert acceptable_quote_id([(3, "withdrawn"), (7, "sent")]) == 7
    assert acceptable_quote_id([(7, "sent"), (9, "withdrawn")]) is None
    assert acceptable_quote_id([(7, "accepted")]) is None
    assert acceptable_quote_id([]) is None


def test_a_subscription_follows_its_overdue_payments():
    today, start = date(2026, 5, 4), date(2026, 5, 1)
    assert subscription_start(date(2026, 5, 5), today) == "scheduled"
    assert subscription_start(today, today) == "active"
    assert subscription_status_after("active", 0, start, today) == "active"
    assert subscription_status_after("scheduled", 0, date(2026, 6, 1), today) == "scheduled"
    assert subscription_status_after("scheduled", 0, start, today) == "active"
    assert subscription_status_after("active", 1, start, today) == "payment_failed"
    assert subscription_status_after("payment_failed", 0, start, today) == "active"
    assert (
        subscription_status_after("payment_failed", MAX_FAILED_PAYMENTS, start, today) == "inactive"
    )
    assert subscription_status_after("inactive", 0, start, today) == "inactive"
