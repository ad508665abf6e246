"""The reports page (sales managers and admins): a period and members to choose, the
tables to read, and downloads (.xlsx, or one table as CSV) that an RQ job writes while a
small page shows how far it is (services.reports.downloads). Reached from the dashboard;
the top bar marks Dashboard while here."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from voiceapp import db
from voiceapp.db import utcnow
from voiceapp.domain.dashboard import MONTH, PERIOD_LABELS, PERIODS, period_for
from voiceapp.domain.roles import is_manager_or_admin
from voiceapp.redis_client import get_redis
from voiceapp.schemas.reports import ReportArgsSchema
from voiceapp.services.cases.history import team_zone
from voiceapp.services.dashboard import active_members
from voiceapp.services.reports import downloads
from voiceapp.services.reports.tables import UnknownMembers, build_report, members_for
from voiceapp.services.storage import REPORTS, app_store
from voiceapp.web.forms import flatten_errors
from voiceapp.web.stored_files import send_stored

bp = Blueprint("reports", __name__, url_prefix="/reports")
DOWNLOAD_FORMATS = ("xlsx", "csv")


@bp.before_request
@login_required
def managers_and_admins_only():
    if not is_manager_or_admin(current_user.role):
        abort(403)


def _files_store():
    return app_store(REPORTS)


def _read(source: MultiDict, *, zone: str) -> tuple[dict | None, dict]:
    """The period and members asked for: a shortcut (period=today|week|month) wins over
    typed days; nothing at all is this month. (args or None, field errors)."""
    kind = source.get("period")
    first, last = source.get("from", ""), source.get("to", "")
    if kind in PERIODS or not (first or last):
        period = period_for(kind if kind in PERIODS else MONTH, now=utcnow(), zone=zone)
        first, last = period.first_day.isoformat(), period.last_day.isoformat()
    raw = {"from": first, "to": last, "agent_id": source.getlist("agent_id")}
    for name in ("format", "table"):
        if source.get(name):
            raw[name] = source[name]
    try:
        args = ReportArgsSchema().load(raw)
        members = members_for(db.session(), args["member_ids"])
    except ValidationError as exc:
        return None, flatten_errors(exc.messages)
    except UnknownMembers as exc:
        return None, {"agent_id": [str(exc)]}
    return args | {"members": members}, {}


def _page(source: MultiDict, *, errors: dict | None = None):
    dbs = db.session()
    zone = team_zone(dbs)
    args, problems = _read(source, zone=zone)
    problems = errors or problems
    if args is None:  # show this month for everyone meanwhile
        args, _ = _read(MultiDict(), zone=zone)
    now = utcnow()
    period = period_for(None, now=now, zone=zone, first=args["first"], last=args["last"])
    report = build_report(dbs, period, args["members"], now=now)
    chosen = set(args["member_ids"])
    everyone = active_members(dbs)
    former = [m for m in args["members"] if m.id in chosen and m not in everyone]
    return render_template(
        "reports/index.html",
        report=report,
        periods=[(kind, PERIOD_LABELS[kind], _covers(kind, period, now)) for kind in PERIODS],
        members=everyone + former,
        chosen=chosen,
        errors=problems,
    ), (422 if problems else 200)


def _covers(kind: str, period, now) -> bool:
    """Whether the shortcut `kind` names the days shown (to mark its button)."""
    named = period_for(kind, now=now, zone=period.zone)
    return (named.first_day, named.last_day) == (period.first_day, period.last_day)


@bp.get("")
def index():
    return _page(request.args)


@bp.post("/downloads")
def start_download():
    """Ask for a file (format xlsx, or a `table` as CSV); the job is queued once this
    commits, and the member is sent to the page that shows its progress."""
    form = MultiDict(request.form)
    form.setdefault("format", "csv" if form.get("table") else "xlsx")
    dbs = db.session()
    args, errors = _read(form, zone=team_zone(dbs))
    if args is not None and args["format"] not in DOWNLOAD_FORMATS:
        args, errors = None, {"format": ["choose .xlsx or CSV"]}
    if args is None:
        return _page(form, errors=errors)
    asked = downloads.DownloadRequest(
        first=args["first"],
        last=args["last"],
        member_ids=args["member_ids"],
        fmt=args["format"],
        table=(args["table"] or "calls") if args["format"] == "csv" else None,
    )
    token = downloads.request_download(dbs, current_user, asked)
    dbs.commit()
    return redirect(url_for(".download", download=token))


def _status_or_404(token: str) -> downloads.DownloadStatus:
    status = downloads.download_status(
        db.session(), get_redis(), _files_store(), current_user.id, token
    )
    if status is None:
        abort(404)
    return status


@bp.get("/downloads/<download>")
def download(download: str):
    return render_template("reports/download.html", status=_status_or_404(download), token=download)


@bp.get("/downloads/<download>/status")
def download_status(download: str):
    """How far the job is, for the download page's polling."""
    status = _status_or_404(download)
    answer = {
        "state": status.state,
        "done": status.done,
        "total": status.total,
        "percent": status.percent,
        "file_name": status.file_name,
    }
    if status.state == downloads.READY:
        answer["file_url"] = url_for(".download_file", download=download)
    return answer


@bp.get("/downloads/<download>/file")
def download_file(download: str):
    store = _files_store()
    stored = downloads.find_file(store, current_user.id, download)
    if stored is None:
        abort(404)
    return send_stored(
        store,
        stored,
        mimetype=downloads.content_type_of(stored.key),
        download_name=downloads.download_name(stored.key, download),
    )
