"""Panel pages for tasks: My tasks (a tab beside Call today), a task's edit page, and
the done / reopen / delete buttons the task lists show (on My tasks, a contact's page and
a case's page). Adding a task happens on the contact's and the case's pages."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request
from flask_login import current_user, login_required

from voiceapp import db
from voiceapp.db import utcnow
from voiceapp.domain.tasks import CHANGE, DELETE
from voiceapp.services import tasks
from voiceapp.services.team_settings import team_zone
from voiceapp.web.task_forms import (
    back_to,
    card_context,
    read_task_form,
    task_values,
)

bp = Blueprint("tasks", __name__, url_prefix="/tasks")
bp.before_request(login_required(lambda: None))


def _load(task_id: int, *, lock: bool = False):
    task = tasks.visible_task(db.session(), current_user, task_id, lock=lock)
    if task is None:
        abort(404)
    return task


@bp.get("")
def mine():
    dbs = db.session()
    listed = tasks.my_tasks(dbs, current_user, now=utcnow(), zone=team_zone(dbs))
    return render_template(
        "tasks/mine.html",
        open_tasks=listed.open,
        open_count=len(listed.open),
        done_today=listed.done_today,
        now=utcnow(),
        may=lambda action, task: tasks.may(action, current_user, task),
    )


def _act(task_id: int, operation, message: str):
    dbs = db.session()
    task = _load(task_id, lock=True)
    try:
        changed = operation(dbs, task, actor=current_user, now=utcnow())
    except tasks.TaskForbidden as exc:
        dbs.rollback()
        abort(403, str(exc))
    dbs.commit()
    if changed:
        flash(message.format(title=task.title), "success")
    return redirect(back_to(request.form.get("next")))


@bp.post("/<int:task_id>/done")
def done(task_id: int):
    return _act(task_id, tasks.complete_task, "Done: {title}.")


@bp.post("/<int:task_id>/reopen")
def reopen(task_id: int):
    return _act(task_id, tasks.reopen_task, "Open again: {title}.")


@bp.post("/<int:task_id>/delete")
def delete(task_id: int):
    dbs = db.session()
    task = _load(task_id, lock=True)
    title = task.title
    try:
        tasks.delete_task(dbs, task, actor=current_user)
    except tasks.TaskForbidden as exc:
        dbs.rollback()
        abort(403, str(exc))
    dbs.commit()
    flash(f"Deleted: {title}.", "success")
    return redirect(back_to(request.form.get("next")))


@bp.route("/<int:task_id>/edit", methods=["GET", "POST"])
def edit(task_id: int):
    dbs = db.session()
    task = _load(task_id, lock=request.method == "POST")
    if not tasks.may(CHANGE, current_user, task):
        abort(403)
    back = back_to(request.values.get("next"))
    errors: dict = {}
    values = task_values(task, team_zone(dbs))
    if request.method == "POST":
        data, errors = read_task_form(request.form, team_zone(dbs), new=False)
        values = request.form
        if not errors:
            try:
                tasks.change_task(dbs, task, data, actor=current_user, now=utcnow())
            except tasks.TaskError as exc:
                errors = {exc.field: [exc.message]}
            except tasks.TaskForbidden as exc:
                errors = {"assignee_id": [str(exc)]}
        if not errors:
            dbs.commit()
            flash(f"Saved: {task.title}.", "success")
            return redirect(back)
        dbs.rollback()
    context = card_context([], errors=errors, values=values, action="", back=back)
    if task.assignee is not None and task.assignee not in context["members"]:
        context["members"] = [*context["members"], task.assignee]  # kept unless changed
    return render_template(
        "tasks/edit.html",
        task=task,
        may_delete=tasks.may(DELETE, current_user, task),
        **context,
    ), (422 if errors else 200)
