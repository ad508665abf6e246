"""Panel pages for cases: Call today, All cases, a new case, and the case page (contact,
history, files, claim, outcome form with the callback time picker and e-mail option,
assignment)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    abort,
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
from voiceapp.domain.roles import can_manage_members, is_manager_or_admin
from voiceapp.domain.scheduling import OUTCOME_LABELS, OUTCOMES
from voiceapp.schemas.cases import CaseListArgsSchema, OutcomeSchema
from voiceapp.schemas.fields import Moment
from voiceapp.services import accounts, cases, tasks
from voiceapp.services.calls import retention
from voiceapp.services.cases.history import case_type_labels, team_languages, team_zone
from voiceapp.services.contacts import visible_contact
from voiceapp.services.emails import active_templates
from voiceapp.web.forms import flatten_errors
from voiceapp.web.paging import page_count, requested_page
from voiceapp.web.stored_files import send_stored
from voiceapp.web.task_forms import add_from_form, card_context

if TYPE_CHECKING:
    from voiceapp.models import Case, User

bp = Blueprint("cases", __name__, url_prefix="/cases")
bp.before_request(login_required(lambda: None))
PER_PAGE = 50


def _local_input_to_utc(text: str, zone: str) -> str | None:
    """A datetime-local value ("2026-11-24T15:30", the team's zone) as ISO 8601 with an
    offset, for the schema; None when empty. Unreadable text goes through unchanged so
    the schema reports it."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        local = datetime.fromisoformat(text)
    except ValueError:
        return text
    if local.tzinfo is None:
        local = local.replace(tzinfo=ZoneInfo(zone))
    return local.isoformat()


def _members() -> list[User]:
    return accounts.active_members(db.session())


def _load_case(case_id: int, *, lock: bool = False) -> Case:
    case = cases.visible_case(db.session(), current_user, case_id, lock=lock)
    if case is None:
        abort(404)
    return case


@bp.app_template_filter("outcome_label")
def outcome_label(key: str | None) -> str:
    """An outcome as people read it ("Not reached", not not_reached)."""
    return OUTCOME_LABELS.get(key, key) if key else ""


@bp.app_template_filter("file_size")
def file_size(size: int | None) -> str:
    """A size people read: 17 bytes, 3.4 KB, 2.1 MB (a 17-byte note is not "0.0 KB")."""
    size = size or 0
    if size < 1024:
        return "1 byte" if size == 1 else f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


@bp.get("/today")
def today():
    dbs = db.session()
    page = requested_page()
    items, total = cases.call_today(
        dbs, current_user, now=utcnow(), zone=team_zone(dbs), page=page, per_page=PER_PAGE
    )
    return render_template(
        "cases/today.html",
        cases=items,
        total=total,
        page=page,
        pages=page_count(total, PER_PAGE),
        now=utcnow(),
        labels=case_type_labels(dbs),
        # Without case types or languages the pool never reaches this list; say so
        # rather than show an empty day (an admin's own member settings name none).
        handles_no_pool=not (current_user.case_types and current_user.languages),
        open_tasks=tasks.open_task_count(dbs, current_user),
        may_edit_members=can_manage_members(current_user.role),
    )


@bp.get("")
def index():
    dbs = db.session()
    zone = team_zone(dbs)
    raw = {k: v for k, v in request.args.items() if v and k not in ("page",)}
    for name in ("due_from", "due_until"):
        if name in raw:
            raw[name] = _local_input_to_utc(raw[name], zone)
    problems = {}
    try:
        filters = CaseListArgsSchema().load(raw)
    except ValidationError as exc:
        problems = flatten_errors(exc.messages)
        filters = {}
    filters.pop("view", None)
    filters.pop("per_page", None)
    filters.pop("page", None)
    page = requested_page()
    items, total = cases.list_cases(dbs, current_user, filters, page=page, per_page=PER_PAGE)
    return render_template(
        "cases/list.html",
        cases=items,
        total=total,
        page=page,
        pages=page_count(total, PER_PAGE),
        query={k: v for k, v in request.args.items() if k != "page"},
        problems=problems,
        members=_members(),
        labels=case_type_labels(dbs),
        # The team's languages, and one asked for in the link that is not (any more).
        languages=list(
            dict.fromkeys([*team_languages(dbs), *filter(None, [filters.get("language")])])
        ),
        now=utcnow(),
    )


@bp.route("/new", methods=["GET", "POST"])
def new():
    dbs = db.session()
    contact_id = request.values.get("contact_id", "")
    contact = visible_contact(dbs, current_user, int(contact_id)) if contact_id.isdigit() else None
    if contact is None:
        abort(404)
    errors: dict[str, list[str]] = {}
    values = request.form if request.method == "POST" else {}
    if request.method == "POST":
        assignee = request.form.get("assignee_id", "")
        try:
            case = cases.create_case(
                dbs,
                contact=contact,
                case_type=request.form.get("type", ""),
                language=request.form.get("language", "").strip().lower(),
                actor=current_user,
                now=utcnow(),
                assignee_id=int(assignee) if assignee.isdigit() else None,
                due_at=_parse_due(request.form.get("due_at", ""), team_zone(dbs), errors),
                note=request.form.get("note") or None,
            )
        except cases.CaseError as exc:
            dbs.rollback()
            errors.setdefault(exc.field, []).append(exc.message)
        except cases.CaseForbidden as exc:
            dbs.rollback()
            errors.setdefault("assignee_id", []).append(str(exc))
        if not errors:
            dbs.commit()
            flash(f"Case #{case.id} opened.", "success")
            return redirect(url_for("cases.show", case_id=case.id))
        dbs.rollback()
    return render_template(
        "cases/new.html",
        contact=contact,
        errors=errors,
        values=values,
        labels=case_type_labels(dbs),
        members=_members(),
    ), (422 if errors else 200)


def _parse_due(text: str, zone: str, errors: dict) -> datetime | None:
    value = _local_input_to_utc(text, zone)
    if value is None:
        return None
    try:
        # The API's own field: a date and time, in the years a case can be due.
        return Moment().deserialize(value)
    except ValidationError as exc:
        errors.setdefault("due_at", []).extend(exc.messages)
        return None


def _render_case(
    case: Case, *, errors: dict | None = None, values=None, status: int = 200, task_card=None
):
    dbs = db.session()
    holder = accounts.get_user(dbs, case.claimed_by_id)
    now = utcnow()
    return render_template(
        "cases/detail.html",
        case=case,
        holder=holder,
        now=now,
        order=cases.order_standing(dbs, case.order, now) if case.order is not None else None,
        other_orders=cases.other_open_orders(dbs, case, now),
        labels=case_type_labels(dbs),
        outcomes=[(o, OUTCOME_LABELS[o]) for o in OUTCOMES],
        templates=active_templates(dbs),
        members=_members(),
        may_assign_others=is_manager_or_admin(current_user.role),
        allowed=cases.allowed_actions(current_user, case),
        calls=cases.case_calls(dbs, case, current_user, now=utcnow()),
        linked_call=cases.call_for_outcome(dbs, case, current_user, now=now)
        if case.status == "open"
        else None,
        errors=errors or {},
        values=values or {},
        max_file_mb=cases.MAX_FILE_BYTES // (1024 * 1024),
        task_card=task_card or _task_card(case),
    ), status


def _task_card(case: Case, **form) -> dict:
    rows = tasks.tasks_of_case(db.session(), current_user, case)
    path = url_for("cases.show", case_id=case.id)
    return card_context(rows, action=url_for("cases.add_task", case_id=case.id), back=path, **form)


@bp.post("/<int:case_id>/tasks")
def add_task(case_id: int):
    """The case page's "Add a task"; the page again with the form's errors (422)."""
    case = _load_case(case_id)
    task, errors = add_from_form(request.form, case=case)
    if errors:
        card = _task_card(case, errors=errors, values=request.form)
        return _render_case(case, status=422, task_card=card)
    db.session().commit()
    flash(f"Task added: {task.title}.", "success")
    return redirect(url_for("cases.show", case_id=case.id) + "#tasks")


@bp.get("/<int:case_id>")
def show(case_id: int):
    return _render_case(_load_case(case_id))


@bp.post("/<int:case_id>/claim")
def claim(case_id: int):
    case = _load_case(case_id, lock=True)
    dbs = db.session()
    try:
        cases.claim_case(dbs, case, current_user, now=utcnow())
    except (cases.ClaimConflict, cases.CaseError, cases.CaseForbidden) as exc:
        dbs.rollback()
        flash(str(exc), "error")
        return redirect(url_for("cases.show", case_id=case_id))
    # No message: the case page itself says "You are calling this customer" (it said so
    # twice).
    dbs.commit()
    return redirect(url_for("cases.show", case_id=case_id))


@bp.post("/next")
def next_case():
    dbs = db.session()
    case = cases.claim_next(dbs, current_user, now=utcnow(), zone=team_zone(dbs))
    dbs.commit()
    if case is None:
        flash("Nothing left to call today.", "success")
        return redirect(url_for("cases.today"))
    return redirect(url_for("cases.show", case_id=case.id))


def _outcome_input(form, zone: str) -> dict:
    """The form as OutcomeSchema's input."""
    data = {
        "outcome": form.get("outcome", ""),
        "summary": form.get("summary") or None,
        "comment": form.get("comment") or None,
        "callback_at": _local_input_to_utc(form.get("callback_at", ""), zone),
    }
    if form.get("reached") in ("yes", "no"):
        data["reached"] = form["reached"] == "yes"
    if form.get("email_template"):
        data["email"] = {
            "template": form["email_template"],
            "copy_to_manager": form.get("copy_to_manager") == "on",
        }
    # The outcome form's "save and create a new order" / "cancel and create a new order".
    if form.get("new_order"):
        data["new_order"] = form["new_order"]
    return data


def new_order_path(case_id: int, order_id: int) -> str:
    """The order form for the case's customer, pre-filled from the old order. A path, not
    url_for: the order form is its own blueprint."""
    return "/orders/new?" + urlencode({"case_id": case_id, "from_order": order_id})


@bp.post("/<int:case_id>/outcome")
def outcome(case_id: int):
    case = _load_case(case_id, lock=True)
    dbs = db.session()
    try:
        data = OutcomeSchema().load(_outcome_input(request.form, team_zone(dbs)))
    except ValidationError as exc:
        dbs.rollback()
        return _render_case(
            case, errors=flatten_errors(exc.messages), values=request.form, status=422
        )
    upload = request.files.get("file")
    try:
        if upload and upload.filename:
            cases.attach_upload(dbs, case, upload, user=current_user, now=utcnow())
        cases.record_outcome(
            dbs,
            case,
            current_user,
            cases.OutcomeInput.from_input(data),
            now=utcnow(),
        )
    except cases.FileRefused as exc:
        dbs.rollback()
        return _render_case(case, errors={"file": [str(exc)]}, values=request.form, status=422)
    except cases.CaseError as exc:
        dbs.rollback()
        return _render_case(
            case, errors={exc.field: [exc.message]}, values=request.form, status=422
        )
    except (cases.ClaimConflict, cases.CaseForbidden) as exc:
        dbs.rollback()
        flash(str(exc), "error")
        return redirect(url_for("cases.show", case_id=case_id))
    dbs.commit()
    flash(_outcome_message(case, data), "success")
    if data.get("new_order") and case.order_id is not None:
        return redirect(new_order_path(case.id, case.order_id))
    return redirect(url_for("cases.today"))


def _outcome_message(case: Case, data: dict) -> str:
    message = f"Outcome recorded: {OUTCOME_LABELS[data['outcome']]}."
    order = case.order
    if order is None:
        return message
    if data.get("new_order") == cases.REPLACE:
        return f"{message} Order {order.number} cancelled: take the new order."
    if data.get("new_order") == cases.KEEP:
        return f"{message} Order {order.number} kept: take the new order."
    if data["outcome"] == "cancelled" and order.status == "cancelled":
        return f"{message} Order {order.number} cancelled."
    return message


@bp.post("/<int:case_id>/assign")
def assign(case_id: int):
    case = _load_case(case_id, lock=True)
    dbs = db.session()
    raw = request.form.get("assignee_id", "")
    try:
        cases.assign_case(
            dbs,
            case,
            int(raw) if raw.isdigit() else None,
            actor=current_user,
            now=utcnow(),
        )
    except (cases.CaseError, cases.CaseForbidden) as exc:
        dbs.rollback()
        flash(str(exc), "error")
        return redirect(url_for("cases.show", case_id=case_id))
    dbs.commit()
    flash("Assignment saved.", "success")
    return redirect(url_for("cases.show", case_id=case_id))


@bp.post("/<int:case_id>/keep-recordings")
def keep_recordings(case_id: int):
    """Managers and admins keep the case's recordings beyond the retention period."""
    case = _load_case(case_id, lock=True)
    dbs = db.session()
    keep = request.form.get("keep") == "1"
    try:
        retention.set_keep_recordings(dbs, case, keep, actor=current_user, now=utcnow())
    except cases.CaseForbidden as exc:
        dbs.rollback()
        flash(str(exc), "error")
        return redirect(url_for("cases.show", case_id=case_id))
    dbs.commit()
    flash(
        "This case's recordings are kept beyond the retention period."
        if keep
        else "This case's recordings follow the retention period again.",
        "success",
    )
    return redirect(url_for("cases.show", case_id=case_id))


@bp.get("/<int:case_id>/files/<int:file_id>")
def file(case_id: int, file_id: int):
    case = _load_case(case_id)
    row = cases.case_file(db.session(), case, file_id)
    if row is None:
        abort(404)
    store = cases.files_store()
    stored = cases.stored_file(row, store)
    if stored is None:
        abort(404)
    return send_stored(store, stored, mimetype=row.content_type, download_name=row.filename)
