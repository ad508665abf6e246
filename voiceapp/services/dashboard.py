"""The dashboard's figures: what each member did in a period (domain.dashboard.Period), for
one member (personal) or the whole team (one row per active member, with their presence).

Every figure is one SQL aggregate grouped by member over the period's UTC instants, so the
work does not grow with the rows a member has in Python. What counts:

- calls_made: calls the member placed (top-level outbound calls, reached or not);
  calls_made_reached: those the customer answered (the dialled number's leg answered).
- calls_taken: inbound calls the member answered (the caller's call, taken by them).
- customers_reached, talk_seconds: over the member's answered legs (their browser's leg
  of an inbound call, the customer's leg of an outbound one): distinct contacts, and the
  seconds the legs lasted. A leg is where the member and the customer were connected.
- cases_done: cases the member closed in the period with a call outcome.
- cases_due: the member's open cases due in the period; cases_overdue: their open cases
  due before now (whatever the period).
- orders: orders the member took in the period, whatever became of them.
- revenue: the net part of money received in the period on orders the member sold,
  refunds in the period taken off, per currency (each payment's net part is its share of
  the order's gross total, as commissions are computed).
- commission: the member's commissions earned in the period, per currency, negative ones
  (taken back) included and rejected, reversed and reassigned ones left out.
- reviews, review_score: managers' reviews of the member's calls that started in the
  period (CallReview.agent_id), and their mean score (None: none reviewed).

For the team, also what is happening now: calls waiting (inbound calls on the line that no
member has taken yet) and the calls missed today (the team's today, whatever the period).

Read-only: nothing is flushed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import and_, case, func, select, text
from sqlalchemy.orm import Session

from voiceapp.domain.dashboard import TODAY, Period, average_score, period_for, reach_rate
from voiceapp.domain.money import round_money
from voiceapp.models import (
    AgentPresence,
    Call,
    CallReview,
    Case,
    Commission,
    Order,
    Payment,
    User,
)
from voiceapp.models.cases import CLOSED, OPEN
from voiceapp.models.commissions import REASSIGNED, REJECTED, REVERSED
from voiceapp.models.orders import PAYMENT, SUCCEEDED
from voiceapp.services.call_hours import call_rows
from voiceapp.services.calls import presence
from voiceapp.services.dashboard_charts import Charts, charts

# Commissions that are not (or no longer) the member's money.
NOT_EARNED = (REJECTED, REVERSED, REASSIGNED)
# An inbound call still on the line: in the IVR or ringing browsers (Twilio reports the
# caller's call as ringing, or in progress once our TwiML answered it).
ON_THE_LINE = ("queued", "ringing", "in-progress")
# A caller does not wait this long: an older call still "on the line" lost its final
# status callback, and is not shown as waiting for ever.
LONGEST_WAIT = timedelta(hours=1)


@dataclass
class Figures:
    """One member's figures for a period. Money is {currency: Decimal}, one entry per
    currency they had money in (none: an empty dict)."""

    user_id: int
    name: str = ""
    role: str = ""
    calls_made: int = 0
    calls_made_reached: int = 0
    calls_taken: int = 0
    customers_reached: int = 0
    talk_seconds: int = 0
    cases_done: int = 0
    cases_due: int = 0
    cases_overdue: int = 0
    orders: int = 0
    revenue: dict[str, Decimal] = field(default_factory=dict)
    commission: dict[str, Decimal] = field(default_factory=dict)
    reviews: int = 0
    review_points: int = 0  # the scores added up
    presence: str = "offline"

    @property
    def reach_rate(self) -> Decimal | None:
        return reach_rate(self.calls_made_reached, self.calls_made)

    @property
    def review_score(self) -> Decimal | None:
        return average_score(self.review_points, self.reviews)


@dataclass
class Dashboard:
    period: Period
    personal: Figures
    # None for those who may not see the team (agents); else one row per active member.
    team: list[Figures] | None
    # The team's calls waiting now and missed today (None with the team, for agents).
    calls_waiting: int | None = None
    missed_today: int | None = None
    # The personal charts for agents, the team's for the others (services.dashboard_charts).
    charts: Charts | None = None


def dashboard(
    db: Session, user: User, period: Period, *, now: datetime, with_team: bool
) -> Dashboard:
    """`user`'s own figures, and the team's when `with_team` (the caller decides who may)."""
    room_to_aggregate(db)
    if not with_team:
        (personal,) = figures_for(db, [user], period, now=now)
        return Dashboard(period, personal, None, charts=charts(db, period, [user.id], team=False))
    members = active_members(db)
    team = figures_for(db, members, period, now=now)
    mine = [row for row in team if row.user_id == user.id]
    (personal,) = mine or figures_for(db, [user], period, now=now)
    return Dashboard(
        period,
        personal,
        team,
        calls_waiting=calls_waiting(db, now=now),
        missed_today=missed_today(db, zone=period.zone, now=now),
        charts=charts(db, period, [row.user_id for row in team], team=True),
    )


def room_to_aggregate(db: Session) -> None:
    """Lets PostgreSQL group a month of a team's calls in memory for the rest of this
    transaction. It cannot estimate how many local hours a month's calls fall in, plans
    for one group a row, and with the default work_mem (4 MB) sorts them on disk: a third
    of the month's dashboard on a million calls (bench/bench_dashboard.py)."""
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("SET LOCAL work_mem = '64MB'"))


def calls_waiting(db: Session, *, now: datetime) -> int:
    """Inbound calls on the line that no member has taken yet."""
    stmt = select(func.count()).where(
        Call.parent_sid.is_(None),
        Call.direction == "inbound",
        Call.status.in_(ON_THE_LINE),
        Call.agent_id.is_(None),
        Call.missed.is_(False),
        Call.voicemail.is_(False),
        Call.started_at >= now - LONGEST_WAIT,
    )
    return db.scalar(stmt) or 0


def missed_today(db: Session, *, zone: str, now: datetime) -> int:
    """Inbound calls nobody took, today in the team's time zone."""
    today = period_for(TODAY, now=now, zone=zone)
    stmt = select(func.count()).where(
        Call.missed.is_(True),
        Call.parent_sid.is_(None),
        _in_period(Call.started_at, today),
    )
    return db.scalar(stmt) or 0


def active_members(db: Session) -> list[User]:
    return list(
        db.scalars(
            select(User)
            .where(User.active, User.removed_at.is_(None))
            .order_by(func.lower(User.name), User.id)
        )
    )


def figures_for(db: Session, users: list[User], period: Period, *, now: datetime):
    """The figures of `users` for `period`, in the order given."""
    rows = {u.id: Figures(user_id=u.id, name=u.name, role=u.role) for u in users}
    ids = list(rows)
    if not ids:
        return []
    for counts in (
        _call_counts(db, ids, period),
        _cases_done(db, ids, period),
        _cases_open(db, ids, period, now),
        _orders(db, ids, period),
        _reviews(db, ids, period),
    ):
        for user_id, values in counts.items():
            for name, value in values.items():
                setattr(rows[user_id], name, int(value or 0))
    money = {"revenue": _revenue(db, ids, period), "commission": _commission(db, ids, period)}
    for name, sums in money.items():
        for (user_id, currency), amount in sums.items():
            getattr(rows[user_id], name)[currency] = amount
    for user_id, status in _presence(db, ids, now).items():
        rows[user_id].presence = status
    return list(rows.values())


def _in_period(column, period: Period):
    return and_(column >= period.start, column < period.end)


def _count_if(condition):
    return func.sum(case((condition, 1), else_=0))


def _call_counts(db: Session, ids: list[int], period: Period) -> dict:
    # Added up per hour (services.call_hours), but for the distinct customers reached.
    calls = call_rows(db, period)
    totals = (
        select(
            calls.c.agent_id,
            func.sum(calls.c.made).label("calls_made"),
            func.sum(calls.c.made_reached).label("calls_made_reached"),
            func.sum(calls.c.taken).label("calls_taken"),
            func.sum(calls.c.talk_seconds).label("talk_seconds"),
        )
        .where(calls.c.agent_id.in_(ids))
        .group_by(calls.c.agent_id)
    )
    counts = {
        row.agent_id: {k: v for k, v in row._asdict().items() if k != "agent_id"}
        for row in db.execute(totals)
    }
    reached = (
        select(Call.agent_id, func.count(func.distinct(Call.contact_id)))
        .where(
            Call.agent_id.in_(ids),
            Call.parent_sid.is_not(None),
            Call.answered_at.is_not(None),
            _in_period(Call.started_at, period),
        )
        .group_by(Call.agent_id)
    )
    for agent_id, customers in db.execute(reached):
        counts.setdefault(agent_id, {})["customers_reached"] = customers
    return counts


def _cases_done(db: Session, ids: list[int], period: Period) -> dict:
    # Case.closed_by_id names the member whose outcome closed the case (ix_cases_done).
    stmt = (
        select(Case.closed_by_id, func.count())
        .where(
            Case.status == CLOSED,
            Case.closed_by_id.in_(ids),
            _in_period(Case.closed_at, period),
        )
        .group_by(Case.closed_by_id)
    )
    return {user_id: {"cases_done": n} for user_id, n in db.execute(stmt)}


def _cases_open(db: Session, ids: list[int], period: Period, now: datetime) -> dict:
    stmt = (
        select(
            Case.assignee_id,
            _count_if(_in_period(Case.due_at, period)).label("cases_due"),
            _count_if(Case.due_at < now).label("cases_overdue"),
        )
        .where(
            Case.status == OPEN,
            Case.assignee_id.in_(ids),
            Case.due_at < max(period.end, now),
        )
        .group_by(Case.assignee_id)
    )
    return {
        row.assignee_id: {"cases_due": row.cases_due, "cases_overdue": row.cases_overdue}
        for row in db.execute(stmt)
    }


def _orders(db: Session, ids: list[int], period: Period) -> dict:
    stmt = (
        select(Order.seller_id, func.count())
        .where(Order.seller_id.in_(ids), _in_period(Order.created_at, period))
        .group_by(Order.seller_id)
    )
    return {user_id: {"orders": n} for user_id, n in db.execute(stmt)}


def _reviews(db: Session, ids: list[int], period: Period) -> dict:
    stmt = (
        select(
            CallReview.agent_id,
            func.count().label("reviews"),
            func.sum(CallReview.score).label("review_points"),
        )
        .join(Call, Call.sid == CallReview.call_sid)
        .where(
            CallReview.agent_id.in_(ids),
            _in_period(Call.started_at, period),
            # Always true (a call is reviewed after it started), and it lets the index
            # (agent_id, created_at) skip the reviews of earlier calls before the join.
            CallReview.created_at >= period.start,
        )
        .group_by(CallReview.agent_id)
    )
    return {
        row.agent_id: {"reviews": row.reviews, "review_points": row.review_points}
        for row in db.execute(stmt)
    }


def _revenue(db: Session, ids: list[int], period: Period) -> dict:
    signed = case((Payment.kind == PAYMENT, Payment.amount), else_=-Payment.amount)
    net_part = signed * Order.net / func.nullif(Order.total, 0)
    stmt = (
        select(Order.seller_id, Order.currency, func.sum(net_part))
        .select_from(Payment)
        .join(Order, Order.id == Payment.order_id)
        .where(
            Payment.status == SUCCEEDED,
            Order.seller_id.in_(ids),
            _in_period(Payment.created_at, period),
        )
        .group_by(Order.seller_id, Order.currency)
    )
    return _money(db.execute(stmt))


def _commission(db: Session, ids: list[int], period: Period) -> dict:
    stmt = (
        select(Commission.user_id, Commission.currency, func.sum(Commission.amount))
        .where(
            Commission.user_id.in_(ids),
            Commission.status.not_in(NOT_EARNED),
            _in_period(Commission.earned_at, period),
        )
        .group_by(Commission.user_id, Commission.currency)
    )
    return _money(db.execute(stmt))


def _money(rows) -> dict:
    """{(user, currency): amount} rounded to the currency's minor unit. SQLite sums
    NUMERIC as binary floats; rounding the sum to the cent gives the exact amount back."""
    sums: dict = defaultdict(Decimal)
    for user_id, currency, amount in rows:
        if amount is None:
            continue
        sums[(user_id, currency)] = round_money(Decimal(str(amount)), currency)
    return dict(sums)


def _presence(db: Session, ids: list[int], now: datetime) -> dict[int, str]:
    """Each member's presence as routing sees it now (expired: offline; wrap-up: busy)."""
    rows = db.scalars(select(AgentPresence).where(AgentPresence.user_id.in_(ids)))
    return {row.user_id: presence.effective(row, now) for row in rows}
