"""Working a request: its status (in progress, confirmed, declined, each with an optional
message to the customer), assignee, payment method and product, internal notes, labels,
and a callback case on its contact. Each writes its line in the activity log in the same
transaction and flushes; the caller commits.

Edits carry the version the member read (check_version): an edit based on an older
version changes nothing. Notes add a line and overwrite nothing, so they are never
refused for it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from voiceapp.domain.requests import (
    CONFIRMED,
    DECLINED,
    DOSSIER,
    NEW,
    NOTE_MAX,
    PAYMENT_METHOD_LABELS,
    STATUS_LABELS,
    RequestError,
    status_change_refusal,
)
from voiceapp.domain.roles import is_manager_or_admin
from voiceapp.models import Case, Product, Request, RequestLabel, RequestNote, User
from voiceapp.services.cases.history import CaseError, CaseForbidden
from voiceapp.services.requests.activity import check_version, record
from voiceapp.services.requests.conversation import reply
from voiceapp.services.requests.status_effects import after_status_change
from voiceapp.services.team_settings import get_team_settings


class RequestForbidden(PermissionError):
    """The member may not do this (403)."""


def set_status(
    db: Session,
    req: Request,
    status: str,
    *,
    actor: User,
    now: datetime,
    expected_version: int | None = None,
    message: str | None = None,
) -> bool:
    """Move the request to `status`, with an optional message to the customer (sent
    first, so "answered" does not also log pending -> in progress). False: nothing
    happened (no message, and the status was this already)."""
    check_version(req, expected_version)
    refusal = status_change_refusal(req.status, status)
    if refusal is not None:
        raise RequestError("status", refusal)
    sent = bool((message or "").strip())
    if sent:
        reply(db, req, message, actor=actor, now=now)
    if req.status == status:
        return sent
    old = req.status
    req.status = status
    req.decided_at = now if status in (CONFIRMED, DECLINED) else None
    req.updated_at = now
    record(
        db,
        req,
        "status",
        f"Status: {STATUS_LABELS[old]} -> {STATUS_LABELS[status]}",
        actor_id=actor.id,
        at=now,
        data={"from": old, "to": status},
    )
    after_status_change(db, req, status, actor=actor, now=now)
    db.flush()
    return True


def _assignee(db: Session, actor: User, req: Request, assignee_id: int | None) -> User | None:
    if not is_manager_or_admin(actor.role) and req.assignee_id not in (None, actor.id):
        raise RequestForbidden("a colleague's request is theirs until a manager moves it")
    if assignee_id is None:
        return None
    member = db.get(User, assignee_id)
    if member is None or not member.active:
        raise RequestError("assignee_id", "no active team member with this id")
    if not is_manager_or_admin(actor.role) and member.id != actor.id:
        raise RequestForbidden("agents take requests for themselves; managers assign them")
    return member


def update_request(
    db: Session,
    req: Request,
    data: dict,
    *,
    actor: User,
    now: datetime,
    expected_version: int | None = None,
) -> list[str]:
    """Apply the given fields: status, assignee_id, payment_method, product_id (a
    product makes a simple request a dossier, at stage "new"). Returns what changed."""
    check_version(req, expected_version)
    changed = []
    if "assignee_id" in data and data["assignee_id"] != req.assignee_id:
        member = _assignee(db, actor, req, data["assignee_id"])
        req.assignee_id = member.id if member else None
        record(
            db,
            req,
            "assignee",
            f"Assigned to {member.name}" if member else "Unassigned",
            actor_id=actor.id,
            at=now,
            data={"assignee_id": req.assignee_id},
        )
        changed.append("assignee_id")
    if "payment_method" in data and data["payment_method"] != req.payment_method:
        method = data["payment_method"]
        if method is not None and method not in PAYMENT_METHOD_LABELS:
            raise RequestError("payment_method", f"one of: {', '.join(PAYMENT_METHOD_LABELS)}")
        label = PAYMENT_METHOD_LABELS.get(method, "none")
        req.payment_method = method
        record(
            db,
            req,
            "payment_method",
            f"Payment method: {label}",
            actor_id=actor.id,
            at=now,
            data={"payment_method": method},
        )
        changed.append("payment_method")
    if data.get("product_id") is not None and data["product_id"] != req.product_id:
        _set_product(db, req, data["product_id"], actor=actor, now=now)
        changed.append("product_id")
    elif "product_id" in data and data["product_id"] is None and req.product_id is not None:
        raise RequestError("product_id", "a dossier keeps its product; change it to another")
    if "status" in data and set_status(db, req, data["status"], actor=actor, now=now):
        changed.append("status")
    if changed:
        req.updated_at = now
        db.flush()
    return changed


def _set_product(db: Session, req: Request, product_id: int, *, actor: User, now: datetime):
    product = db.get(Product, product_id)
    if product is None or not product.active:
        raise RequestError("product_id", "no active product with this id")
    req.product_id = product.id
    req.currency = product.currency
    req.price = None if product.on_request else product.price
    plans = product.plans or []
    req.plan = plans[0] if len(plans) == 1 else None
    if req.kind != DOSSIER:
        req.kind = DOSSIER
        req.stage = NEW
        record(
            db,
            req,
            "kind",
            "Product added: the request is a dossier now",
            actor_id=actor.id,
            at=now,
            data={"product_id": product.id},
        )
    record(
        db,
        req,
        "product",
        f"Product: {product.name}",
        actor_id=actor.id,
        at=now,
        data={"product_id": product.id},
    )


def add_note(db: Session, req: Request, body: str | None, *, actor: User, now: datetime):
    text = (body or "").strip()
    if not text:
        raise RequestError("body", "write the note first")
    if len(text) > NOTE_MAX:
        raise RequestError("body", f"at most {NOTE_MAX} characters")
    note = RequestNote(request_id=req.id, body=text, author_id=actor.id, created_at=now)
    db.add(note)
    record(db, req, "note", "Internal note added", actor_id=actor.id, at=now)
    db.flush()
    return note


def set_labels(
    db: Session,
    req: Request,
    label_ids: list[int],
    *,
    actor: User,
    now: datetime,
    expected_version: int | None = None,
) -> bool:
    """The request's labels become exactly these. False: they already were."""
    check_version(req, expected_version)
    wanted = list(dict.fromkeys(label_ids))
    labels = (
        list(db.scalars(select(RequestLabel).where(RequestLabel.id.in_(wanted)))) if wanted else []
    )
    missing = set(wanted) - {label.id for label in labels}
    if missing:
        raise RequestError("label_ids", f"no label with the id(s) {sorted(missing)}")
    before = {label.id for label in req.labels}
    if before == set(wanted):
        return False
    names = sorted(label.name for label in labels)
    req.labels = sorted(labels, key=lambda label: label.name)
    req.updated_at = now  # a new version: a colleague's older label form is refused
    record(
        db,
        req,
        "labels",
        f"Labels: {', '.join(names) or 'none'}",
        actor_id=actor.id,
        at=now,
        data={"label_ids": sorted(wanted)},
    )
    db.flush()
    return True


def open_callback_case(db: Session, req: Request, *, actor: User, now: datetime) -> Case:
    """The customer asked to be called: a callback case on the request's contact, due
    now, for the request's assignee (else the member who clicked)."""
    from voiceapp.services.cases import create_case

    settings = get_team_settings(db)
    languages = settings.languages or ["en"]
    language = req.language if req.language in languages else languages[0]
    assignee_id = req.assignee_id or actor.id
    try:
        case = create_case(
            db,
            contact=req.contact,
            case_type="callback_request",
            language=language,
            actor=actor,
            now=now,
            assignee_id=assignee_id if is_manager_or_admin(actor.role) else actor.id,
            note=f"From request #{req.id}" + (f": {req.message[:200]}" if req.message else ""),
        )
    except (CaseError, CaseForbidden) as exc:
        raise RequestError("case", str(exc)) from exc
    record(
        db,
        req,
        "callback_case",
        f"Callback case #{case.id} opened",
        actor_id=actor.id,
        at=now,
        data={"case_id": case.id},
    )
    db.flush()
    return case
