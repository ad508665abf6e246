"""The demo shows the money side: products, an unpaid phone order, a paid one, an
instalment order whose second instalment is overdue (with its payment-reminder case) and
a running subscription, all taken through the order services; the commissions they earned,
the older ones approved; added once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from voiceapp.demo import seed
from voiceapp.models import Case, Commission, Order, Product
from voiceapp.services.cases import order_standing

NOW = datetime(2026, 11, 24, 8, 30, tzinfo=UTC)  # Tuesday 09:30 in Berlin


def test_the_demo_has_unpaid_paid_and_overdue_orders_with_their_cases(ctx, dbs, time_machine):
    time_machine.move_to(NOW, tick=False)
    added = seed(dbs)
    dbs.commit()

    orders = dbs.scalars(select(Order).order_by(Order.id)).all()
    assert (added["products"], added["orders"]) == (3, 4)
    assert dbs.scalar(select(func.count()).select_from(Product)) == 3
    labels = [order_standing(dbs, order, NOW).label for order in orders]
    assert labels == ["unpaid", "paid", "instalment overdue", "paid"]
    assert all(order.payment_code and order.seller.name == "Jonas Becker" for order in orders)

    unpaid, _paid, instalments, _club = orders
    follow_up = dbs.scalars(select(Case).where(Case.order_id == unpaid.id)).one()
    assert (follow_up.type, follow_up.status) == ("new_order", "open")
    reminder = dbs.scalars(
        select(Case).where(Case.order_id == instalments.id, Case.status == "open")
    ).one()
    assert (reminder.type, reminder.assignee_id) == ("payment_reminder", instalments.seller_id)
    assert [e.kind for e in instalments.events].count("call") == 1  # "already paid" once

    # Three orders paid: the headset, the first instalment, two subscription payments; each
    # payment earned Jonas's "sales team" and Mia's "sales manager" commission. The ones
    # earned weeks ago were approved by the admin, this week's wait.
    earned = dbs.scalars(select(Commission).order_by(Commission.id)).all()
    assert sorted({(c.user.name, c.reason) for c in earned}) == [
        ("Jonas Becker", "sales_team"),
        ("Mia Manager", "sales_manager"),
    ]
    assert len(earned) == 8
    weeks_ago = NOW - timedelta(days=20)
    assert [c.status for c in earned if c.earned_at < weeks_ago] == ["approved"] * 4
    assert [c.status for c in earned if c.earned_at >= weeks_ago] == ["pending"] * 4

    again = seed(dbs)
    assert (again["orders"], again["products"], again["cases"]) == (0, 0, 0)
    assert dbs.scalar(select(func.count()).select_from(Order)) == 4
