"""The panel's start page: the dashboard. The member's own figures for a period (today,
this week, this month or chosen days, in the team's time zone), the team's for sales
managers and admins, and the contacts changed lately."""

from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required
from marshmallow import ValidationError

from voiceapp import db
from voiceapp.db import utcnow
from voiceapp.domain.dashboard import CUSTOM, PERIOD_LABELS, PERIODS, TODAY, Period, period_for
from voiceapp.domain.roles import is_manager_or_admin
from voiceapp.schemas.dashboard import DashboardArgsSchema
from voiceapp.services import dashboard as figures
from voiceapp.services.cases.history import team_zone
from voiceapp.services.contacts import visible_summary

bp = Blueprint("home", __name__)


@bp.get("/")
@login_required
def index():
    dbs = db.session()
    now = utcnow()
    errors = {}
    try:
        args = DashboardArgsSchema().load(request.args, unknown="exclude")
    except ValidationError as exc:
        errors, args = exc.messages, {"period": TODAY, "first": None, "last": None}
    period = period_for(
        args["period"], now=now, zone=team_zone(dbs), first=args["first"], last=args["last"]
    )
    board = figures.dashboard(
        dbs, current_user, period, now=now, with_team=is_manager_or_admin(current_user.role)
    )
    contact_total, recent = visible_summary(dbs, current_user)
    return render_template(
        "home.html",
        board=board,
        periods=[(kind, PERIOD_LABELS[kind]) for kind in PERIODS],
        chosen={"from": request.args.get("from", ""), "to": request.args.get("to", "")},
        period_query=period_query(period),
        errors=errors,
        contact_total=contact_total,
        recent=recent,
    ), (422 if errors else 200)


def period_query(period: Period) -> dict[str, str]:
    """The query naming the period shown (what the charts ask /api/dashboard for)."""
    if period.kind == CUSTOM:
        return {"from": period.first_day.isoformat(), "to": period.last_day.isoformat()}
    return {"period": period.kind}


@bp.app_template_filter("talk_time")
def talk_time(seconds: int) -> str:
    """Talk time as people say it: 45 s, 12 min 05 s, 3 h 07 min."""
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


@bp.app_template_filter("money_sort_key")
def money_sort_key(amounts: dict[str, Decimal]) -> str:
    """What the team table sorts a money column by: the amounts added up (mixed
    currencies only order roughly; each amount is shown in its own currency)."""
    return str(sum(amounts.values(), Decimal(0)))
