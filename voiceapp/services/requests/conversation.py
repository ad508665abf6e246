"""The conversation with the customer. A member's reply goes out by e-mail (the outbox
and the mailer, as outcome e-mails do) with a signed link to the customer's private page;
answering a pending request starts work on it. The customer answers on that page (no
account): their message marks the request unread for the team.

The link is signed with the app's SECRET_KEY and carries a digest of the request's
access_key: a new key (regenerate_access_key) makes every link sent before worthless."""

from __future__ import annotations

import hashlib
from datetime import datetime

from flask import current_app
from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import update
from sqlalchemy.orm import Session

from voiceapp.domain.requests import BODY_MAX, RequestError, status_after_reply
from voiceapp.models import Request, RequestMessage, User
from voiceapp.services.cases.mail import public_base_url
from voiceapp.services.emails import queue_email
from voiceapp.services.requests.activity import check_version, record
from voiceapp.services.requests.intake import new_access_key
from voiceapp.services.requests.status_effects import after_status_change

LINK_SALT = "voiceapp.request-link"


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=LINK_SALT)


def _key_digest(access_key: str) -> str:
    return hashlib.sha256(access_key.encode()).hexdigest()[:20]


def customer_token(req: Request) -> str:
    return _signer().dumps({"r": req.id, "k": _key_digest(req.access_key)})


def customer_link(req: Request) -> str:
    base = (public_base_url() or "http://localhost/").rstrip("/")
    return f"{base}/r/conversation/{customer_token(req)}"


def request_for_token(db: Session, token: str, *, lock: bool = False) -> Request | None:
    """The request a customer's link names, or None when the link is forged, mangled or
    revoked (the request's key changed since) or the request is gone."""
    from voiceapp.services.requests.inbox import get_request

    try:
        data = _signer().loads(token)
        request_id, digest = int(data["r"]), str(data["k"])
    except (BadData, KeyError, TypeError, ValueError):
        return None
    if not 0 < request_id < 2**31:
        return None
    req = get_request(db, request_id, lock=lock)
    if req is None or req.archived_at is not None or _key_digest(req.access_key) != digest:
        return None
    return req


def _clean_body(body: str | None) -> str:
    text = (body or "").strip()
    if not text:
        raise RequestError("body", "write a message first")
    if len(text) > BODY_MAX:
        raise RequestError("body", f"at most {BODY_MAX} characters")
    return text


def _reply_email(req: Request, author: User, body: str) -> tuple[str, str]:
    subject = f"Your request #{req.id}"
    text = (
        f"Hello {req.name},\n\n{body}\n\n{author.name}\n\n"
        f"Read the whole conversation and answer here:\n{customer_link(req)}\n"
    )
    return subject, text


def reply(
    db: Session,
    req: Request,
    body: str | None,
    *,
    actor: User,
    now: datetime,
    expected_version: int | None = None,
    kind: str = "message",
) -> RequestMessage:
    """A member's message to the customer, e-mailed to the request's address; a pending
    request moves to in progress."""
    check_version(req, expected_version)
    text = _clean_body(body)
    address = req.email or next((e.email for e in req.contact.emails), None)
    if address is None:
        raise RequestError("body", "the customer gave no e-mail address: call them instead")
    message = RequestMessage(
        request_id=req.id, outgoing=True, body=text, author_id=actor.id, created_at=now
    )
    db.add(message)
    subject, email_text = _reply_email(req, actor, text)
    queue_email(
        db, to=address, subject=subject, body_text=email_text, purpose="request_reply", now=now
    )
    record(db, req, kind, f"Message to the customer ({address})", actor_id=actor.id, at=now)
    new_status = status_after_reply(req.status)
    if new_status != req.status:
        record(
            db,
            req,
            "status",
            f"Status: {req.status} -> {new_status} (answered)",
            actor_id=actor.id,
            at=now,
            data={"from": req.status, "to": new_status},
        )
        req.status = new_status
        after_status_change(db, req, new_status, actor=actor, now=now)
    req.updated_at = now
    db.flush()
    return message


def customer_reply(db: Session, req: Request, body: str | None, *, now: datetime) -> RequestMessage:
    """The customer's answer on their page: unread for the team until a member opens the
    request. Written without the version counter (it changes nothing a member edits)."""
    text = _clean_body(body)
    message = RequestMessage(request_id=req.id, outgoing=False, body=text, created_at=now)
    db.add(message)
    db.execute(
        update(Request)
        .where(Request.id == req.id)
        .values(customer_wrote_at=now)
        .execution_options(synchronize_session=False)
    )
    db.expire(req, ["customer_wrote_at"])
    record(db, req, "customer_message", "Message from the customer", actor_id=None, at=now)
    db.flush()
    return message


def regenerate_access_key(db: Session, req: Request, *, actor: User, now: datetime) -> None:
    """Every link sent to the customer stops working (a forwarded e-mail, a wrong
    address); the next reply carries a new one."""
    req.access_key = new_access_key()
    req.updated_at = now
    record(db, req, "link_revoked", "The customer's links were revoked", actor_id=actor.id, at=now)
    db.flush()
