"""Panel pages for commissions: My commissions (everyone), Approve (members with the
right), one commission with its decision log, Reassign (sales managers and admins) and
the vendor's Statement (admins), with tabs between them shown by right.

The rules are the services' (services.commissions.*); these views parse the form, ask
domain.commission_rights who may, call one service and render."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from marshmallow import ValidationError

from voiceapp import db
from voiceapp.db import utcnow
from voiceapp.domain import commission_rights as rights
from voiceapp.domain.commission_approval import APPROVE, REJECT
from voiceapp.domain.commissions import REASON_LABELS
from voiceapp.domain.roles import ADMIN
from voiceapp.schemas.commissions import CommissionListArgsSchema, PeriodArgsSchema
from voiceapp.services.accounts import all_members, get_user
from voiceapp.services.commissions import approval, listing, reassign, statement
from voiceapp.web.forms import flatten_errors
from voiceapp.web.paging import page_count, requested_page

bp = Blueprint("commissions", __name__, url_prefix="/commissions")
bp.before_request(login_required(lambda: None))
PER_PAGE = 50
STATUS_ICONS = {"pending": "◷", "approved": "✓", "rejected": "✗", "paid": "€"}


def tabs() -> list[tuple[str, str]]:
    """(endpoint, label) of the tabs the signed-in member may open."""
    shown = [("commissions.mine", "My commissions")]
    if approval.may_decide(current_user):
        shown.append(("commissions.approve", "Approve"))
    if rights.may_pay_out(current_user.role):
        shown.append(("payouts.index", "Payouts"))
    if rights.may_reassign(current_user.role):
        shown.append(("commissions.reassign_page", "Reassign"))
    if current_user.role == ADMIN:
        shown.append(("commissions.statement_page", "Statement"))
    return shown


def _filters(defaults: dict) -> tuple[dict, dict, dict]:
    """The list's filters from the query string: (query as typed, loaded filters,
    problems). A filter with a problem is left out and the problem shown."""
    # An empty member_id is a choice ("everyone"), kept so the default does not return.
    query = {
        k: v for k, v in request.args.items() if (v.strip() or k == "member_id") and k != "page"
    }
    given = {k: v for k, v in query.items() if v.strip() and k != "per_page"}
    wanted = {**{k: v for k, v in defaults.items() if k not in query}, **given}
    problems: dict = {}
    try:
        filters = CommissionListArgsSchema().load(wanted)
    except ValidationError as exc:
        problems = flatten_errors(exc.messages)
        filters = {k: v for k, v in exc.valid_data.items()} if exc.valid_data else {}
    filters.pop("page", None)
    filters.pop("per_page", None)
    filters["from"] = filters.pop("from_", None)
    return query, filters, problems


def _render_list(template: str, endpoint: str, defaults: dict, **extra):
    query, filters, problems = _filters(defaults)
    filters.update(extra.pop("force", {}))
    page = requested_page()
    try:
        items, total, totals = listing.list_commissions(
            db.session(), current_user, filters, now=utcnow(), page=page, per_page=PER_PAGE
        )
    except listing.CommissionsForbidden:
        abort(403)
    sees_others = listing.sees_others(current_user)
    return render_template(
        template,
        items=items,
        total=total,
        totals=totals,
        page=page,
        pages=page_count(total, PER_PAGE),
        query=query,
        filters=filters,
        problems=problems,
        endpoint=endpoint,
        tabs=tabs(),
        members=all_members(db.session()) if sees_others else [],
        statuses=listing.STATUSES,
        reasons=REASON_LABELS,
        icons=STATUS_ICONS,
        now=utcnow(),
        **extra,
    )


@bp.get("")
def mine():
    """Your own commissions; managers, admins and approvers may pick another member."""
    return _render_list("commissions/mine.html", "commissions.mine", {"member_id": current_user.id})


@bp.get("/approve")
def approve():
    """Others' commissions, pending ones first by default, with checkboxes."""
    if not approval.may_decide(current_user):
        abort(403)
    return _render_list(
        "commissions/approve.html",
        "commissions.approve",
        {"status": "pending"},
        force={"others_only": True},
    )


@bp.post("/decisions")
def decide():
    if not approval.may_decide(current_user):
        abort(403)
    ids, decision = _selection()
    dbs = db.session()
    try:
        result = approval.decide(dbs, current_user, ids, decision, now=utcnow())
    except approval.DecisionRefused as exc:
        dbs.rollback()
        flash("Nothing was decided: " + "; ".join(exc.errors.get("ids", [])) + ".", "error")
        return _render_list(
            "commissions/approve.html",
            "commissions.approve",
            {"status": "pending"},
            force={"others_only": True},
            selected=set(ids),
        ), 422
    dbs.commit()
    verb = "approved" if decision == APPROVE else "rejected"
    flash(f"{len(result.decided)} commission(s) {verb}.", "success")
    back = request.form.get("back") or ""
    return redirect(back if back.startswith("/commissions/approve") else url_for(".approve"))


def _selection() -> tuple[list[int], str]:
    """The ids and the decision: one row's own button (approve_one / reject_one = id),
    or the checked boxes with the selection's button (decision = approve / reject)."""
    for decision in (APPROVE, REJECT):
        one = request.form.get(f"{decision}_one", "")
        if one:
            return _ids([one]), decision
    return _ids(request.form.getlist("ids")), request.form.get("decision", "")


def _ids(values: list[str]) -> list[int]:
    ids = []
    for value in values:
        if not (value.isascii() and value.isdigit() and len(value) <= 9):
            abort(422)
        ids.append(int(value))
    return ids


@bp.get("/<int:commission_id>")
def show(commission_id: int):
    dbs = db.session()
    row = listing.visible_commission(dbs, current_user, commission_id)
    if row is None:
        abort(404)
    return render_template(
        "commissions/show.html",
        c=row,
        decisions=listing.commission_decisions(dbs, commission_id),
        tabs=tabs(),
        icons=STATUS_ICONS,
        may_decide=approval.may_decide(current_user) and row.member_id != current_user.id,
    )


@bp.route("/reassign", methods=["GET", "POST"])
def reassign_page():
    if not rights.may_reassign(current_user.role):
        abort(403)
    dbs = db.session()
    members = all_members(dbs)
    if request.method == "GET":
        return render_template("commissions/reassign.html", tabs=tabs(), members=members)
    member = get_user(dbs, _ids([request.form.get("member_id", "") or "0"])[0] or None)
    if member is None:
        flash("Choose a member.", "error")
        return render_template("commissions/reassign.html", tabs=tabs(), members=members), 422
    if request.form.get("action") != "execute":
        summary = reassign.check(dbs, member)
        return render_template(
            "commissions/reassign.html", tabs=tabs(), members=members, summary=summary
        )
    if not request.form.get("confirm"):
        flash("Tick the confirmation to move the commissions.", "error")
        summary = reassign.check(dbs, member)
        return render_template(
            "commissions/reassign.html", tabs=tabs(), members=members, summary=summary
        ), 422
    summary = reassign.execute(dbs, member, actor=current_user, now=utcnow())
    dbs.commit()
    flash(f"{summary.count} commission(s) of {member.name} moved to the vendor.", "success")
    return redirect(url_for(".reassign_page"))


@bp.get("/statement")
def statement_page():
    if current_user.role != ADMIN:
        abort(403)
    query = {k: v for k, v in request.args.items() if v.strip()}
    problems: dict = {}
    try:
        period = PeriodArgsSchema().load(query)
    except ValidationError as exc:
        problems, period = flatten_errors(exc.messages), {}
    lines = statement.vendor_statement(db.session(), period.get("from_"), period.get("to"))
    return render_template(
        "commissions/statement.html", tabs=tabs(), lines=lines, query=query, problems=problems
    )
