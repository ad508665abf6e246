"""The calls report as tables: one row per member, figures from SQL aggregates grouped by
member over the period's UTC instants (domain.dashboard.Period), in batches of members so
a long report can say how far it is.

What the dashboard already counts (calls made, answered, taken, customers reached, talk
time, cases closed, orders, revenue) comes from services.dashboard; the few figures only a
report needs are counted here:

- missed: inbound calls nobody took that rang the member's browser (a call that rang
  several members is missed by each of them; one a colleague took is nobody's miss).
- outcomes: the call outcomes the member recorded in the period, by outcome.
- cases opened: cases created in the period that are assigned to the member now;
  overdue: their open cases due before the period's end (and before now).
- paid orders: of the orders the member took in the period, those paid in full by now.

Read-only: nothing is flushed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, aliased

from voiceapp.domain.dashboard import Period, reach_rate
from voiceapp.domain.scheduling import OUTCOME_LABELS, OUTCOMES
from voiceapp.models import Call, Case, CaseEvent, Order, User
from voiceapp.models.cases import OPEN
from voiceapp.services.dashboard import Figures, active_members, figures_for

# Members counted per round of queries: a report on many members reports progress after
# each batch, and each query's IN list stays short.
BATCH = 25

# Column kinds, which say how a value is written: text, count (a whole number), seconds
# (a duration), percent (Decimal percent, or None when there is nothing to divide by),
# money (Decimal in the row's currency), currency (an ISO code).
TEXT, COUNT, SECONDS, PERCENT, MONEY, CURRENCY = (
    "text",
    "count",
    "seconds",
    "percent",
    "money",
    "currency",
)


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str


@dataclass
class Table:
    key: str
    title: str
    columns: tuple[Column, ...]
    rows: list[dict] = field(default_factory=list)
    # What the figures mean, in a sentence or two (under the table, in the file's title).
    note: str = ""


@dataclass
class Report:
    period: Period
    members: list[User]
    tables: dict[str, Table]


MEMBER = Column("member", "Member", TEXT)
TABLES = ("calls", "outcomes", "cases", "funnel", "revenue")


def _tables() -> dict[str, Table]:
    return {
        "calls": Table(
            "calls",
            "Calls per member",
            (
                MEMBER,
                Column("calls_made", "Made", COUNT),
                Column("calls_answered", "Answered", COUNT),
                Column("reach_rate", "Reach rate", PERCENT),
                Column("calls_taken", "Taken", COUNT),
                Column("calls_missed", "Missed", COUNT),
                Column("customers_reached", "Customers reached", COUNT),
                Column("talk_seconds", "Talk time", SECONDS),
            ),
            note="Made: calls placed; answered: of those, answered by the customer. Taken: "
            "inbound calls answered. Missed: inbound calls nobody took that rang the member. "
            "Talk time: time connected to customers.",
        ),
        "outcomes": Table(
            "outcomes",
            "Call outcomes per member",
            (
                MEMBER,
                *(Column(key, OUTCOME_LABELS[key], COUNT) for key in OUTCOMES),
                Column("total", "Total", COUNT),
            ),
            note="Outcomes the member recorded on cases in the period.",
        ),
        "cases": Table(
            "cases",
            "Cases per member",
            (
                MEMBER,
                Column("cases_opened", "Opened", COUNT),
                Column("cases_closed", "Closed", COUNT),
                Column("cases_overdue", "Overdue", COUNT),
            ),
            note="Opened: cases created in the period, assigned to the member. Closed: cases "
            "the member closed with a call outcome. Overdue: the member's open cases due "
            "before the period's end.",
        ),
        "funnel": Table(
            "funnel",
            "Sales funnel per member",
            (
                MEMBER,
                Column("calls", "Calls", COUNT),
                Column("reached", "Reached", COUNT),
                Column("orders", "Orders", COUNT),
                Column("paid_orders", "Paid orders", COUNT),
                Column("reached_rate", "Reached / calls", PERCENT),
                Column("order_rate", "Orders / reached", PERCENT),
                Column("paid_rate", "Paid / orders", PERCENT),
            ),
            note="Calls: made and taken; reached: answered made calls and taken calls. "
            "Orders: taken in the period; paid: of those, paid in full by now.",
        ),
        "revenue": Table(
            "revenue",
            "Revenue per member and currency",
            (MEMBER, Column("currency", "Currency", CURRENCY), Column("revenue", "Revenue", MONEY)),
            note="Net part of payments received in the period on orders the member sold, "
            "less refunds in the period.",
        ),
    }


class UnknownMembers(ValueError):
    """Member ids asked for that are no member of the team."""

    def __init__(self, ids: list[int]):
        super().__init__(f"no such member: {', '.join(map(str, ids))}")
        self.ids = ids


def members_for(db: Session, ids: list[int] | None) -> list[User]:
    """The members a report is about, by name: those asked for (former members too, whose
    past figures still count), or every active member. Raises UnknownMembers."""
    if not ids:
        return active_members(db)
    wanted = set(ids)
    found = list(
        db.scalars(select(User).where(User.id.in_(wanted)).order_by(func.lower(User.name), User.id))
    )
    missing = sorted(wanted - {user.id for user in found})
    if missing:
        raise UnknownMembers(missing)
    return found


def batch_count(members: int) -> int:
    """How many rounds of queries a report on `members` members takes (at least one)."""
    return max(1, -(-members // BATCH))


def build_report(
    db: Session,
    period: Period,
    members: list[User],
    *,
    now: datetime,
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    """The report's tables for `members` (rows in the order given). `progress(done, total)`
    is told after each batch of members."""
    tables = _tables()
    batches = [members[i * BATCH : (i + 1) * BATCH] for i in range(batch_count(len(members)))]
    for done, batch in enumerate(batches, start=1):
        _add_rows(db, tables, batch, period, now)
        if progress is not None:
            progress(done, len(batches))
    return Report(period=period, members=members, tables=tables)


def _add_rows(db, tables, members: list[User], period: Period, now: datetime) -> None:
    if not members:
        return
    ids = [m.id for m in members]
    figures = {row.user_id: row for row in figures_for(db, members, period, now=now)}
    missed = _missed(db, ids, period)
    outcomes = _outcomes(db, ids, period)
    opened = _cases_opened(db, ids, period)
    overdue = _cases_overdue(db, ids, period, now)
    paid = _paid_orders(db, ids, period)
    for member in members:
        f: Figures = figures[member.id]
        name = {"member_id": member.id, "member": member.name}
        tables["calls"].rows.append(
            name
            | {
                "calls_made": f.calls_made,
                "calls_answered": f.calls_made_reached,
                "reach_rate": f.reach_rate,
                "calls_taken": f.calls_taken,
                "calls_missed": missed.get(member.id, 0),
                "customers_reached": f.customers_reached,
                "talk_seconds": f.talk_seconds,
            }
        )
        counts = {key: outcomes.get((member.id, key), 0) for key in OUTCOMES}
        tables["outcomes"].rows.append(name | counts | {"total": sum(counts.values())})
        tables["cases"].rows.append(
            name
            | {
                "cases_opened": opened.get(member.id, 0),
                "cases_closed": f.cases_done,
                "cases_overdue": overdue.get(member.id, 0),
            }
        )
        calls = f.calls_made + f.calls_taken
        reached = f.calls_made_reached + f.calls_taken
        paid_orders = paid.get(member.id, 0)
        tables["funnel"].rows.append(
            name
            | {
                "calls": calls,
                "reached": reached,
                "orders": f.orders,
                "paid_orders": paid_orders,
                "reached_rate": reach_rate(reached, calls),
                "order_rate": reach_rate(f.orders, reached),
                "paid_rate": reach_rate(paid_orders, f.orders),
            }
        )
        for currency, amount in sorted(f.revenue.items()):
            tables["revenue"].rows.append(name | {"currency": currency, "revenue": amount})


def _in_period(column, period: Period):
    return and_(column >= period.start, column < period.end)


def _missed(db: Session, ids: list[int], period: Period) -> dict[int, int]:
    caller = aliased(Call)
    stmt = (
        select(Call.agent_id, func.count(func.distinct(caller.id)))
        .join(caller, caller.sid == Call.parent_sid)
        .where(
            Call.agent_id.in_(ids),
            Call.direction == "inbound",
            Call.answered_at.is_(None),
            caller.missed.is_(True),
            _in_period(caller.started_at, period),
        )
        .group_by(Call.agent_id)
    )
    return dict(db.execute(stmt).all())


def _outcomes(db: Session, ids: list[int], period: Period) -> dict[tuple[int, str], int]:
    outcome = CaseEvent.data["outcome"].as_string()
    stmt = (
        select(CaseEvent.actor_id, outcome, func.count())
        .where(
            CaseEvent.kind == "outcome",
            CaseEvent.actor_id.in_(ids),
            _in_period(CaseEvent.at, period),
        )
        .group_by(CaseEvent.actor_id, outcome)
    )
    counts: dict = defaultdict(int)
    for actor_id, key, n in db.execute(stmt):
        counts[(actor_id, key)] += n
    return dict(counts)


def _cases_opened(db: Session, ids: list[int], period: Period) -> dict[int, int]:
    stmt = (
        select(Case.assignee_id, func.count())
        .where(Case.assignee_id.in_(ids), _in_period(Case.created_at, period))
        .group_by(Case.assignee_id)
    )
    return dict(db.execute(stmt).all())


def _cases_overdue(db: Session, ids: list[int], period: Period, now: datetime) -> dict[int, int]:
    stmt = (
        select(Case.assignee_id, func.count())
        .where(
            Case.status == OPEN,
            Case.assignee_id.in_(ids),
            Case.due_at < min(period.end, now),
        )
        .group_by(Case.assignee_id)
    )
    return dict(db.execute(stmt).all())


def _paid_orders(db: Session, ids: list[int], period: Period) -> dict[int, int]:
    stmt = (
        select(Order.seller_id, func.count())
        .where(
            Order.seller_id.in_(ids),
            _in_period(Order.created_at, period),
            Order.paid_at.is_not(None),
        )
        .group_by(Order.seller_id)
    )
    return dict(db.execute(stmt).all())
