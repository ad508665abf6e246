"""The activity log of a request (seed 004): who did what, and when. Every service that
changes a request writes one line here in the same transaction, so the log and the change
are committed together or not at all."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from voiceapp.db import utcnow
from voiceapp.models import Request, RequestEvent


class StaleRequest(Exception):
    """The request was changed by someone else since the version this edit was based on."""

    def __init__(self, request: Request) -> None:
        super().__init__(
            "Someone else changed this request in the meantime. "
            "Reload it to see their change, then make yours again."
        )
        self.request = request


def check_version(request: Request, expected_version: int | None) -> None:
    """Refuse an edit made on an older copy of the request (a form or an API client
    sends the version it read). None: the caller read the row in this transaction."""
    if expected_version is not None and expected_version != request.version:
        raise StaleRequest(request)


def record(
    session: Session,
    request: Request,
    kind: str,
    text: str,
    *,
    actor_id: int | None,
    data: dict | None = None,
    at: datetime | None = None,
) -> RequestEvent:
    event = RequestEvent(
        request_id=request.id,
        kind=kind,
        text=text,
        actor_id=actor_id,
        data=data,
        at=at or utcnow(),
    )
    session.add(event)
    return event
