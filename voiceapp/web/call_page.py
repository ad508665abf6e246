"""The call page: one call with its recordings (a player, or why there is none), its
outcome, who listened (managers), the reviews the viewer may read, and the form where a
sales manager or admin scores the call."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from voiceapp import db
from voiceapp.auth import roles_required
from voiceapp.db import utcnow
from voiceapp.domain.roles import ADMIN, SALES_MANAGER, is_manager_or_admin
from voiceapp.services import accounts, calls
from voiceapp.services.calls import pricing, recordings, reviews
from voiceapp.services.contacts import contacts_by_id, user_can_view

bp = Blueprint("call_page", __name__)


def _load_call(sid: str):
    call = calls.call_by_sid(db.session(), sid) if len(sid) <= 64 else None
    if call is None or not calls.can_see_call(current_user, call):
        abort(404)
    return call


def _render(call, *, errors=None, values=None, refusal=None, status=200):
    dbs = db.session()
    contact = contacts_by_id(dbs, {call.contact_id}).get(call.contact_id)
    may_listen = recordings.can_listen(current_user, call)
    heard = [r for r in call.recordings if recordings.is_stored(r)] if may_listen else []
    manager = is_manager_or_admin(current_user.role)
    mine = reviews.own_review(dbs, call, current_user) if manager else None
    return render_template(
        "calls/call.html",
        call=call,
        agent=accounts.get_user(dbs, call.agent_id),
        cost=pricing.call_costs(dbs, [call]).get(call.sid),
        contact=contact if contact and user_can_view(current_user, contact) else None,
        number=call.from_number if call.direction == "inbound" else call.to_number,
        outcome=reviews.outcomes_by_call(dbs, [call.sid]).get(call.sid),
        may_listen=may_listen,
        playable=heard,
        deleted=[r for r in call.recordings if r.deleted_at is not None] if may_listen else [],
        pending=[r for r in call.recordings if r not in heard and r.deleted_at is None]
        if may_listen
        else [],
        listens=recordings.listens_of(dbs, [r.id for r in heard]) if manager else {},
        reviews=reviews.visible_reviews(dbs, call, current_user),
        criteria=reviews.team_criteria(dbs),
        may_review=manager and (mine is not None or reviews.reviewable_problem(call) is None),
        why_not=reviews.reviewable_problem(call) if manager and mine is None else None,
        mine=mine,
        errors=errors or {},
        values=values,
        refusal=refusal,
    ), status


@bp.get("/calls/<sid>")
@login_required
def show(sid: str):
    return _render(_load_call(sid))


def _score(text: str):
    """A form's score as a number when it is one; anything else goes to the rules as it
    came, so they say what is wrong with it."""
    text = (text or "").strip()
    if not text:
        return None
    return int(text) if text.isdigit() and len(text) < 3 else text


@bp.post("/calls/<sid>/review")
@roles_required(ADMIN, SALES_MANAGER)
def review(sid: str):
    call = _load_call(sid)
    dbs = db.session()
    form = request.form
    criteria = {}
    for criterion in reviews.team_criteria(dbs):
        value = _score(form.get(f"criterion-{criterion['key']}", ""))
        if value is not None:
            criteria[criterion["key"]] = value
    try:
        reviews.save_review(
            dbs,
            call,
            current_user,
            score=_score(form.get("score", "")),
            criteria=criteria,
            comment=form.get("comment") or None,
            now=utcnow(),
        )
    except reviews.ReviewInvalid as exc:
        dbs.rollback()
        return _render(call, errors=exc.errors, values=form, status=422)
    except reviews.ReviewRefused as exc:
        dbs.rollback()
        return _render(call, values=form, refusal=exc.message, status=exc.status)
    dbs.commit()
    flash("Your review is saved.", "success")
    return redirect(url_for("call_page.show", sid=call.sid))
