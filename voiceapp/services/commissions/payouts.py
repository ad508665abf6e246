"""Payouts: a run pays each chosen member what is payable to them, in one currency.

Payable: the member's approved commissions not yet in a payout, in the run's currency,
due (their withdrawal period over) unless the run pays early; negative commissions (taken
back after an early payout) are among them and deduct. A member who cannot receive
payouts (an employee, paid through payroll), whose payouts are held, or who was removed
gets nothing, nor does one whose total is below the run's minimum or not above zero: the
result says why.

Each commission is in at most one payout, even when two managers create runs over the same
members at the same moment: the chosen members' rows are locked (ordered by id, so two
runs never wait on each other in a circle) before their commissions are read, and a
commission joins a payout only where its payout_id is still empty. SQLite serialises
writers already (every transaction begins IMMEDIATE). The commissions join with one
UPDATE per member, not one object per commission, so a run over 100,000 commissions
takes seconds (bench/bench_payouts.py).

Flushes, never commits: the caller owns the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, insert, literal, select, update
from sqlalchemy.orm import Session

from voiceapp.db import UTCDateTime
from voiceapp.models import Commission, CommissionDecision, Payout, PayoutRun, User
from voiceapp.models.commissions import (
    APPROVED,
    PAID,
    PAYOUT_CANCELLED,
    PAYOUT_PAID,
    PAYOUT_PENDING,
    PAYOUT_STATUSES,  # noqa: F401 - the panel's filter names them (it reads no models)
)
from voiceapp.services.team_settings import get_team_settings

ZERO = Decimal("0.00")
# Why a member was left out of a run (or would be, in a preview).
PAYROLL = "employee: paid through payroll, not by payouts"
HELD = "payouts held"
REMOVED = "removed from the team"
NOTHING = "nothing payable"
PAID_OUT_NOTE = "paid out"


class PayoutError(Exception):
    """Input the rules refuse, as field errors ({"member_ids": ["..."]})."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(str(errors))
        self.errors = errors


class PayoutStateError(Exception):
    """An action the payout's status does not allow (cancelling a paid payout)."""


@dataclass
class Line:
    """One chosen member in a run or its preview: what they get, or why not."""

    user: User
    amount: Decimal
    count: int
    reason: str | None = None  # None: paid

    @property
    def paid(self) -> bool:
        return self.reason is None


@dataclass
class RunResult:
    run: PayoutRun | None
    lines: list[Line] = field(default_factory=list)

    @property
    def left_out(self) -> list[Line]:
        return [line for line in self.lines if not line.paid]


def why_not_payable(user: User) -> str | None:
    """Why no payout can go to this member at all, whatever they earned."""
    if user.removed_at is not None:
        return REMOVED
    if not user.can_receive_payouts:
        return PAYROLL
    if user.payouts_held:
        return HELD
    return None


def _payable(currency: str, include_not_due: bool, now: datetime):
    """The WHERE clause of a member's payable commissions (user_id added by the caller)."""
    conditions = [
        Commission.status == APPROVED,
        Commission.payout_id.is_(None),
        Commission.currency == currency,
    ]
    if not include_not_due:
        conditions.append(Commission.due_at <= now)
    return conditions


def payable_totals(
    db: Session, user_ids: list[int], currency: str, include_not_due: bool, now: datetime
) -> dict[int, tuple[Decimal, int]]:
    """user_id -> (total, count) of what is payable to each member now."""
    if not user_ids:
        return {}
    rows = db.execute(
        select(Commission.user_id, func.sum(Commission.amount), func.count(Commission.id))
        .where(Commission.user_id.in_(user_ids), *_payable(currency, include_not_due, now))
        .group_by(Commission.user_id)
    )
    return {user_id: (Decimal(total).quantize(ZERO), count) for user_id, total, count in rows}


def _check(db: Session, member_ids: list[int], minimum: Decimal, currency: str) -> Decimal:
    """The minimum to two decimals, once the choices are sound (PayoutError otherwise)."""
    errors: dict[str, list[str]] = {}
    offered = get_team_settings(db).payout_currencies or []
    if currency not in offered:
        errors["currency"] = [f"the team pays out in {', '.join(offered) or 'no currency'}"]
    if minimum < 0:
        errors["minimum"] = ["must not be negative"]
    if not member_ids:
        errors["member_ids"] = ["choose at least one member"]
    if errors:
        raise PayoutError(errors)
    return minimum.quantize(ZERO)


def _members(db: Session, member_ids: list[int], *, lock: bool) -> list[User]:
    wanted = sorted(set(member_ids))
    query = select(User).where(User.id.in_(wanted)).order_by(User.id)
    if lock:
        # Locked before their commissions are read, so a second run over the same members
        # waits here and then finds those commissions taken.
        query = query.with_for_update().execution_options(populate_existing=True)
    users = list(db.scalars(query))
    unknown = sorted(set(wanted) - {u.id for u in users})
    if unknown:
        raise PayoutError({"member_ids": [f"no such member: {', '.join(map(str, unknown))}"]})
    return users


def _lines(db, users, minimum, currency, include_not_due, now) -> list[Line]:
    totals = payable_totals(
        db, [u.id for u in users if why_not_payable(u) is None], currency, include_not_due, now
    )
    lines = []
    for user in sorted(users, key=lambda u: (u.name.lower(), u.id)):
        amount, count = totals.get(user.id, (ZERO, 0))
        reason = why_not_payable(user)
        if reason is None and (count == 0 or amount <= 0):
            reason = NOTHING if count == 0 or amount == 0 else f"owes {-amount} (taken back)"
        elif reason is None and amount < minimum:
            reason = f"below the minimum of {minimum}"
        lines.append(Line(user, amount, count, reason))
    return lines


def preview(
    db: Session,
    *,
    member_ids: list[int],
    minimum: Decimal,
    currency: str,
    include_not_due: bool,
    now: datetime,
) -> list[Line]:
    """What each chosen member would get (or why not), changing nothing."""
    minimum = _check(db, member_ids, minimum, currency)
    users = _members(db, member_ids, lock=False)
    return _lines(db, users, minimum, currency, include_not_due, now)


def create_run(
    db: Session,
    *,
    actor: User,
    member_ids: list[int],
    minimum: Decimal,
    currency: str,
    include_not_due: bool,
    mark_paid: bool,
    now: datetime,
) -> RunResult:
    """Pay the chosen members what is payable to them (see the module's docstring). The
    run is made only when somebody is paid; RunResult.run is None otherwise, and every
    line says why."""
    minimum = _check(db, member_ids, minimum, currency)
    users = _members(db, member_ids, lock=True)
    lines = _lines(db, users, minimum, currency, include_not_due, now)
    if not any(line.paid for line in lines):
        return RunResult(None, lines)
    run = PayoutRun(
        created_at=now,
        created_by_id=actor.id,
        currency=currency,
        minimum=minimum,
        include_not_due=include_not_due,
    )
    db.add(run)
    db.flush()
    for line in lines:
        if line.paid:
            _pay_member(db, run, line, include_not_due, now)
    db.flush()
    if mark_paid:
        _settle(db, list(run.payouts), actor, now)
    return RunResult(run, lines)


def _pay_member(db: Session, run: PayoutRun, line: Line, include_not_due, now) -> None:
    payout = Payout(
        run=run, user_id=line.user.id, currency=run.currency, amount=ZERO, created_at=now
    )
    db.add(payout)
    db.flush()
    db.execute(
        update(Commission)
        .where(
            Commission.user_id == line.user.id,
            *_payable(run.currency, include_not_due, now),
        )
        .values(payout_id=payout.id)
        .execution_options(synchronize_session=False)
    )
    # What the payout pays is what joined it: a commission earned or taken back since
    # the total was read (earning locks no member) is counted, never left unpaid.
    amount, count = db.execute(
        select(func.coalesce(func.sum(Commission.amount), 0), func.count(Commission.id)).where(
            Commission.payout_id == payout.id
        )
    ).one()
    payout.amount, payout.commission_count = Decimal(amount).quantize(ZERO), count
    line.amount, line.count = payout.amount, count


def _locked_payouts(db: Session, ids: list[int]) -> list[Payout]:
    return list(
        db.scalars(
            select(Payout)
            .where(Payout.id.in_(sorted(set(ids))))
            .order_by(Payout.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    )


def _settle(db: Session, payouts: list[Payout], actor: User, now: datetime) -> None:
    """Pending payouts become paid, and each of their commissions, logged as
    earning.record_decision logs a decision (who, when, before, after) but in two
    statements, not one object per commission: a run of 100,000 commissions marked paid
    at once took 80 s the other way (bench/bench_payouts.py)."""
    if not payouts:
        return
    for payout in payouts:
        payout.status, payout.paid_at, payout.paid_by_id = PAYOUT_PAID, now, actor.id
    ids = [p.id for p in payouts]
    in_them = (Commission.payout_id.in_(ids), Commission.status != PAID)
    db.execute(
        insert(CommissionDecision).from_select(
            ["commission_id", "user_id", "at", "before", "after", "note"],
            select(
                Commission.id,
                literal(actor.id),
                literal(now, UTCDateTime()),
                Commission.status,
                literal(PAID),
                literal(PAID_OUT_NOTE),
            )
            .where(*in_them)
            .order_by(Commission.id),
        )
    )
    db.execute(
        update(Commission)
        .where(*in_them)
        .values(status=PAID, decided_by_id=actor.id, decided_at=now)
        .execution_options(synchronize_session=False)
    )
    db.flush()
    db.expire_all()


def mark_paid(db: Session, ids: list[int], actor: User, now: datetime) -> list[Payout]:
    """The payouts paid: pending ones become paid with their commissions; paid ones stay
    as they were; a cancelled one (or an unknown id) refuses the whole request."""
    if not ids:
        raise PayoutError({"ids": ["choose at least one payout"]})
    payouts = _locked_payouts(db, ids)
    unknown = sorted(set(ids) - {p.id for p in payouts})
    if unknown:
        raise PayoutError({"ids": [f"no such payout: {', '.join(map(str, unknown))}"]})
    cancelled = [str(p.id) for p in payouts if p.status == PAYOUT_CANCELLED]
    if cancelled:
        raise PayoutError({"ids": [f"cancelled, cannot be paid: {', '.join(cancelled)}"]})
    _settle(db, [p for p in payouts if p.status == PAYOUT_PENDING], actor, now)
    return payouts


def cancel(db: Session, payout_id: int, actor: User, now: datetime) -> Payout | None:
    """A pending payout cancelled: its commissions are free for the next run; the payout
    stays, cancelled, with who and when (and its amount and count as they were). None
    for an unknown id; PayoutStateError unless it is pending."""
    payouts = _locked_payouts(db, [payout_id])
    if not payouts:
        return None
    payout = payouts[0]
    if payout.status != PAYOUT_PENDING:
        raise PayoutStateError(f"payout {payout.id} is {payout.status}: only a pending one")
    db.execute(
        update(Commission)
        .where(Commission.payout_id == payout.id)
        .values(payout_id=None)
        .execution_options(synchronize_session=False)
    )
    payout.status = PAYOUT_CANCELLED
    payout.cancelled_at, payout.cancelled_by_id = now, actor.id
    db.flush()
    db.expire_all()
    return payout


# --- reading ------------------------------------------------------------------------------


def list_payouts(
    db: Session,
    *,
    status: str | None = None,
    user_id: int | None = None,
    page: int = 1,
    per_page: int = 50,
) -> tuple[list[Payout], int]:
    """Payouts, newest first, with the given status and member."""
    conditions = []
    if status:
        conditions.append(Payout.status == status)
    if user_id:
        conditions.append(Payout.user_id == user_id)
    total = db.scalar(select(func.count(Payout.id)).where(*conditions)) or 0
    items = db.scalars(
        select(Payout)
        .where(*conditions)
        .order_by(Payout.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    return list(items), total


def get_run(db: Session, run_id: int) -> PayoutRun | None:
    return db.get(PayoutRun, run_id)


def payout_candidates(db: Session) -> list[User]:
    """The members a run may name: everyone not removed, by name (those who cannot be
    paid are shown, marked, but not chosen)."""
    return list(
        db.scalars(
            select(User).where(User.removed_at.is_(None)).order_by(func.lower(User.name), User.id)
        )
    )


def team_defaults(db: Session) -> tuple[Decimal, list[str]]:
    """The team's minimum payout and its payout currencies (the first is the default)."""
    settings = get_team_settings(db)
    return Decimal(settings.minimum_payout or 0).quantize(ZERO), list(
        settings.payout_currencies or []
    )


def nobody_paid_message(lines: list[Line]) -> str:
    return "nobody is paid: " + "; ".join(f"{line.user.name}: {line.reason}" for line in lines)
