"""/api/reports/calls: the calls report for a period and chosen members, as JSON, .xlsx or
CSV. Sales managers and admins; agents get 403, asked before the query is read so a 422
tells them nothing either. Answered at once (the panel's downloads go through a job)."""

from __future__ import annotations

from flask import Response
from flask.views import MethodView
from flask_smorest import abort

from voiceapp import db
from voiceapp.api.blueprint import Blueprint
from voiceapp.auth import authenticate_api_request, require_api_user
from voiceapp.db import utcnow
from voiceapp.domain.dashboard import period_for
from voiceapp.domain.roles import is_manager_or_admin
from voiceapp.schemas.reports import ReportArgsSchema, ReportSchema
from voiceapp.services.cases.history import team_zone
from voiceapp.services.reports import spreadsheets
from voiceapp.services.reports.tables import UnknownMembers, build_report, members_for

blp = Blueprint("Reports", __name__, url_prefix="/api/reports", description="Reports")
blp.before_request(require_api_user)

BINARY = {"type": "string", "format": "binary"}
ANSWER = (
    "The report: JSON by default, an .xlsx workbook with format=xlsx (one sheet per "
    "table), or one table as CSV with format=csv (`table`, default calls)"
)


@blp.before_request
def reports_are_for_managers() -> None:
    if not is_manager_or_admin(authenticate_api_request().role):
        abort(403, message="only sales managers and admins read reports")


@blp.route("/calls")
class CallsReport(MethodView):
    @blp.arguments(ReportArgsSchema, location="query")
    @blp.response(200, ReportSchema, description=ANSWER)
    @blp.alt_response(
        200,
        schema=BINARY,
        content_type=spreadsheets.XLSX_TYPE,
        description=ANSWER,
        success=True,
    )
    @blp.alt_response(
        200,
        schema=BINARY,
        content_type=spreadsheets.CSV_TYPE,
        description=ANSWER,
        success=True,
    )
    @blp.alt_response(403, description="Agents do not read reports")
    def get(self, args):
        """Calls, outcomes, cases, sales funnel and revenue per member for the days `from`
        to `to` (the team's days, both included), for the members `agent_id` (repeat
        it; none: every active member). JSON has one key per table."""
        dbs = db.session()
        now = utcnow()
        try:
            members = members_for(dbs, args["member_ids"])
        except UnknownMembers as exc:
            abort(422, errors={"query": {"agent_id": [str(exc)]}})
        period = period_for(
            None, now=now, zone=team_zone(dbs), first=args["first"], last=args["last"]
        )
        report = build_report(dbs, period, members, now=now)
        fmt = args["format"]
        if fmt == "json":
            return {"period": period} | {key: t.rows for key, t in report.tables.items()}
        if fmt == "xlsx":
            table, data = None, spreadsheets.report_xlsx(report)
        else:
            table = args["table"] or "calls"
            data = spreadsheets.report_csv(report, table)
        name = spreadsheets.file_name(report, fmt, table)
        return Response(
            data,
            mimetype=spreadsheets.XLSX_TYPE if fmt == "xlsx" else spreadsheets.CSV_TYPE,
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
