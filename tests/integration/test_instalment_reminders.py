"""A later instalment or subscription payment that does not arrive opens a payment-reminder
case, once per order and due date (seed 002); a customer paying automatically by SEPA has
each payment debited on its due date instead, and is reminded only when the debit has not
arrived five days later; cancelled and refunded orders are never reminded. The hourly job
runs as the clock runs it (workers.remind_due_instalments), with the clock travelled."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from sqlalchemy import func, select

import workers
from tests.factories import ContactFactory, UserFactory
from tests.order_helpers import INSTALMENTS_3, SUBSCRIPTION_MONTHLY, make_product, take_order
from voiceapp.models import Case, CaseEvent, Contact, InstalmentReminder, Order, OrderEvent, Payment
from voiceapp.services.orders import actions, payments
from voiceapp.services.orders.instalments import SEPA_GRACE, sepa_ref
from voiceapp.services.team_settings import editable_team_settings

# Tuesday 10 March 2026, 10:00 in Berlin. Instalments of 39.00, 40.00, 40.00 EUR due on
# 10 March, 10 April and 10 May.
TAKEN = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
SECOND_DUE, THIRD_DUE = date(2026, 4, 10), date(2026, 5, 10)


@pytest.fixture
def clock():
    with time_machine.travel(TAKEN, tick=False) as traveller:
        yield traveller


@pytest.fixture
def worker_app(shared_app):
    app = shared_app()
    workers.set_job_app(app)
    yield app
    workers.set_job_app(None)


@pytest.fixture
def seller(ctx):
    return UserFactory(role="agent", name="Jonas Becker")


def instalment_order(dbs, seller, *, first_payment: str | None = "manual", auto=True) -> Order:
    """An instalment order taken at TAKEN, its first instalment paid (by `first_payment`)."""
    product = make_product(dbs, plans=[INSTALMENTS_3])
    contact = ContactFactory(owner_id=seller.id, country="DE", language="de", auto_payments=auto)
    order = take_order(
        dbs, seller, product=product, contact=contact, plan={"kind": "instalments"}, now=TAKEN
    )
    if first_payment == "sepa":
        debit = payments.record_payment(
            dbs,
            order.id,
            amount=Decimal("39.00"),
            method="sepa",
            status="pending",
            now=TAKEN,
            details={"iban": "DE89 **** 3000", "mandate": "M-1"},
        )
        payments.mark_payment_received(dbs, debit.id, now=TAKEN + timedelta(days=2))
    elif first_payment:
        payments.record_payment(
            dbs, order.id, amount=Decimal("39.00"), method=first_payment, now=TAKEN
        )
    dbs.commit()
    return order


def run(clock, when: datetime) -> dict[str, int]:
    clock.move_to(when)
    return workers.remind_due_instalments()


def reminder_cases(dbs, order) -> list[Case]:
    dbs.rollback()
    dbs.expire_all()
    return list(
        dbs.scalars(
            select(Case)
            .where(Case.order_id == order.id, Case.type == "payment_reminder")
            .order_by(Case.id)
        )
    )


def reminded_dates(dbs, order) -> list[date]:
    dbs.rollback()
    return list(
        dbs.scalars(
            select(InstalmentReminder.due_on)
            .where(InstalmentReminder.order_id == order.id)
            .order_by(InstalmentReminder.due_on)
        )
    )


def pay(dbs, order, amount: str, when: datetime) -> None:
    payments.record_payment(dbs, order.id, amount=Decimal(amount), method="manual", now=when)
    dbs.commit()


def test_an_unpaid_instalment_opens_one_reminder_for_the_seller_the_day_after_it_was_due(
    clock, worker_app, dbs, seller
):
    order = instalment_order(dbs, seller)
    assert dbs.get(Order, order.id).status == "paid"

    # On its due day the instalment is not late yet.
    on_the_day = run(clock, datetime(2026, 4, 10, 20, 0, tzinfo=UTC))
    assert on_the_day["instalment_reminders"] == 0 and reminder_cases(dbs, order) == []

    # Saturday 11 April, 10:00 in Berlin: late.
    late = datetime(2026, 4, 11, 8, 0, tzinfo=UTC)
    assert run(clock, late)["instalment_reminders"] == 1
    [case] = reminder_cases(dbs, order)
    assert (case.status, case.assignee_id, case.contact_id, case.language) == (
        "open",
        seller.id,
        order.contact_id,
        "de",
    )
    assert case.due_at == late  # inside the calling window: due at once
    assert case.note == (
        f"Payment 2 of order {order.number}, 40.00 EUR, was due on 2026-04-10 and has not arrived."
    )
    assert reminded_dates(dbs, order) == [SECOND_DUE]
    history = dbs.scalars(
        select(OrderEvent.text).where(
            OrderEvent.order_id == order.id, OrderEvent.kind == "reminder"
        )
    ).all()
    assert history == [f"{case.note[:-1]}: payment reminder (case #{case.id})"]

    # The job runs every hour: never a second case for the same payment.
    assert run(clock, late + timedelta(hours=1))["instalment_reminders"] == 0
    assert run(clock, late + timedelta(days=3))["instalment_reminders"] == 0
    assert len(reminder_cases(dbs, order)) == 1


def test_the_reminder_closes_when_the_money_arrives_and_the_next_late_payment_opens_another(
    clock, worker_app, dbs, seller
):
    order = instalment_order(dbs, seller)
    run(clock, datetime(2026, 4, 11, 8, 0, tzinfo=UTC))
    [first] = reminder_cases(dbs, order)

    pay(dbs, order, "40.00", datetime(2026, 4, 13, 9, 0, tzinfo=UTC))
    swept = run(clock, datetime(2026, 4, 13, 10, 0, tzinfo=UTC))

    assert swept == {
        "instalment_reminders": 0,
        "sepa_debits": 0,
        "instalment_reminders_closed": 1,
    }
    [first] = reminder_cases(dbs, order)
    assert (first.status, first.close_reason) == ("closed", "paid")
    assert first.remind_at is None  # its agent is not reminded of a paid case

    # The third instalment is late in turn: a new case.
    assert run(clock, datetime(2026, 5, 11, 8, 0, tzinfo=UTC))["instalment_reminders"] == 1
    cases = reminder_cases(dbs, order)
    assert [c.status for c in cases] == ["closed", "open"]
    assert reminded_dates(dbs, order) == [SECOND_DUE, THIRD_DUE]


def test_payments_late_together_share_one_open_case(clock, worker_app, dbs, seller):
    order = instalment_order(dbs, seller)
    assert run(clock, datetime(2026, 5, 12, 8, 0, tzinfo=UTC))["instalment_reminders"] == 2
    [case] = reminder_cases(dbs, order)
    assert reminded_dates(dbs, order) == [SECOND_DUE, THIRD_DUE]
    lines = dbs.scalars(
        select(CaseEvent.summary).where(
            CaseEvent.case_id == case.id, CaseEvent.kind == "payment_overdue"
        )
    ).all()
    assert lines == [
        f"Payment 3 of order {order.number}, 40.00 EUR, was due on 2026-05-10 and has not arrived"
    ]


def test_cancelled_and_refunded_orders_are_never_reminded(clock, worker_app, dbs, seller):
    manager = UserFactory(role="sales_manager")
    refunded = instalment_order(dbs, seller)
    payments.refund(dbs, refunded.id, now=TAKEN + timedelta(days=1), actor=manager)
    cancelled = instalment_order(dbs, seller, first_payment=None)
    actions.cancel(dbs, cancelled.id, actor=manager, now=TAKEN + timedelta(days=1))
    dbs.commit()

    swept = run(clock, datetime(2026, 6, 1, 8, 0, tzinfo=UTC))

    assert swept["instalment_reminders"] == 0
    dbs.rollback()
    assert dbs.scalar(select(func.count()).select_from(InstalmentReminder)) == 0
    assert dbs.scalar(select(func.count()).where(Case.type == "payment_reminder")) == 0


def test_the_first_payment_of_a_pending_order_is_left_to_its_follow_up(
    clock, worker_app, dbs, seller
):
    order = instalment_order(dbs, seller, first_payment=None)
    actions.set_auto_cancel(dbs, order.id, None, actor=seller, now=TAKEN)
    dbs.commit()
    assert run(clock, datetime(2026, 3, 20, 8, 0, tzinfo=UTC))["instalment_reminders"] == 0
    # A later instalment of an order still unpaid (its auto-cancel switched off) is.
    assert run(clock, datetime(2026, 4, 11, 8, 0, tzinfo=UTC))["instalment_reminders"] == 1
    assert reminded_dates(dbs, order) == [SECOND_DUE]


def test_nothing_is_opened_when_the_team_removed_the_payment_reminder_type(
    clock, worker_app, dbs, seller
):
    order = instalment_order(dbs, seller)
    settings = editable_team_settings(dbs)
    settings.case_types = [t for t in settings.case_types if t["key"] != "payment_reminder"]
    dbs.commit()
    assert run(clock, datetime(2026, 4, 11, 8, 0, tzinfo=UTC))["instalment_reminders"] == 0
    assert reminder_cases(dbs, order) == [] and reminded_dates(dbs, order) == []


def test_the_reminder_goes_to_the_contact_owner_when_the_seller_left_or_else_the_pool(
    clock, worker_app, dbs, seller
):
    owner = UserFactory(role="agent")
    order = instalment_order(dbs, seller)
    pooled = instalment_order(dbs, seller)
    dbs.get(type(seller), seller.id).active = False
    dbs.get(Contact, order.contact_id).owner_id = owner.id
    dbs.get(Contact, pooled.contact_id).owner_id = None
    dbs.commit()

    assert run(clock, datetime(2026, 4, 11, 8, 0, tzinfo=UTC))["instalment_reminders"] == 2

    assert reminder_cases(dbs, order)[0].assignee_id == owner.id
    assert reminder_cases(dbs, pooled)[0].assignee_id is None


def sepa_debits(dbs, order) -> list[Payment]:
    dbs.rollback()
    dbs.expire_all()
    return list(
        dbs.scalars(
            select(Payment)
            .where(Payment.order_id == order.id, Payment.provider_ref.is_not(None))
            .order_by(Payment.id)
        )
    )


def test_automatic_payments_debit_on_the_due_date_and_remind_only_when_the_debit_is_late(
    clock, worker_app, dbs, seller
):
    order = instalment_order(dbs, seller, first_payment="sepa")
    assert run(clock, datetime(2026, 4, 9, 8, 0, tzinfo=UTC))["sepa_debits"] == 0

    on_due_day = run(clock, datetime(2026, 4, 10, 6, 0, tzinfo=UTC))

    assert (on_due_day["sepa_debits"], on_due_day["instalment_reminders"]) == (1, 0)
    [debit] = sepa_debits(dbs, order)
    assert (debit.method, debit.status, debit.amount, debit.provider_ref) == (
        "sepa",
        "pending",
        Decimal("40.00"),
        sepa_ref(order.id, SECOND_DUE),
    )
    assert run(clock, datetime(2026, 4, 10, 7, 0, tzinfo=UTC))["sepa_debits"] == 0  # once
    # Still on its way four days later: no reminder.
    last_quiet_day = datetime.combine(
        SECOND_DUE + SEPA_GRACE - timedelta(days=1), datetime.min.time()
    )
    assert run(clock, last_quiet_day.replace(hour=12, tzinfo=UTC))["instalment_reminders"] == 0
    assert reminder_cases(dbs, order) == []
    # Not collected five days after the due date: the agent calls.
    assert run(clock, datetime(2026, 4, 15, 8, 0, tzinfo=UTC))["instalment_reminders"] == 1
    assert reminded_dates(dbs, order) == [SECOND_DUE]


def test_a_collected_debit_needs_no_reminder(clock, worker_app, dbs, seller):
    order = instalment_order(dbs, seller, first_payment="sepa")
    run(clock, datetime(2026, 4, 10, 6, 0, tzinfo=UTC))
    [debit] = sepa_debits(dbs, order)
    payments.mark_payment_received(dbs, debit.id, now=datetime(2026, 4, 12, 8, 0, tzinfo=UTC))
    dbs.commit()
    swept = run(clock, datetime(2026, 4, 20, 8, 0, tzinfo=UTC))
    assert (swept["instalment_reminders"], swept["sepa_debits"]) == (0, 0)
    assert reminder_cases(dbs, order) == []


def test_without_automatic_payments_nothing_is_debited_and_the_late_payment_is_reminded(
    clock, worker_app, dbs, seller
):
    order = instalment_order(dbs, seller, first_payment="sepa", auto=False)
    swept = run(clock, datetime(2026, 4, 11, 8, 0, tzinfo=UTC))
    assert (swept["sepa_debits"], swept["instalment_reminders"]) == (0, 1)
    assert [p.provider_ref for p in sepa_debits(dbs, order)] == []


def test_a_subscription_is_followed_beyond_the_periods_the_order_page_lists(
    clock, worker_app, dbs, seller
):
    product = make_product(dbs, plans=[SUBSCRIPTION_MONTHLY])
    contact = ContactFactory(owner_id=seller.id, country="DE", language="de")
    start = datetime(2025, 1, 10, 9, 0, tzinfo=UTC)
    order = take_order(
        dbs, seller, product=product, contact=contact, plan={"kind": "subscription"}, now=start
    )
    # Fourteen months paid (10 January 2025 to 10 February 2026), in one go.
    pay(dbs, order, str(Decimal("119.00") * 14), start)

    assert run(clock, datetime(2026, 3, 10, 20, 0, tzinfo=UTC))["instalment_reminders"] == 0
    assert run(clock, datetime(2026, 3, 11, 8, 0, tzinfo=UTC))["instalment_reminders"] == 1
    assert reminded_dates(dbs, order) == [date(2026, 3, 10)]
    assert "Payment 15 of order" in reminder_cases(dbs, order)[0].note
