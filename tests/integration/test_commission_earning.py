"""Commissions earned when an order is paid, and taken back when it ends
(services.commissions.earning, driven through services.orders.payments)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from tests.factories import UserFactory
from tests.order_helpers import INSTALMENTS_3, make_product, take_order
from voiceapp.db import Database
from voiceapp.models import Commission, CommissionDecision
from voiceapp.services.orders.payments import record_payment, refund
from voiceapp.services.team_settings import update_team_settings

D = Decimal
NOW = datetime(2026, 3, 2, 10, tzinfo=UTC)


@pytest.fixture
def people(dbs):
    seller = UserFactory(role="agent", payout_factor=D("1"))
    manager = UserFactory(role="sales_manager", manager_commission_percent=D("10"))
    admin = UserFactory(role="admin")
    dbs.commit()
    return seller, manager, admin


def net_1000_order(dbs, seller, **kwargs):
    """1,000.00 EUR net (1,190.00 gross with German VAT), the seed's example."""
    product = make_product(dbs, price=D("1000.00"), price_is="net")
    return take_order(dbs, seller, product=product, now=NOW, **kwargs)


def commissions(dbs, order_id):
    dbs.expire_all()
    return list(
        dbs.scalars(select(Commission).where(Commission.order_id == order_id).order_by("id"))
    )


def summary(rows):
    return [(c.user_id, c.reason, c.amount, c.status) for c in rows]


def test_the_seeds_example_is_earned_when_the_order_is_paid(dbs, people):
    seller, manager, _admin = people
    order = net_1000_order(dbs, seller)
    assert (order.net, order.total) == (D("1000.00"), D("1190.00"))
    record_payment(dbs, order.id, amount=D("1190.00"), method="demo", now=NOW)
    dbs.commit()
    rows = commissions(dbs, order.id)
    assert summary(rows) == [
        (seller.id, "sales_team", D("100.00"), "pending"),
        (manager.id, "sales_manager", D("10.00"), "pending"),
    ]
    assert {c.base_net for c in rows} == {D("1000.00")}
    assert {c.due_at for c in rows} == {NOW + timedelta(days=14)}


def test_nothing_is_earned_before_the_order_is_paid_and_all_of_it_once_it_is(dbs, people):
    seller, manager, _admin = people
    order = net_1000_order(dbs, seller)
    record_payment(dbs, order.id, amount=D("190.00"), method="manual", now=NOW)
    dbs.commit()
    assert commissions(dbs, order.id) == []
    record_payment(dbs, order.id, amount=D("1000.00"), method="manual", now=NOW)
    dbs.commit()
    # Each payment earns on its own net part: 159.66 and 840.34 of the 1,000.00 net.
    rows = commissions(dbs, order.id)
    assert sum(c.amount for c in rows if c.user_id == seller.id) == D("100.00")
    assert sum(c.amount for c in rows if c.user_id == manager.id) == D("10.00")


def test_without_approval_commissions_are_approved_at_once(dbs, people):
    seller, _manager, _admin = people
    update_team_settings(dbs, commission_approval_required=False)
    order = net_1000_order(dbs, seller)
    record_payment(dbs, order.id, amount=D("1190.00"), method="demo", now=NOW)
    dbs.commit()
    assert {c.status for c in commissions(dbs, order.id)} == {"approved"}


def test_team_sharing_splits_over_the_active_members_but_not_admins(dbs, people):
    seller, manager, admin = people
    other = UserFactory(role="agent", payout_factor=D("0.5"))
    UserFactory(role="agent", active=False)
    update_team_settings(dbs, commission_share_across_team=True)
    order = net_1000_order(dbs, seller)
    record_payment(dbs, order.id, amount=D("1190.00"), method="demo", now=NOW)
    dbs.commit()
    # 100.00 over seller, manager and other: 33.33 each, other at half: 16.67.
    team = {c.user_id: c.amount for c in commissions(dbs, order.id) if c.reason == "sales_team"}
    assert team == {seller.id: D("33.33"), manager.id: D("33.33"), other.id: D("16.67")}
    assert admin.id not in team
    managers = [c.amount for c in commissions(dbs, order.id) if c.reason == "sales_manager"]
    assert managers == [D("8.33")]  # 10 % of 83.33


def test_each_instalment_earns_when_it_arrives(dbs, people):
    seller, _manager, _admin = people
    update_team_settings(dbs, commission_approval_required=False)
    product = make_product(dbs, plans=[{"kind": "single"}, INSTALMENTS_3])
    order = take_order(dbs, seller, product=product, plan=INSTALMENTS_3, now=NOW)
    record_payment(dbs, order.id, amount=D("39.00"), method="demo", now=NOW)
    dbs.commit()
    first = [c for c in commissions(dbs, order.id) if c.user_id == seller.id]
    assert [c.base_net for c in first] == [D("32.77")]  # 39.00 of 119.00 gross, 100.00 net
    record_payment(dbs, order.id, amount=D("40.00"), method="demo", now=NOW + timedelta(days=31))
    dbs.commit()
    mine = [c for c in commissions(dbs, order.id) if c.user_id == seller.id]
    assert [c.amount for c in mine] == [D("3.28"), D("3.36")]


def test_a_payment_told_twice_earns_once(dbs, people):
    seller, _manager, _admin = people
    order = net_1000_order(dbs, seller)
    for _ in range(2):
        record_payment(
            dbs, order.id, amount=D("1190.00"), method="demo", provider_ref="ev_1", now=NOW
        )
        dbs.commit()
    assert len(commissions(dbs, order.id)) == 2


def test_two_workers_confirming_the_same_payment_at_once_earn_it_once(dbs, people, database_url):
    seller, _manager, _admin = people
    order = net_1000_order(dbs, seller)
    database = Database(database_url)
    start = threading.Barrier(4)
    errors = []

    def confirm():
        with database.sessionmaker() as session:
            start.wait()
            try:
                record_payment(
                    session,
                    order.id,
                    amount=D("1190.00"),
                    method="stripe",
                    provider_ref="evt_same",
                    now=NOW,
                )
                session.commit()
            except Exception as exc:  # a lost race must not be a crash either
                errors.append(exc)

    threads = [threading.Thread(target=confirm) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    database.engine.dispose()
    assert errors == []
    assert len(commissions(dbs, order.id)) == 2


def test_a_full_refund_reverses_unpaid_commissions_and_logs_it(dbs, people):
    seller, _manager, admin = people
    order = net_1000_order(dbs, seller)
    record_payment(dbs, order.id, amount=D("1190.00"), method="demo", now=NOW)
    dbs.commit()
    refund(dbs, order.id, now=NOW + timedelta(days=2), actor=admin, reason="withdrawal")
    dbs.commit()
    rows = commissions(dbs, order.id)
    assert {c.status for c in rows} == {"reversed"}
    decisions = list(dbs.scalars(select(CommissionDecision).order_by("id")))
    assert [(d.before, d.after, d.user_id) for d in decisions] == [
        ("pending", "reversed", admin.id)
    ] * 2
    assert decisions[0].note == "order refunded"


def test_a_refund_after_an_early_payout_records_a_negative_commission(dbs, people):
    seller, manager, admin = people
    order = net_1000_order(dbs, seller)
    record_payment(dbs, order.id, amount=D("1190.00"), method="demo", now=NOW)
    dbs.commit()
    # Paid out before the withdrawal period ended (the payouts service sets this).
    for commission in commissions(dbs, order.id):
        commission.status = "paid"
    dbs.commit()
    refund(dbs, order.id, now=NOW + timedelta(days=3), actor=admin, reason="withdrawal")
    dbs.commit()
    negatives = [c for c in commissions(dbs, order.id) if c.amount < 0]
    assert summary(negatives) == [
        (seller.id, "sales_team", D("-100.00"), "approved"),
        (manager.id, "sales_manager", D("-10.00"), "approved"),
    ]
    # Told again (a second full cancellation path) it takes nothing back twice.
    order_rows = commissions(dbs, order.id)
    assert len(order_rows) == 4


def test_a_partial_refund_leaves_the_commissions_alone(dbs, people):
    seller, _manager, admin = people
    order = net_1000_order(dbs, seller)
    record_payment(dbs, order.id, amount=D("1190.00"), method="demo", now=NOW)
    dbs.commit()
    refund(dbs, order.id, now=NOW, actor=admin, amount=D("100.00"), reason="goodwill")
    dbs.commit()
    assert {c.status for c in commissions(dbs, order.id)} == {"pending"}


def test_a_seller_switched_off_since_the_sale_still_earns(dbs, people):
    seller, manager, _admin = people
    order = net_1000_order(dbs, seller)
    seller.active = False
    dbs.commit()
    record_payment(dbs, order.id, amount=D("1190.00"), method="demo", now=NOW)
    dbs.commit()
    assert summary(commissions(dbs, order.id)) == [
        (seller.id, "sales_team", D("100.00"), "pending"),
        (manager.id, "sales_manager", D("10.00"), "pending"),
    ]
