"""Approving and rejecting commissions, a selection at once or one, and correcting a
decision later (domain.commission_approval says which change is allowed when).

A selection is decided whole or not at all: an unknown id, someone's own commission or
one whose state forbids the decision refuses the lot with the reasons, and nothing
changes. Every change goes through earning.record_decision (who, when, before, after).
Flushes, never commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from voiceapp.domain import commission_rights as rights
from voiceapp.domain.commission_approval import MAX_SELECTION, OUTCOME, refusal
from voiceapp.models import Commission, User
from voiceapp.services.commissions.earning import record_decision
from voiceapp.services.commissions.listing import visibility_filter


class DecisionForbidden(Exception):
    """The member may not approve or reject commissions at all (403)."""


class DecisionRefused(Exception):
    """The selection cannot be decided as asked; `errors` says why, per field (422)."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(m for ms in errors.values() for m in ms))
        self.errors = errors


@dataclass(frozen=True)
class DecisionResult:
    decided: list[Commission]  # whose status changed
    unchanged: list[Commission]  # already so


def may_decide(user: User) -> bool:
    return rights.may_approve(user.role, user.can_approve_commissions)


def decide(
    db: Session, actor: User, ids: list[int], decision: str, *, now: datetime, note=None
) -> DecisionResult:
    """Take `decision` ("approve" or "reject") on the commissions `ids`, all or none."""
    if not may_decide(actor):
        raise DecisionForbidden("you may not approve or reject commissions")
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        raise DecisionRefused({"ids": ["choose at least one commission"]})
    if len(wanted) > MAX_SELECTION:
        raise DecisionRefused({"ids": [f"at most {MAX_SELECTION} commissions at once"]})
    found = {
        c.id: c
        for c in db.scalars(
            select(Commission)
            .where(Commission.id.in_(wanted), visibility_filter(actor))
            .order_by(Commission.id)
            .with_for_update()
        )
    }
    _check(actor, wanted, found, decision)
    after = OUTCOME[decision]
    decided, unchanged = [], []
    for commission_id in wanted:
        commission = found[commission_id]
        if commission.status == after:
            unchanged.append(commission)
            continue
        record_decision(db, commission, after, actor=actor, now=now, note=note)
        decided.append(commission)
    db.flush()
    return DecisionResult(decided, unchanged)


def _check(actor: User, wanted: list[int], found: dict, decision: str) -> None:
    messages = []
    unknown = [i for i in wanted if i not in found]
    if unknown:
        messages.append("no such commission: " + ", ".join(f"#{i}" for i in unknown))
    own = [
        i for i in wanted if i in found and not rights.may_approve_this(actor.id, found[i].user_id)
    ]
    if own:
        messages.append(
            "you cannot decide on your own commissions ("
            + ", ".join(f"#{i}" for i in own)
            + "): someone else with the right must"
        )
    for i in wanted:
        commission = found.get(i)
        if commission is None or i in own:
            continue
        why = refusal(
            commission.status,
            decision,
            in_payout=commission.payout_id is not None,
            takes_back=commission.reverses_id is not None,
        )
        if why:
            messages.append(f"#{i} {why}")
    if decision not in OUTCOME:
        raise DecisionRefused({"decision": ["choose approve or reject"]})
    if messages:
        raise DecisionRefused({"ids": messages})
