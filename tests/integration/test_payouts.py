"""Payout runs, cancelling and settling payouts (services.commissions.payouts), and the
run's files for the bank (payout_exports)."""

from __future__ import annotations

import csv
import io
import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from tests.factories import UserFactory
from tests.order_helpers import make_product, take_order
from tests.payout_helpers import earned, freelancer
from voiceapp.db import Database
from voiceapp.models import Commission, CommissionDecision, Payout, PayoutRun, User
from voiceapp.services.commissions import payouts
from voiceapp.services.commissions.payout_exports import run_csv, run_xlsx
from voiceapp.services.orders.payments import record_payment, refund
from voiceapp.services.team_settings import update_team_settings

D = Decimal
NOW = datetime(2026, 3, 20, 10, tzinfo=UTC)
PAST, FUTURE = NOW - timedelta(days=1), NOW + timedelta(days=5)


def run(dbs, actor, members, minimum="0", currency="EUR", early=False, paid=False, now=NOW):
    result = payouts.create_run(
        dbs,
        actor=actor,
        member_ids=[m.id for m in members],
        minimum=D(minimum),
        currency=currency,
        include_not_due=early,
        mark_paid=paid,
        now=now,
    )
    dbs.commit()
    return result


def statuses(dbs, *commissions):
    dbs.expire_all()
    return [(c.status, c.payout_id) for c in commissions]


@pytest.fixture
def manager(dbs):
    user = UserFactory(role="sales_manager")
    dbs.commit()
    return user


def test_a_run_pays_each_member_the_sum_of_their_approved_due_commissions(dbs, manager):
    anna, ben = freelancer(name="Anna"), freelancer(name="Ben")
    a1, a2 = earned(dbs, anna, "100.00", due_at=PAST), earned(dbs, anna, "20.50", due_at=PAST)
    b1 = earned(dbs, ben, "7.25", due_at=PAST)
    result = run(dbs, manager, [anna, ben])
    by_member = {p.user_id: (p.amount, p.commission_count, p.status) for p in result.run.payouts}
    assert by_member == {anna.id: (D("120.50"), 2, "pending"), ben.id: (D("7.25"), 1, "pending")}
    assert result.left_out == []
    dbs.expire_all()
    assert {c.payout_id for c in (a1, a2)} == {result.run.payouts[0].id}
    assert b1.payout_id == result.run.payouts[1].id
    assert (result.run.created_by_id, result.run.currency) == (manager.id, "EUR")


def test_what_is_not_payable_stays_out(dbs, manager):
    anna = freelancer()
    paid_one = earned(dbs, anna, "10.00", due_at=PAST)
    ok = earned(dbs, anna, "50.00", due_at=PAST)
    not_due = earned(dbs, anna, "11.00", due_at=FUTURE)
    pending = earned(dbs, anna, "12.00", due_at=PAST, status="pending")
    rejected = earned(dbs, anna, "13.00", due_at=PAST, status="rejected")
    dollars = earned(dbs, anna, "14.00", due_at=PAST, currency="USD")
    run(dbs, manager, [anna])  # pays paid_one and ok
    first = statuses(dbs, paid_one, ok)
    assert first[0][1] == first[1][1] is not None
    # A second run finds nothing: what was paid is taken, the rest is not payable.
    second = run(dbs, manager, [anna])
    assert second.run is None
    assert [(line.user.id, line.reason) for line in second.lines] == [(anna.id, payouts.NOTHING)]
    assert statuses(dbs, not_due, pending, rejected, dollars) == [
        ("approved", None),
        ("pending", None),
        ("rejected", None),
        ("approved", None),
    ]


def test_paying_early_includes_commissions_not_yet_due(dbs, manager):
    anna = freelancer()
    earned(dbs, anna, "10.00", due_at=PAST)
    earned(dbs, anna, "11.00", due_at=FUTURE)
    result = run(dbs, manager, [anna], early=True)
    assert result.run.payouts[0].amount == D("21.00")
    assert result.run.include_not_due is True


def test_members_who_cannot_be_paid_are_left_out_with_the_reason(dbs, manager):
    employee = UserFactory(name="Employee", can_receive_payouts=False)
    held = freelancer(name="Held", payouts_held=True)
    removed = freelancer(name="Removed", removed_at=NOW - timedelta(days=3))
    small = freelancer(name="Small")
    owing = freelancer(name="Owing")
    paid = freelancer(name="Paid")
    for member, amount in [
        (employee, "80"),
        (held, "80"),
        (removed, "80"),
        (small, "20"),
        (paid, "80"),
    ]:
        earned(dbs, member, amount, due_at=PAST)
    earned(dbs, owing, "-30.00", due_at=PAST)
    earned(dbs, owing, "10.00", due_at=PAST)
    result = run(dbs, manager, [employee, held, removed, small, owing, paid], minimum="50")
    assert [(p.user_id, p.amount) for p in result.run.payouts] == [(paid.id, D("80.00"))]
    assert {line.user.name: line.reason for line in result.left_out} == {
        "Employee": payouts.PAYROLL,
        "Held": payouts.HELD,
        "Removed": payouts.REMOVED,
        "Small": "below the minimum of 50.00",
        "Owing": "owes 20.00 (taken back)",
    }


def test_a_negative_commission_deducts_from_the_payout(dbs, manager):
    anna = freelancer()
    earned(dbs, anna, "100.00", due_at=PAST)
    earned(dbs, anna, "-40.00", due_at=PAST)
    result = run(dbs, manager, [anna])
    assert (result.run.payouts[0].amount, result.run.payouts[0].commission_count) == (
        D("60.00"),
        2,
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"currency": "USD"}, "currency"),
        ({"minimum": D("-1")}, "minimum"),
        ({"member_ids": []}, "member_ids"),
        ({"member_ids": [999_999]}, "member_ids"),
    ],
)
def test_bad_choices_are_refused_with_field_errors_and_change_nothing(dbs, manager, changes, field):
    anna = freelancer()
    earned(dbs, anna, "10.00", due_at=PAST)
    dbs.commit()
    choices = {
        "actor": manager,
        "member_ids": [anna.id],
        "minimum": D("0"),
        "currency": "EUR",
        "include_not_due": False,
        "mark_paid": False,
        "now": NOW,
        **changes,
    }
    with pytest.raises(payouts.PayoutError) as refused:
        payouts.create_run(dbs, **choices)
    dbs.rollback()
    assert list(refused.value.errors) == [field]
    assert dbs.scalar(select(func.count(PayoutRun.id))) == 0


def test_a_currency_the_team_offers_is_paid_in_that_currency_only(dbs, manager):
    update_team_settings(dbs, payout_currencies=["EUR", "USD"])
    anna = freelancer()
    earned(dbs, anna, "10.00", due_at=PAST)
    earned(dbs, anna, "14.00", due_at=PAST, currency="USD")
    result = run(dbs, manager, [anna], currency="USD")
    assert [(p.currency, p.amount) for p in result.run.payouts] == [("USD", D("14.00"))]


def test_paid_at_once_pays_the_payouts_and_logs_each_commission(dbs, manager):
    anna = freelancer()
    one, two = earned(dbs, anna, "10.00", due_at=PAST), earned(dbs, anna, "5.00", due_at=PAST)
    result = run(dbs, manager, [anna], paid=True)
    payout = result.run.payouts[0]
    assert (payout.status, payout.paid_at, payout.paid_by_id) == ("paid", NOW, manager.id)
    assert [s for s, _ in statuses(dbs, one, two)] == ["paid", "paid"]
    log = dbs.scalars(select(CommissionDecision).order_by(CommissionDecision.id)).all()
    assert [(d.commission_id, d.before, d.after, d.user_id) for d in log] == [
        (one.id, "approved", "paid", manager.id),
        (two.id, "approved", "paid", manager.id),
    ]
    assert {(d.at, d.note) for d in log} == {(NOW, "paid out")}


def test_cancelling_releases_the_commissions_for_the_next_run(dbs, manager):
    anna = freelancer()
    one = earned(dbs, anna, "10.00", due_at=PAST)
    first = run(dbs, manager, [anna]).run.payouts[0]
    later = NOW + timedelta(hours=1)
    payouts.cancel(dbs, first.id, manager, later)
    dbs.commit()
    dbs.expire_all()
    assert (first.status, first.cancelled_at, first.cancelled_by_id) == (
        "cancelled",
        later,
        manager.id,
    )
    assert (first.amount, first.commission_count) == (D("10.00"), 1)  # what it was
    assert one.payout_id is None
    second = run(dbs, manager, [anna], now=later).run.payouts[0]
    dbs.expire_all()
    assert one.payout_id == second.id


def test_only_a_pending_payout_can_be_cancelled(dbs, manager):
    anna = freelancer()
    one = earned(dbs, anna, "10.00", due_at=PAST)
    payout = run(dbs, manager, [anna], paid=True).run.payouts[0]
    with pytest.raises(payouts.PayoutStateError):
        payouts.cancel(dbs, payout.id, manager, NOW)
    dbs.rollback()
    assert statuses(dbs, one) == [("paid", payout.id)]
    assert payouts.cancel(dbs, 999_999, manager, NOW) is None


def test_marking_paid_settles_pending_keeps_paid_and_refuses_cancelled(dbs, manager):
    anna, ben, cleo = freelancer(), freelancer(), freelancer()
    a = earned(dbs, anna, "10.00", due_at=PAST)
    earned(dbs, ben, "20.00", due_at=PAST)
    earned(dbs, cleo, "30.00", due_at=PAST)
    pa, pb, pc = run(dbs, manager, [anna, ben, cleo]).run.payouts
    payouts.mark_paid(dbs, [pb.id], manager, NOW)
    payouts.cancel(dbs, pc.id, manager, NOW)
    dbs.commit()
    with pytest.raises(payouts.PayoutError) as refused:
        payouts.mark_paid(dbs, [pa.id, pc.id], manager, NOW)
    dbs.rollback()
    assert refused.value.errors == {"ids": [f"cancelled, cannot be paid: {pc.id}"]}
    assert statuses(dbs, a) == [("approved", pa.id)]
    later = NOW + timedelta(days=1)
    payouts.mark_paid(dbs, [pa.id, pb.id], manager, later)
    dbs.commit()
    dbs.expire_all()
    assert [(p.status, p.paid_at) for p in (pa, pb)] == [("paid", later), ("paid", NOW)]
    assert a.status == "paid"
    with pytest.raises(payouts.PayoutError):
        payouts.mark_paid(dbs, [], manager, NOW)
    with pytest.raises(payouts.PayoutError):
        payouts.mark_paid(dbs, [999_999], manager, NOW)


def test_a_refund_after_an_early_payout_shows_in_the_next_run(dbs, manager):
    """The seed's loss: paid early, then refunded: the next run deducts it."""
    update_team_settings(dbs, commission_approval_required=False)
    seller = freelancer(payout_factor=D("1"))
    order = take_order(dbs, seller, product=make_product(dbs, price=D("1000.00"), price_is="net"))
    record_payment(dbs, order.id, amount=D("1190.00"), method="demo", now=NOW)
    dbs.commit()
    early = run(dbs, manager, [seller], early=True, paid=True)
    assert early.run.payouts[0].amount == D("100.00")
    refund(dbs, order.id, now=NOW + timedelta(days=2), actor=manager, reason="withdrawal")
    dbs.commit()
    earned(dbs, seller, "130.00", due_at=PAST)
    later = run(dbs, manager, [seller], now=NOW + timedelta(days=3))
    assert later.run.payouts[0].amount == D("30.00")


def test_a_refund_while_in_a_pending_payout_takes_the_commission_out_of_it(dbs, manager):
    update_team_settings(dbs, commission_approval_required=False)
    seller = freelancer(payout_factor=D("1"))
    order = take_order(dbs, seller, product=make_product(dbs, price=D("1000.00"), price_is="net"))
    record_payment(dbs, order.id, amount=D("1190.00"), method="demo", now=NOW)
    earned(dbs, seller, "5.00", due_at=PAST)
    dbs.commit()
    payout = run(dbs, manager, [seller], early=True).run.payouts[0]
    assert payout.amount == D("105.00")
    refund(dbs, order.id, now=NOW, actor=manager, reason="withdrawal")
    dbs.commit()
    dbs.expire_all()
    assert (payout.amount, payout.commission_count) == (D("5.00"), 1)
    in_it = dbs.scalar(select(func.sum(Commission.amount)).where(Commission.payout_id == payout.id))
    assert D(in_it).quantize(D("0.01")) == payout.amount


def test_runs_created_at_the_same_moment_never_pay_a_commission_twice(dbs, manager, database_url):
    members = [freelancer() for _ in range(4)]
    member_ids, manager_id = [m.id for m in members], manager.id
    for index, member in enumerate(members):
        for n in range(15):
            earned(dbs, member, f"{index + 1}.{n:02d}", due_at=PAST)
    dbs.commit()
    expected_total = dbs.scalar(select(func.sum(Commission.amount)))
    dbs.rollback()  # no snapshot (SQLite) or lock held while the threads run
    database = Database(database_url)
    threads_count = 6
    start = threading.Barrier(threads_count)
    errors = []

    def create(offset: int):
        # Each thread names the members in another order: the locks are still taken by id.
        chosen = member_ids[offset % 4 :] + member_ids[: offset % 4]
        with database.sessionmaker() as session:
            start.wait()
            try:
                payouts.create_run(
                    session,
                    actor=session.get(User, manager_id),
                    member_ids=chosen,
                    minimum=D("0"),
                    currency="EUR",
                    include_not_due=False,
                    mark_paid=offset % 2 == 0,
                    now=NOW,
                )
                session.commit()
            except Exception as exc:
                errors.append(exc)

    threads = [threading.Thread(target=create, args=(i,)) for i in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    database.engine.dispose()
    assert errors == []
    dbs.rollback()
    rows = dbs.scalars(select(Commission)).all()
    assert [c.id for c in rows if c.payout_id is None] == []  # every one paid, in one payout
    made = dbs.scalars(select(Payout)).all()
    assert len(made) == 4  # one payout a member: the other runs found nothing left
    for payout in made:
        in_it = [c for c in rows if c.payout_id == payout.id]
        assert payout.amount == sum(c.amount for c in in_it)
        assert payout.commission_count == len(in_it)
        assert {c.user_id for c in in_it} == {payout.user_id}
    assert sum(p.amount for p in made) == expected_total


def test_the_run_exports_for_the_bank(dbs, manager):
    anna = freelancer(name="=HYPERLINK(1)", email="anna@example.com", digistore_id="ds-anna")
    ben = freelancer(name="Ben", email="ben@example.com")
    earned(dbs, anna, "1234.50", due_at=PAST)
    earned(dbs, ben, "7.00", due_at=PAST)
    result = run(dbs, manager, [anna, ben])
    payouts.mark_paid(
        dbs, [result.run.payouts[1].id], manager, datetime(2026, 3, 31, 23, tzinfo=UTC)
    )
    dbs.commit()
    dbs.expire_all()
    rows = list(csv.reader(io.StringIO(run_csv(result.run, "Europe/Berlin"))))
    assert rows == [
        list(
            (
                "Member",
                "E-mail",
                "Digistore ID",
                "Currency",
                "Amount",
                "Commissions",
                "Status",
                "Paid on",
            )
        ),
        ["'=HYPERLINK(1)", "anna@example.com", "ds-anna", "EUR", "1234.50", "1", "pending", ""],
        ["Ben", "ben@example.com", "", "EUR", "7.00", "1", "paid", "2026-04-01"],
    ]
    sheet = load_workbook(io.BytesIO(run_xlsx(result.run, "Europe/Berlin"))).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[1][:6] == ["'=HYPERLINK(1)", "anna@example.com", "ds-anna", "EUR", 1234.5, 1]
    assert sheet.cell(row=2, column=5).number_format == "0.00"
    assert values[2][7] == "2026-04-01"
