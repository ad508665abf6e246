"""An unpaid phone order is cancelled at its auto-cancel date by an RQ job scheduled when
the order was taken; the sweep cancels what a lost job missed; a paid order is never
cancelled by either (seed 002). The clock is travelled, never slept on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from redis import Redis
from sqlalchemy import select

import workers
from tests import order_helpers
from tests.conftest import TEST_REDIS_URL
from tests.factories import UserFactory
from tests.mail_helpers import run_worker
from voiceapp.models import Order, OutboxJob
from voiceapp.models.orders import CANCELLED, PAID, PENDING, REFUNDED
from voiceapp.services.orders.auto_cancel import (
    AUTO_CANCEL_REASON,
    auto_cancel_job_id,
    due_timestamp,
    schedule_auto_cancel,
)
from voiceapp.services.outbox import relay_pending

START = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
DUE = START + timedelta(days=14)  # the team's default


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def worker_app(shared_app):
    app = shared_app()
    workers.set_job_app(app)
    yield app
    workers.set_job_app(None)


@pytest.fixture
def agent(ctx):
    return UserFactory(role="agent")


def redis() -> Redis:
    return Redis.from_url(TEST_REDIS_URL)


def take_order(dbs, agent) -> Order:
    """A pending phone order, taken now, committed; its jobs handed to Redis."""
    order = order_helpers.take_order(dbs, agent)
    relay_pending(dbs, redis())
    return order


def reload(dbs, order) -> Order:
    dbs.rollback()
    return dbs.get(Order, order.id, populate_existing=True)


def set_status(dbs, order, status: str) -> None:
    """What recording a payment (or a refund) does to the order, until payments exist."""
    order = reload(dbs, order)
    order.status = status
    dbs.commit()


def test_an_unpaid_order_is_cancelled_by_its_job_at_the_auto_cancel_date_and_not_before(
    clock, worker_app, dbs, agent
):
    order = take_order(dbs, agent)
    assert order.auto_cancel_at == DUE
    job = dbs.scalars(
        select(OutboxJob).where(OutboxJob.func == "workers.orders.auto_cancel_order")
    ).one()
    assert (job.job_id, job.args, job.run_at) == (
        f"auto-cancel-order-{order.id}-{int(DUE.timestamp())}",
        [order.id, int(DUE.timestamp())],
        DUE,
    )
    assert job.enqueued_at is not None  # handed to RQ's scheduler after the commit

    run_worker()
    clock.move_to(DUE - timedelta(seconds=1))
    run_worker()
    assert reload(dbs, order).status == PENDING
    # Even run early by hand, the job does nothing before the date.
    assert workers.auto_cancel_order(order.id, due_timestamp(DUE)) is False
    assert reload(dbs, order).status == PENDING

    clock.move_to(DUE + timedelta(seconds=1))
    run_worker()
    order = reload(dbs, order)
    assert (order.status, order.cancelled_at, order.cancel_reason) == (
        CANCELLED,
        DUE + timedelta(seconds=1),
        AUTO_CANCEL_REASON,
    )

    # Running it twice changes nothing.
    assert workers.auto_cancel_order(order.id, due_timestamp(DUE)) is False
    clock.move_to(DUE + timedelta(hours=1))
    assert workers.sweep()["orders_cancelled"] == 0
    assert reload(dbs, order).cancelled_at == DUE + timedelta(seconds=1)


@pytest.mark.parametrize("status", [PAID, REFUNDED])
def test_a_paid_order_is_never_cancelled_by_the_job_or_the_sweep(
    clock, worker_app, dbs, agent, status
):
    order = take_order(dbs, agent)
    set_status(dbs, order, status)

    clock.move_to(DUE + timedelta(days=1))
    run_worker()  # the order's own job
    assert workers.auto_cancel_order(order.id, due_timestamp(DUE)) is False
    assert workers.sweep()["orders_cancelled"] == 0
    order = reload(dbs, order)
    assert (order.status, order.cancelled_at, order.cancel_reason) == (status, None, None)


def test_a_moved_auto_cancel_date_makes_the_old_job_do_nothing(clock, worker_app, dbs, agent):
    order = take_order(dbs, agent)
    later = DUE + timedelta(days=7)
    order = reload(dbs, order)
    order.auto_cancel_at = later
    schedule_auto_cancel(dbs, order)
    dbs.commit()
    assert relay_pending(dbs, redis()) == 1
    assert auto_cancel_job_id(order.id, later) == (
        f"auto-cancel-order-{order.id}-{int(later.timestamp())}"
    )

    clock.move_to(DUE + timedelta(hours=1))
    run_worker()  # runs the job made for the first date
    assert workers.auto_cancel_order(order.id, due_timestamp(DUE)) is False
    assert workers.sweep()["orders_cancelled"] == 0
    assert reload(dbs, order).status == PENDING

    clock.move_to(later)
    # A job made for the older date never acts, even late (its worker was down): the
    # order is cancelled by the job for its current date.
    assert workers.auto_cancel_order(order.id, due_timestamp(DUE)) is False
    assert reload(dbs, order).status == PENDING
    run_worker()
    assert reload(dbs, order).status == CANCELLED


def test_an_order_whose_auto_cancel_was_switched_off_stays_pending(clock, worker_app, dbs, agent):
    order = take_order(dbs, agent)
    order = reload(dbs, order)
    order.auto_cancel_at = None
    dbs.commit()

    clock.move_to(DUE + timedelta(days=30))
    run_worker()
    assert workers.sweep()["orders_cancelled"] == 0
    assert reload(dbs, order).status == PENDING


def test_a_lost_job_is_repaired_by_the_sweep_once(clock, worker_app, dbs, agent):
    order = take_order(dbs, agent)
    paid = take_order(dbs, agent)
    set_status(dbs, paid, PAID)
    redis().flushdb()  # every job is lost

    clock.move_to(DUE + timedelta(minutes=1))
    run_worker()
    # Within the grace the job may just be late: the sweep leaves the order to it.
    assert workers.sweep()["orders_cancelled"] == 0
    assert reload(dbs, order).status == PENDING

    clock.move_to(DUE + timedelta(minutes=3))
    assert workers.sweep()["orders_cancelled"] == 1
    order = reload(dbs, order)
    assert (order.status, order.cancelled_at, order.cancel_reason) == (
        CANCELLED,
        DUE + timedelta(minutes=3),
        AUTO_CANCEL_REASON,
    )
    assert reload(dbs, paid).status == PAID

    # Twice changes nothing.
    clock.move_to(DUE + timedelta(minutes=10))
    assert workers.sweep()["orders_cancelled"] == 0
    assert reload(dbs, order).cancelled_at == DUE + timedelta(minutes=3)
