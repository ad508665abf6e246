"""Panel pages for payouts (sales managers and admins): the Payouts list (filters, a
selection marked paid, a pending payout cancelled with X), "Create payouts" with a preview
of what each member would get, and a run's page with its CSV and Excel files."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from marshmallow import ValidationError

from voiceapp import db
from voiceapp.db import utcnow
from voiceapp.domain.commission_rights import may_pay_out
from voiceapp.schemas.payouts import PayoutIdsSchema, PayoutListArgsSchema, PayoutRunCreateSchema
from voiceapp.services.commissions import payout_exports, payouts
from voiceapp.web.commissions import tabs as commission_tabs
from voiceapp.web.forms import flatten_errors
from voiceapp.web.paging import page_count, requested_page

bp = Blueprint("payouts", __name__, url_prefix="/payouts")
PER_PAGE = 50


@bp.before_request
@login_required
def managers_and_admins_only():
    if not may_pay_out(current_user.role):
        abort(403)


def _zone() -> str:
    return current_app.config["VOICEAPP"].timezone


@bp.get("")
def index():
    dbs = db.session()
    query = {k: v for k, v in request.args.items() if v and k in ("status", "member_id")}
    problems: dict = {}
    try:
        filters = PayoutListArgsSchema().load(query)
    except ValidationError as exc:
        problems, filters = flatten_errors(exc.messages), {}
    page = requested_page()
    items, total = payouts.list_payouts(
        dbs,
        status=filters.get("status"),
        user_id=filters.get("member_id"),
        page=page,
        per_page=PER_PAGE,
    )
    return render_template(
        "payouts/list.html",
        tabs=commission_tabs(),
        payouts=items,
        total=total,
        page=page,
        pages=page_count(total, PER_PAGE),
        query=query,
        problems=problems,
        statuses=payouts.PAYOUT_STATUSES,
        members=payouts.payout_candidates(dbs),
    )


@bp.post("/paid")
def paid():
    dbs = db.session()
    try:
        ids = PayoutIdsSchema().load({"ids": request.form.getlist("ids")})["ids"]
        settled = payouts.mark_paid(dbs, ids, current_user, utcnow())
    except ValidationError:
        flash("Choose the payouts to mark paid.", "error")
        return redirect(url_for("payouts.index")), 303
    except payouts.PayoutError as exc:
        dbs.rollback()
        flash("Nothing was marked paid: " + "; ".join(exc.errors["ids"]) + ".", "error")
        return redirect(url_for("payouts.index")), 303
    dbs.commit()
    flash(f"{len(settled)} payout(s) marked paid.", "success")
    return redirect(url_for("payouts.index"))


@bp.post("/<int:payout_id>/cancel")
def cancel(payout_id: int):
    dbs = db.session()
    try:
        payout = payouts.cancel(dbs, payout_id, current_user, utcnow())
    except payouts.PayoutStateError as exc:
        dbs.rollback()
        flash(f"Not cancelled: {exc}.", "error")
        return redirect(url_for("payouts.index")), 303
    if payout is None:
        abort(404)
    dbs.commit()
    flash(
        f"Payout to {payout.user.name} cancelled: its commissions go into the next run.",
        "success",
    )
    return redirect(url_for("payouts.index"))


# --- creating a run ------------------------------------------------------------------------


def _form_values(minimum, currencies) -> dict:
    if request.method == "GET":
        return {
            "member_ids": [],
            "minimum": str(minimum),
            "currency": currencies[0] if currencies else "",
        }
    return {
        "member_ids": request.form.getlist("member_ids"),
        "minimum": request.form.get("minimum", "").strip(),
        "currency": request.form.get("currency", ""),
        "include_not_due": bool(request.form.get("include_not_due")),
        "mark_paid": bool(request.form.get("mark_paid")),
    }


def _render_new(values, currencies, errors=None, lines=None, status=200):
    chosen = {str(v) for v in values["member_ids"]}
    return render_template(
        "payouts/new.html",
        values=values,
        chosen=chosen,
        errors=errors or {},
        currencies=currencies,
        members=payouts.payout_candidates(db.session()),
        why_not=payouts.why_not_payable,
        lines=lines,
    ), status


@bp.route("/new", methods=["GET", "POST"])
def new():
    dbs = db.session()
    minimum, currencies = payouts.team_defaults(dbs)
    values = _form_values(minimum, currencies)
    if request.method == "GET":
        return _render_new(values, currencies)
    try:
        data = PayoutRunCreateSchema().load({**values, "minimum": values["minimum"] or "0"})
        choices = {
            "member_ids": data["member_ids"],
            "minimum": data["minimum"],
            "currency": data["currency"],
            "include_not_due": data["include_not_due"],
            "now": utcnow(),
        }
        if request.form.get("action") == "preview":
            return _render_new(values, currencies, lines=payouts.preview(dbs, **choices))
        result = payouts.create_run(dbs, actor=current_user, mark_paid=data["mark_paid"], **choices)
    except ValidationError as exc:
        return _render_new(values, currencies, flatten_errors(exc.messages), status=422)
    except payouts.PayoutError as exc:
        dbs.rollback()
        return _render_new(values, currencies, exc.errors, status=422)
    if result.run is None:
        dbs.rollback()
        errors = {"member_ids": ["Nobody would be paid: see why below."]}
        return _render_new(values, currencies, errors, lines=result.lines, status=422)
    dbs.commit()
    flash(f"{len(result.run.payouts)} payout(s) created.", "success")
    for line in result.left_out:
        flash(f"{line.user.name} left out: {line.reason}.", "info")
    return redirect(url_for("payouts.run", run_id=result.run.id))


# --- a run and its files -------------------------------------------------------------------


def _run_or_404(run_id: int):
    found = payouts.get_run(db.session(), run_id)
    if found is None:
        abort(404)
    return found


@bp.get("/runs/<int:run_id>")
def run(run_id: int):
    return render_template("payouts/run.html", run=_run_or_404(run_id))


@bp.get("/runs/<int:run_id>/export.csv")
def export_csv(run_id: int):
    text = payout_exports.run_csv(_run_or_404(run_id), _zone())
    return Response(
        text,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="payout-run-{run_id}.csv"'},
    )


@bp.get("/runs/<int:run_id>/export.xlsx")
def export_xlsx(run_id: int):
    data = payout_exports.run_xlsx(_run_or_404(run_id), _zone())
    return Response(
        data,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="payout-run-{run_id}.xlsx"'},
    )
