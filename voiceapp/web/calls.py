"""Panel pages for calls: the calls list, missed calls with call-back, recordings streamed
to those who may hear them (every listen logged), and the browser softphone page."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, render_template, request
from flask_login import current_user, login_required
from sqlalchemy.exc import SQLAlchemyError

from voiceapp import db
from voiceapp.db import utcnow
from voiceapp.domain.call_status import KNOWN_STATUSES
from voiceapp.domain.phones import E164, format_international, is_withheld
from voiceapp.domain.recording_media import media_type_of
from voiceapp.domain.roles import is_manager_or_admin
from voiceapp.schemas.fields import FIRST_YEAR, LAST_YEAR
from voiceapp.services import accounts
from voiceapp.services.calls import pricing, recordings
from voiceapp.services.calls import queries as call_queries
from voiceapp.services.contacts import contacts_by_id, user_can_view
from voiceapp.services.storage import RECORDINGS, app_store
from voiceapp.storage import BadKey, StorageError, StoredFile
from voiceapp.web.paging import page_count, requested_page
from voiceapp.web.stored_files import send_stored

if TYPE_CHECKING:
    from voiceapp.models import Call, Contact, Recording, User

bp = Blueprint("calls", __name__)
PER_PAGE = 50
DIRECTIONS = ("inbound", "outbound")
STATUSES = sorted(KNOWN_STATUSES)


# --- template filters ---------------------------------------------------------------------


@bp.app_template_filter("mss")
def minutes_seconds(seconds: int | None) -> str:
    """A duration as m:ss (75 -> 1:15); empty when unknown."""
    if seconds is None:
        return ""
    return f"{seconds // 60}:{seconds % 60:02d}"


@bp.app_template_filter("call_party")
def call_party(number: str | None) -> str:
    """A number from a call as a person reads it; Twilio also sends withheld numbers and
    browser identities (client:agent_1), which are not phone numbers."""
    number = (number or "").strip()
    if not number:
        return "unknown number"
    if is_withheld(number):
        return "withheld number"
    if number.startswith("client:"):
        return "browser softphone"
    if E164.match(number):
        try:
            return format_international(number)
        except Exception:  # phonenumbers' parse errors: show it as Twilio sent it
            return number
    return number


# --- the rows the lists show --------------------------------------------------------------


@dataclass
class CallRow:
    call: Call
    number: str  # the other party: the caller of an inbound call, the callee of an outbound
    contact: Contact | None  # only when the viewer may open it
    agent: User | None
    playable: list[Recording] = field(default_factory=list)
    pending: list[Recording] = field(default_factory=list)  # may hear, not stored yet
    listens: dict[int, list[tuple[str, datetime]]] = field(default_factory=dict)
    cost: str = ""  # its legs' prices added, in the account's currency; "" until known

    @property
    def callback_number(self) -> str | None:
        return self.number if E164.match(self.number or "") else None


_is_stored = recordings.is_stored


def _rows(calls: list[Call]) -> list[CallRow]:
    dbs = db.session()
    # Load the page's contacts and agents in two queries (not two per row).
    contacts = contacts_by_id(dbs, {c.contact_id for c in calls})
    agents = accounts.users_by_id(dbs, {c.agent_id for c in calls})
    costs = pricing.call_costs(dbs, calls)
    rows = []
    for call in calls:
        contact = contacts.get(call.contact_id)
        row = CallRow(
            call=call,
            number=call.from_number if call.direction == "inbound" else call.to_number,
            contact=contact if contact and user_can_view(current_user, contact) else None,
            agent=agents.get(call.agent_id),
            cost=str(costs[call.sid]) if call.sid in costs else "",
        )
        if recordings.can_listen(current_user, call):
            for rec in call.recordings:
                (row.playable if _is_stored(rec) else row.pending).append(rec)
        rows.append(row)
    if is_manager_or_admin(current_user.role):
        _add_listens(rows)
    return rows


def _add_listens(rows: list[CallRow]) -> None:
    by_id = {rec.id: row for row in rows for rec in row.playable}
    if not by_id:
        return
    for recording_id, listens in recordings.listens_of(db.session(), by_id).items():
        by_id[recording_id].listens[recording_id] = listens


# --- the calls list -----------------------------------------------------------------------


def _day(text: str, label: str, problems: list[str]) -> date | None:
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        problems.append(f"{label}: {text!r} is not a date (YYYY-MM-DD).")
        return None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        problems.append(f"{label}: choose a date between {FIRST_YEAR} and {LAST_YEAR}.")
        return None
    return day


def _parse_filters(args) -> tuple[dict, dict, list[str]]:
    """The list's filters: (for call_queries, the values shown back in the form, problems)."""
    values = {name: args.get(name, "").strip() for name in ("direction", "agent", "status")}
    values["from"] = args.get("from", "").strip()
    values["to"] = args.get("to", "").strip()
    values["missed"] = args.get("missed") == "1"
    filters: dict = {}
    problems: list[str] = []
    if values["direction"] in DIRECTIONS:
        filters["direction"] = values["direction"]
    elif values["direction"]:
        problems.append("Direction: choose inbound or outbound.")
    if values["status"] in KNOWN_STATUSES:
        filters["status"] = values["status"]
    elif values["status"]:
        problems.append(f"Status: {values['status']!r} is not a call status.")
    if values["missed"]:
        filters["missed"] = True
    # Agents see their own calls and unanswered ones whatever they ask for.
    if values["agent"] and is_manager_or_admin(current_user.role):
        if values["agent"].isdigit() and len(values["agent"]) < 10:
            filters["agent_id"] = int(values["agent"])
        else:
            problems.append("Agent: choose a member from the list.")
    zone = ZoneInfo(current_app.config["VOICEAPP"].timezone)
    first = _day(values["from"], "From", problems)
    last = _day(values["to"], "To", problems)
    if first and last and first > last:
        problems.append("The From date is after the To date.")
    if first:
        filters["since"] = datetime.combine(first, time(), zone)
    if last:  # the whole day, in the team's zone
        filters["until"] = datetime.combine(last + timedelta(days=1), time(), zone)
    return filters, values, problems


@bp.get("/calls")
@login_required
def index():
    filters, values, problems = _parse_filters(request.args)
    page = requested_page()
    calls, total = (
        ([], 0)
        if problems
        else call_queries.list_calls(
            db.session(), current_user, filters, page=page, per_page=PER_PAGE
        )
    )
    manager = is_manager_or_admin(current_user.role)
    agents = accounts.all_members(db.session()) if manager else []
    query = {k: v for k, v in values.items() if v}
    if values["missed"]:
        query["missed"] = "1"
    return render_template(
        "calls/list.html",
        rows=_rows(calls),
        total=total,
        page=page,
        pages=page_count(total, PER_PAGE),
        values=values,
        query=query,
        problems=problems,
        agents=agents,
        statuses=STATUSES,
        show_listens=manager,
    ), (422 if problems else 200)


@bp.get("/calls/missed")
@login_required
def missed():
    page = requested_page()
    calls, total = call_queries.list_calls(
        db.session(),
        current_user,
        {"direction": "inbound", "missed": True},
        page=page,
        per_page=PER_PAGE,
    )
    return render_template(
        "calls/missed.html",
        rows=_rows(calls),
        total=total,
        page=page,
        pages=page_count(total, PER_PAGE),
        show_listens=is_manager_or_admin(current_user.role),
    )


# --- recordings ---------------------------------------------------------------------------


def _stored_file(recording: Recording) -> StoredFile:
    """The recording's media in storage, or a 404 (503) that says why it cannot be played."""
    if recording.deleted_at is not None:
        abort(404, f"This recording was deleted ({recording.deleted_reason or 'by hand'}).")
    if recording.status in ("absent", "failed") and not _is_stored(recording):
        abort(404, f"Twilio reported this recording as {recording.status}: nothing to play.")
    if not _is_stored(recording):
        abort(
            404,
            "This recording is not stored here yet: it is fetched from Twilio shortly after "
            "the call ends. Try again in a minute.",
        )
    try:
        stored = app_store(RECORDINGS).stat(recording.media_path)
    except BadKey:
        stored = None
    except StorageError:
        current_app.logger.exception("recording %s: storage did not answer", recording.sid)
        abort(503, "The recordings storage did not answer. Try again in a moment.")
    if stored is None:
        abort(404, "The recording's file is missing from the recordings storage.")
    return stored


def _log_listen(recording: Recording) -> None:
    """Written in a session of its own: a GET request's session reads in a deferred
    transaction (SQLite), and an audit row must not depend on upgrading it to a writer."""
    writer = db.get_database().sessionmaker()
    try:
        recordings.log_listen(writer, recording, current_user, utcnow())
        writer.commit()
    finally:
        writer.close()


@bp.get("/calls/recordings/<recording_sid>")
@login_required
def recording(recording_sid: str):
    rec = recordings.recording_by_sid(db.session(), recording_sid)
    # Someone who may not listen learns nothing, not even that the recording exists.
    if rec is None or not recordings.can_listen(current_user, rec.call):
        abort(404)
    stored = _stored_file(rec)
    response = send_stored(app_store(RECORDINGS), stored, mimetype=media_type_of(rec.media_path))
    # Personal data: every play comes back here and is logged, nothing stays in caches.
    response.headers["Cache-Control"] = "private, no-store"
    if request.method == "GET" and response.status_code in (200, 206):
        try:
            _log_listen(rec)
        except SQLAlchemyError:
            response.close()
            current_app.logger.exception("could not log a listen of recording %s", rec.sid)
            abort(503, "The listen could not be logged, so the recording is not played. Try again.")
    return response


# --- the softphone ------------------------------------------------------------------------


@bp.get("/phone")
@login_required
def phone():
    """The softphone bar (on every page, web.softphone) opened in full, with what it
    needs explained; ?to= puts a number in its dial pad."""
    return render_template("calls/phone.html", to=request.args.get("to", "").strip()[:40])
