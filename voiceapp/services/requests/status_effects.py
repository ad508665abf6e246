"""What a request's status change means for its money (issue #17's dossier part), called
by every service that changes the status (services.requests.work, .conversation):

- a dossier still "new" is "in progress" once the team works on it (in progress,
  awaiting reply, confirmed);
- confirming a request whose plan is a subscription starts the subscription over the
  request's order (services.requests.subscriptions). When the order cannot be made (no
  product, no price yet), the confirmation is refused with the reason.

Flushes, never commits."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from voiceapp.domain.requests import (
    AWAITING_REPLY,
    CONFIRMED,
    DOSSIER,
    IN_PROGRESS,
    NEW,
    STAGE_IN_PROGRESS,
    RequestError,
)
from voiceapp.models import Request, User
from voiceapp.services.requests.activity import record
from voiceapp.services.team_settings import team_zone

WORKED = (IN_PROGRESS, AWAITING_REPLY, CONFIRMED)


def after_status_change(db: Session, req: Request, new: str, *, actor: User, now: datetime) -> None:
    from voiceapp.services.requests import money, subscriptions

    if req.kind == DOSSIER and req.stage == NEW and new in WORKED:
        req.stage = STAGE_IN_PROGRESS
        record(
            db,
            req,
            "stage",
            "Stage: new -> in progress",
            actor_id=actor.id,
            at=now,
            data={"from": NEW, "to": STAGE_IN_PROGRESS},
        )
    if new == CONFIRMED and subscriptions.is_subscription_plan(req.plan):
        if req.product is None:
            raise RequestError("status", "a subscription needs its product: add it first")
        today = now.astimezone(ZoneInfo(team_zone(db))).date()
        try:
            subscriptions.start_subscription(db, req, actor=actor, now=now, today=today)
        except money.MoneyError as exc:
            raise RequestError(
                "status", f"the subscription cannot start: {_first(exc.errors)}"
            ) from exc


def _first(errors) -> str:
    if isinstance(errors, dict):
        return _first(next(iter(errors.values()), "refused"))
    if isinstance(errors, list) and errors:
        return _first(errors[0])
    return str(errors)
