"""Reading requests: the inbox (a status's requests with filters, and every status's
count), one request with its conversation, notes and log, and a contact's open requests.

Every member of the team sees every request (one shared inbox, seed 003): a written
request is the team's until someone takes it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from voiceapp.domain.requests import OPEN_STATUSES, STATUSES
from voiceapp.models import (
    Request,
    RequestEvent,
    RequestLabel,
    RequestMessage,
    RequestNote,
)
from voiceapp.models.requests import request_label_links


def get_request(db: Session, request_id: int, *, lock: bool = False) -> Request | None:
    query = select(Request).where(Request.id == request_id)
    if lock:
        query = query.with_for_update()
    return db.scalar(query)


def _filtered(query: Select, filters: dict) -> Select:
    if filters.get("label") is not None:
        query = query.where(
            Request.id.in_(
                select(request_label_links.c.request_id)
                .join(RequestLabel)
                .where(
                    (RequestLabel.name == str(filters["label"]))
                    | (RequestLabel.id == _as_id(filters["label"]))
                )
            )
        )
    if filters.get("kind"):
        query = query.where(Request.kind == filters["kind"])
    if filters.get("assignee_id") is not None:
        query = query.where(Request.assignee_id == filters["assignee_id"])
    if filters.get("unassigned"):
        query = query.where(Request.assignee_id.is_(None))
    if filters.get("contact_id") is not None:
        query = query.where(Request.contact_id == filters["contact_id"])
    return query


def _as_id(value) -> int:
    """A label is named by its name or its id; a name that is no number matches no id."""
    text = str(value)
    return int(text) if text.isdigit() and len(text) < 10 else -1


def list_requests(
    db: Session, filters: dict, *, page: int = 1, per_page: int = 50
) -> tuple[list[Request], int]:
    """Newest first; `status` is one status or absent (all)."""
    query = _filtered(select(Request), filters)
    if filters.get("status"):
        query = query.where(Request.status == filters["status"])
    total = db.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.scalars(
        query.order_by(Request.created_at.desc(), Request.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return list(rows), total


def status_counts(db: Session, filters: dict) -> dict[str, int]:
    """Each status's count under the same filters (the inbox's tabs)."""
    query = _filtered(select(Request.status, func.count()), filters).group_by(Request.status)
    counts = dict.fromkeys(STATUSES, 0)
    counts.update({status: n for status, n in db.execute(query)})
    return counts


def unread_count(db: Session) -> int:
    return db.scalar(
        select(func.count())
        .select_from(Request)
        .where(
            Request.customer_wrote_at.is_not(None),
            (Request.team_read_at.is_(None)) | (Request.team_read_at < Request.customer_wrote_at),
        )
    )


def open_requests_for_contact(
    db: Session, contact_id: int, *, limit: int | None = None
) -> list[Request]:
    """The contact's open requests, newest first (the first `limit` of them)."""
    return list(
        db.scalars(
            select(Request)
            .where(Request.contact_id == contact_id, Request.status.in_(OPEN_STATUSES))
            .order_by(Request.created_at.desc())
            .limit(limit)
        )
    )


def conversation(db: Session, request_id: int) -> list[RequestMessage]:
    return list(
        db.scalars(
            select(RequestMessage)
            .where(RequestMessage.request_id == request_id)
            .order_by(RequestMessage.created_at, RequestMessage.id)
        )
    )


def notes(db: Session, request_id: int) -> list[RequestNote]:
    return list(
        db.scalars(
            select(RequestNote)
            .where(RequestNote.request_id == request_id)
            .order_by(RequestNote.created_at.desc(), RequestNote.id.desc())
        )
    )


def activity(db: Session, request_id: int) -> list[RequestEvent]:
    return list(
        db.scalars(
            select(RequestEvent)
            .where(RequestEvent.request_id == request_id)
            .order_by(RequestEvent.at.desc(), RequestEvent.id.desc())
        )
    )


def all_labels(db: Session) -> list[RequestLabel]:
    return list(db.scalars(select(RequestLabel).order_by(RequestLabel.name)))


def mark_read(db: Session, req: Request, *, now: datetime) -> None:
    """A member opened the request: the customer's messages are read. Written without
    the version counter: looking at a request must not make a colleague's open form on it
    stale."""
    if not req.unread:
        return
    db.execute(
        update(Request)
        .where(Request.id == req.id)
        .values(team_read_at=now)
        .execution_options(synchronize_session=False)
    )
    db.expire(req, ["team_read_at"])


def waiting_count(db: Session) -> int:
    """Requests that need someone: pending ones, and any the customer wrote in unread."""
    return db.scalar(
        select(func.count())
        .select_from(Request)
        .where(
            (Request.status == "pending")
            | (
                Request.customer_wrote_at.is_not(None)
                & (
                    Request.team_read_at.is_(None)
                    | (Request.team_read_at < Request.customer_wrote_at)
                )
            )
        )
    )
