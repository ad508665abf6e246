"""The panel's requests: the inbox (a tab beside Call today and My tasks: tabs by status
with counts, filters by label, kind and assignee, an unread marker) and a request's page
with its actions. Every member sees and works every request; agents take requests for
themselves, managers and admins assign them.

Forms that change the request carry the version the member read: when a colleague
changed it in the meantime the change is refused with a flash and nothing changes."""

from __future__ import annotations

from contextlib import contextmanager

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError

from voiceapp import db
from voiceapp.db import utcnow
from voiceapp.domain.requests import (
    KIND_LABELS,
    PAYMENT_METHOD_LABELS,
    STAGE_LABELS,
    STATUS_LABELS,
    STATUSES,
    RequestError,
)
from voiceapp.services.accounts import active_members
from voiceapp.services.requests import conversation, inbox, intake, work
from voiceapp.services.requests.activity import StaleRequest
from voiceapp.web.paging import page_count, requested_page

bp = Blueprint("requests", __name__, url_prefix="/requests")
bp.before_request(login_required(lambda: None))
PER_PAGE = 50
STALE = (
    "Someone else changed this request in the meantime. "
    "Reload it to see their change, then make yours again."
)


def requests_waiting() -> int:
    """For the Requests tab's badge (jinja global); 0 when nobody is signed in."""
    if not current_user.is_authenticated:
        return 0
    return inbox.waiting_count(db.session())


def _filters() -> dict:
    args = request.args
    filters: dict = {}
    if args.get("label"):
        filters["label"] = args["label"][:60]
    if args.get("kind") in KIND_LABELS:
        filters["kind"] = args["kind"]
    assignee = args.get("assignee", "")
    if assignee == "me":
        filters["assignee_id"] = current_user.id
    elif assignee == "nobody":
        filters["unassigned"] = True
    elif assignee.isdigit() and len(assignee) < 10:
        filters["assignee_id"] = int(assignee)
    return filters


@bp.get("")
def index():
    dbs = db.session()
    status = request.args.get("status", "pending")
    if status not in STATUSES:
        status = "pending"
    filters = _filters()
    page = requested_page()
    rows, total = inbox.list_requests(
        dbs, {**filters, "status": status}, page=page, per_page=PER_PAGE
    )
    query = {k: request.args[k] for k in ("label", "kind", "assignee") if request.args.get(k)}
    return render_template(
        "requests/inbox.html",
        rows=rows,
        status=status,
        counts=inbox.status_counts(dbs, filters),
        labels=inbox.all_labels(dbs),
        members=active_members(dbs),
        query=query,
        page=page,
        pages=page_count(total, PER_PAGE),
        **_labels(),
    )


def _labels() -> dict:
    return {
        "STATUS_LABELS": STATUS_LABELS,
        "STAGE_LABELS": STAGE_LABELS,
        "KIND_LABELS": KIND_LABELS,
        "PAYMENT_METHOD_LABELS": PAYMENT_METHOD_LABELS,
    }


def _load(request_id: int, *, lock: bool = False):
    req = inbox.get_request(db.session(), request_id, lock=lock)
    if req is None:
        abort(404)
    return req


@bp.get("/<int:request_id>")
def show(request_id: int):
    dbs = db.session()
    req = _load(request_id)
    was_unread = req.unread
    inbox.mark_read(dbs, req, now=utcnow())
    try:
        dbs.commit()
    except OperationalError:  # a concurrent writer won on SQLite: read next time
        dbs.rollback()
    return render_template(
        "requests/page.html",
        req=req,
        was_unread=was_unread,
        messages=inbox.conversation(dbs, req.id),
        notes=inbox.notes(dbs, req.id),
        events=inbox.activity(dbs, req.id),
        labels=inbox.all_labels(dbs),
        members=active_members(dbs),
        products=intake.form_products(dbs, None),
        customer_link=conversation.customer_link(req),
        **_labels(),
    )


def _version() -> int | None:
    value = request.form.get("version", "")
    return int(value) if value.isdigit() and len(value) < 10 else None


@contextmanager
def _acting(request_id: int):
    """Run one change on the locked request and commit it; a refusal is a flash (and
    nothing changed), then back to the request's page either way."""
    dbs = db.session()
    req = _load(request_id, lock=True)
    try:
        yield req
        dbs.commit()
    except (StaleRequest, StaleDataError):
        dbs.rollback()
        flash(STALE, "error")
    except RequestError as exc:
        dbs.rollback()
        flash(exc.message, "error")
    except work.RequestForbidden as exc:
        dbs.rollback()
        abort(403, str(exc))


def _back(request_id: int, anchor: str = ""):
    return redirect(url_for("requests.show", request_id=request_id) + anchor)


def _act(request_id: int, anchor: str, operation, done: str):
    with _acting(request_id) as req:
        if operation(db.session(), req) is not False:
            flash(done, "success")
    return _back(request_id, anchor)


@bp.post("/<int:request_id>/status")
def set_status(request_id: int):
    status = request.form.get("status", "")
    return _act(
        request_id,
        "",
        lambda dbs, req: work.set_status(
            dbs,
            req,
            status,
            actor=current_user,
            now=utcnow(),
            expected_version=_version(),
            message=request.form.get("message"),
        ),
        f"Status: {STATUS_LABELS.get(status, status)}.",
    )


@bp.post("/<int:request_id>/details")
def details(request_id: int):
    form = request.form
    data: dict = {}
    if "assignee_id" in form:
        value = form["assignee_id"]
        data["assignee_id"] = int(value) if value.isdigit() and len(value) < 10 else None
    if "payment_method" in form:
        data["payment_method"] = form["payment_method"] or None
    if form.get("product_id", "").isdigit() and len(form["product_id"]) < 10:
        data["product_id"] = int(form["product_id"])
    return _act(
        request_id,
        "",
        lambda dbs, req: (
            bool(
                work.update_request(
                    dbs, req, data, actor=current_user, now=utcnow(), expected_version=_version()
                )
            )
            or None
        ),
        "Saved.",
    )


@bp.post("/<int:request_id>/reply")
def reply(request_id: int):
    return _act(
        request_id,
        "#conversation",
        lambda dbs, req: conversation.reply(
            dbs, req, request.form.get("body"), actor=current_user, now=utcnow()
        ),
        "Sent to the customer by e-mail.",
    )


@bp.post("/<int:request_id>/notes")
def add_note(request_id: int):
    return _act(
        request_id,
        "#notes",
        lambda dbs, req: work.add_note(
            dbs, req, request.form.get("body"), actor=current_user, now=utcnow()
        ),
        "Note added.",
    )


@bp.post("/<int:request_id>/labels")
def set_labels(request_id: int):
    ids = [int(v) for v in request.form.getlist("label_ids") if v.isdigit() and len(v) < 10]
    return _act(
        request_id,
        "",
        lambda dbs, req: work.set_labels(
            dbs, req, ids, actor=current_user, now=utcnow(), expected_version=_version()
        ),
        "Labels saved.",
    )


@bp.post("/<int:request_id>/callback-case")
def callback_case(request_id: int):
    with _acting(request_id) as req:
        case = work.open_callback_case(db.session(), req, actor=current_user, now=utcnow())
        flash(f"Callback case #{case.id} opened for {case.assignee.name}.", "success")
    return _back(request_id)


@bp.post("/<int:request_id>/new-link")
def new_link(request_id: int):
    return _act(
        request_id,
        "",
        lambda dbs, req: conversation.regenerate_access_key(
            dbs, req, actor=current_user, now=utcnow()
        ),
        "The links sent to the customer no longer work; the next reply carries a new one.",
    )
