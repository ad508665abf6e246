"""/api/dashboard: the home page's figures for a period, the member's own and (for sales
managers and admins) the team's."""

from __future__ import annotations

from flask.views import MethodView

from voiceapp import db
from voiceapp.api.blueprint import Blueprint
from voiceapp.auth import authenticate_api_request, require_api_user
from voiceapp.db import utcnow
from voiceapp.domain.dashboard import period_for
from voiceapp.domain.roles import is_manager_or_admin
from voiceapp.schemas.dashboard import DashboardArgsSchema, DashboardSchema
from voiceapp.services import dashboard as figures
from voiceapp.services.cases.history import team_zone

blp = Blueprint("Dashboard", __name__, url_prefix="/api", description="KPIs for a period")
blp.before_request(require_api_user)


@blp.route("/dashboard")
class Dashboard(MethodView):
    @blp.arguments(DashboardArgsSchema, location="query")
    @blp.response(200, DashboardSchema)
    def get(self, args):
        """Figures for today, this week, this month, or the days `from` to `to` (in the
        team's time zone): `personal` and their own `charts` for everyone; `team`,
        `calls_waiting`, `missed_today` and the team's `charts` for sales managers and
        admins."""
        user = authenticate_api_request()
        dbs = db.session()
        now = utcnow()
        period = period_for(
            args["period"], now=now, zone=team_zone(dbs), first=args["first"], last=args["last"]
        )
        board = figures.dashboard(
            dbs, user, period, now=now, with_team=is_manager_or_admin(user.role)
        )
        answer = {"period": board.period, "personal": board.personal, "charts": board.charts}
        if board.team is not None:
            answer["team"] = board.team
            answer["calls_waiting"] = board.calls_waiting
            answer["missed_today"] = board.missed_today
        return answer
