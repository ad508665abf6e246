"""Recordings review pages: the review queue (sales managers and admins), "My reviews"
(everyone: the reviews scoring them) and the listen log (admins). The call page, where a
call is scored, is web/call_page.py."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from voiceapp import db
from voiceapp.auth import roles_required
from voiceapp.db import utcnow
from voiceapp.domain.dashboard import PERIOD_LABELS, PERIODS, PeriodError, period_for
from voiceapp.domain.roles import ADMIN, SALES_MANAGER
from voiceapp.domain.scheduling import OUTCOME_LABELS, OUTCOMES
from voiceapp.services import accounts
from voiceapp.services.calls import listen_log as listens
from voiceapp.services.calls import reviews
from voiceapp.services.cases.history import team_zone
from voiceapp.services.contacts import contacts_by_id
from voiceapp.web.paging import page_count, requested_page

bp = Blueprint("reviews", __name__)
PER_PAGE = 25
MAX_SECONDS = 24 * 3600  # no call is longer than Twilio's 4-hour limit; a day is plenty


def _id(text: str, label: str, problems: list[str]) -> int | None:
    if not text:
        return None
    if text.isdigit() and len(text) < 10:
        return int(text)
    problems.append(f"{label}: choose from the list.")
    return None


def _day(text: str, label: str, problems: list[str]) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        problems.append(f"{label}: {text!r} is not a date (YYYY-MM-DD).")
        return None


def _seconds(text: str, label: str, problems: list[str]) -> int | None:
    if not text:
        return None
    if text.isdigit() and int(text) <= MAX_SECONDS:
        return int(text)
    problems.append(f"{label}: a number of seconds from 0 to {MAX_SECONDS}.")
    return None


def period_filters(values: dict, problems: list[str]) -> dict:
    """since/until (UTC) from ?period=today|week|month or ?from=&to= (the team's days)."""
    first = _day(values["from"], "From", problems)
    last = _day(values["to"], "To", problems)
    kind = values["period"] or None
    if problems or (kind is None and first is None and last is None):
        return {}
    try:
        period = period_for(
            kind, now=utcnow(), zone=team_zone(db.session()), first=first, last=last
        )
    except PeriodError as exc:
        problems.append(f"{exc.field.capitalize()}: {exc.message}.")
        return {}
    return {"since": period.start, "until": period.end}


def _queue_filters(args) -> tuple[dict, dict, list[str]]:
    names = ("agent", "direction", "period", "from", "to", "min", "max", "outcome")
    values = {name: args.get(name, "").strip() for name in names}
    values["unreviewed"] = args.get("unreviewed") == "1"
    problems: list[str] = []
    filters = {
        "agent_id": _id(values["agent"], "Agent", problems),
        "min_seconds": _seconds(values["min"], "Shortest", problems),
        "max_seconds": _seconds(values["max"], "Longest", problems),
        "unreviewed": values["unreviewed"],
    }
    if values["direction"] in ("inbound", "outbound"):
        filters["direction"] = values["direction"]
    elif values["direction"]:
        problems.append("Direction: choose inbound or outbound.")
    if values["outcome"] in OUTCOMES:
        filters["outcome"] = values["outcome"]
    elif values["outcome"]:
        problems.append("Case outcome: choose one from the list.")
    if values["period"] and values["period"] not in PERIODS:
        problems.append("Period: choose one from the list.")
        values["period"] = ""
    filters.update(period_filters(values, problems))
    return filters, values, problems


def _query(values: dict) -> dict:
    query = {k: v for k, v in values.items() if v and not isinstance(v, bool)}
    if values.get("unreviewed"):
        query["unreviewed"] = "1"
    return query


@bp.get("/calls/reviews")
@roles_required(ADMIN, SALES_MANAGER)
def queue():
    filters, values, problems = _queue_filters(request.args)
    page = requested_page()
    dbs = db.session()
    rows, total = (
        ([], 0)
        if problems
        else reviews.review_queue(dbs, current_user, filters, page=page, per_page=PER_PAGE)
    )
    return render_template(
        "calls/review_queue.html",
        rows=rows,
        total=total,
        page=page,
        pages=page_count(total, PER_PAGE),
        values=values,
        query=_query(values),
        problems=problems,
        agents=accounts.all_members(dbs),
        agent_names={u.id: u.name for u in accounts.all_members(dbs)},
        contacts=contacts_by_id(dbs, {r.call.contact_id for r in rows}),
        periods=[(p, PERIOD_LABELS[p]) for p in PERIODS],
        outcomes=[(o, OUTCOME_LABELS[o]) for o in OUTCOMES],
    ), (422 if problems else 200)


@bp.get("/calls/reviews/mine")
@login_required
def mine():
    dbs = db.session()
    page = requested_page()
    items, total = reviews.reviews_of_agent(dbs, current_user, page=page, per_page=PER_PAGE)
    return render_template(
        "calls/my_reviews.html",
        reviews=items,
        calls=reviews.calls_by_sid(dbs, {r.call_sid for r in items}),
        criteria=reviews.team_criteria(dbs),
        total=total,
        page=page,
        pages=page_count(total, PER_PAGE),
    )


@bp.get("/calls/listens")
@roles_required(ADMIN)
def listen_log():
    values = {name: request.args.get(name, "").strip() for name in ("member", "from", "to")}
    values["period"] = ""
    problems: list[str] = []
    filters = {"user_id": _id(values["member"], "Member", problems)}
    filters.update(period_filters(values, problems))
    page = requested_page()
    dbs = db.session()
    rows, total = (
        ([], 0) if problems else listens.listen_log(dbs, filters, page=page, per_page=PER_PAGE)
    )
    members = accounts.all_members(dbs)
    return render_template(
        "calls/listen_log.html",
        rows=rows,
        total=total,
        page=page,
        pages=page_count(total, PER_PAGE),
        values=values,
        query={k: v for k, v in values.items() if v},
        problems=problems,
        members=members,
        agent_names={u.id: u.name for u in members},
    ), (422 if problems else 200)
