"""The panel's task form (title, due date and time on the team's clock, assignee,
reminder), shared by the contact page, the case page and the task's edit page: reading
it into the service's input, the values it shows, and the Tasks card's context."""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

from flask_login import current_user
from werkzeug.datastructures import MultiDict

from voiceapp import db
from voiceapp.db import utcnow
from voiceapp.domain.roles import is_manager_or_admin
from voiceapp.domain.tasks import REMINDER_CHOICES, local_due, minutes_before
from voiceapp.services import accounts, tasks
from voiceapp.services.team_settings import team_zone

NO_REMINDER = "none"
# Where a task's buttons may send the member back to (never another site).
_BACK = re.compile(r"^/(contacts|cases)/\d+$|^/tasks$")


def back_to(target: str | None, fallback: str = "/tasks") -> str:
    return target if target and _BACK.match(target) else fallback


def reminder_options() -> list[tuple[str, str]]:
    return [(NO_REMINDER if m is None else str(m), label) for m, label in REMINDER_CHOICES]


def read_task_form(
    form: MultiDict, zone: str, *, new: bool = True
) -> tuple[dict, dict[str, list[str]]]:
    """The submitted fields as the task operations take them, and the errors of the
    fields that could not be read (the operations check the rest). A new task without an
    assignee is the member's own; a changed one keeps its assignee."""
    errors: dict[str, list[str]] = {}
    data: dict = {"title": form.get("title", ""), "notes": form.get("notes")}
    try:
        day = date.fromisoformat(form.get("due_date", "").strip())
        at = time.fromisoformat(form.get("due_time", "").strip())
        data["due_at"] = local_due(day, at.replace(second=0, microsecond=0), zone)
    except ValueError:
        errors["due_at"] = ["choose a date and a time"]
    assignee = form.get("assignee_id", "").strip()
    if assignee.isdigit():
        data["assignee_id"] = int(assignee)
    elif new:
        data["assignee_id"] = current_user.id
    remind = form.get("remind", "0")
    data["remind_minutes_before"] = None if remind == NO_REMINDER else _minutes(remind, errors)
    return data, errors


def _minutes(text: str, errors: dict) -> int | None:
    if text.isdigit():
        return int(text)
    errors["remind"] = ["choose when to be reminded"]
    return None


def new_task_values(zone: str) -> dict:
    """A new task's form: due today at the next full hour (the team's clock), for me,
    reminded at the due time."""
    local = utcnow().astimezone(ZoneInfo(zone)) + timedelta(hours=1)
    return {
        "due_date": local.date().isoformat(),
        "due_time": local.strftime("%H:00"),
        "assignee_id": str(current_user.id),
        "remind": "0",
    }


def task_values(task, zone: str) -> dict:
    """An existing task's form."""
    local = task.due_at.astimezone(ZoneInfo(zone))
    offset = minutes_before(task.due_at, task.remind_at)
    return {
        "title": task.title,
        "notes": task.notes or "",
        "due_date": local.date().isoformat(),
        "due_time": local.strftime("%H:%M"),
        "assignee_id": str(task.assignee_id or ""),
        "remind": NO_REMINDER if offset is None else str(offset),
    }


def card_context(rows, *, errors=None, values=None, action: str, back: str) -> dict:
    """What templates/tasks/_card.html needs: the rows, the add form and its choices."""
    dbs = db.session()
    zone = team_zone(dbs)
    return {
        "rows": rows,
        "action": action,
        "back": back,
        "errors": errors or {},
        "values": values or new_task_values(zone),
        "members": _assignable(),
        "reminders": reminder_options(),
        "now": utcnow(),
        "may": lambda action, task: tasks.may(action, current_user, task),
    }


def _assignable():
    """Managers and admins choose anyone active; an agent adds tasks for themselves."""
    if is_manager_or_admin(current_user.role):
        return accounts.active_members(db.session())
    return [current_user]


def add_from_form(form: MultiDict, *, contact=None, case=None):
    """Add the task the form describes; (task, None) or (None, errors). Flushes only."""
    dbs = db.session()
    data, errors = read_task_form(form, team_zone(dbs))
    if errors:
        return None, errors
    try:
        task = tasks.create_task(
            dbs, actor=current_user, now=utcnow(), contact=contact, case=case, **data
        )
    except tasks.TaskError as exc:
        dbs.rollback()
        return None, {exc.field: [exc.message]}
    except tasks.TaskForbidden as exc:
        dbs.rollback()
        return None, {"assignee_id": [str(exc)]}
    return task, None
