"""The dossier pipeline (seed 004): the stage tabs with their counts, moving a dossier to
"processed" ("entered in our system"), and archiving at the end of the season, which
erases the dossier's content except the conversation (domain.dossiers says what goes
and what stays; the confirmation page shows the same words).

Payments move dossiers to deposit paid / paid in full (services.requests.payments_arrived);
quotes and payment links to awaiting payment. Flushes, never commits.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from voiceapp.domain.dossiers import can_archive, can_mark_processed
from voiceapp.domain.requests import ARCHIVED, DOSSIER, PROCESSED, STAGES
from voiceapp.domain.roles import is_manager_or_admin
from voiceapp.models import Quote, Request, RequestEvent, RequestNote, User
from voiceapp.services.requests.activity import check_version, record


class PipelineError(ValueError):
    def __init__(self, errors: dict):
        super().__init__(str(errors))
        self.errors = errors


class PipelineForbidden(PermissionError):
    """Archiving erases content: managers and admins only."""


def stage_counts(db: Session, visible=None) -> dict[str, int]:
    """Every stage with its number of dossiers (0 for an empty one), in pipeline order.
    `visible` is an extra filter on requests (what the viewer may see)."""
    query = select(Request.stage, func.count()).where(Request.kind == DOSSIER)
    if visible is not None:
        query = query.where(visible)
    counts = dict(db.execute(query.group_by(Request.stage)).all())
    return {stage: counts.get(stage, 0) for stage in STAGES}


def dossiers_in(
    db: Session, stage: str, *, visible=None, page: int = 1, per_page: int = 50
) -> tuple[list[Request], int]:
    query = select(Request).where(Request.kind == DOSSIER, Request.stage == stage)
    if visible is not None:
        query = query.where(visible)
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    items = db.scalars(
        query.order_by(Request.updated_at.desc(), Request.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return list(items), total


def mark_processed(
    db: Session,
    request: Request,
    *,
    actor: User,
    now: datetime,
    expected_version: int | None = None,
) -> Request:
    """ "Entered in our system": the dossier is processed (once a deposit or all of the
    money is in)."""
    check_version(request, expected_version)
    if request.kind != DOSSIER:
        raise PipelineError({"stage": ["only a dossier has stages"]})
    if not can_mark_processed(request.stage):
        raise PipelineError(
            {"stage": ["a dossier is processed once its deposit or full payment is in"]}
        )
    was = request.stage
    request.stage = PROCESSED
    request.updated_at = now
    record(
        db,
        request,
        "stage",
        f"Entered in our system: {was.replace('_', ' ')} -> processed",
        actor_id=actor.id,
        data={"from": was, "to": PROCESSED},
        at=now,
    )
    db.flush()
    return request


def archive(
    db: Session,
    request: Request,
    *,
    actor: User,
    now: datetime,
    expected_version: int | None = None,
) -> Request:
    """End of season: erase everything of the dossier but the conversation (and the
    order: bookkeeping keeps it); the activity log keeps one line saying who archived."""
    if not is_manager_or_admin(actor.role):
        raise PipelineForbidden("only managers and admins archive dossiers")
    check_version(request, expected_version)
    if request.kind != DOSSIER or not can_archive(request.stage):
        raise PipelineError({"stage": ["only a dossier not yet archived can be archived"]})
    was = request.stage
    request.message = None
    request.options = None
    request.plan = None
    request.phone = None
    request.email = None
    request.ip_address = None
    request.labels = []
    db.execute(delete(RequestNote).where(RequestNote.request_id == request.id))
    db.execute(delete(Quote).where(Quote.request_id == request.id))
    db.execute(delete(RequestEvent).where(RequestEvent.request_id == request.id))
    request.stage = ARCHIVED
    request.archived_at = now
    request.updated_at = now
    record(
        db,
        request,
        "stage",
        f"Archived ({(was or '').replace('_', ' ')} -> archived): its content "
        "was erased, the conversation kept",
        actor_id=actor.id,
        data={"from": was, "to": ARCHIVED},
        at=now,
    )
    db.flush()
    return request
