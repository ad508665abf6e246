"""/api/tasks: list with filters, add, read, change, complete, reopen and delete tasks."""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING

from flask import Response
from flask.views import MethodView
from flask_smorest import abort

from voiceapp import db
from voiceapp.api.blueprint import Blueprint
from voiceapp.api.cases import nested_error
from voiceapp.auth import authenticate_api_request, require_api_user
from voiceapp.db import utcnow
from voiceapp.schemas.tasks import (
    TaskCreateSchema,
    TaskListArgsSchema,
    TaskPageSchema,
    TaskPatchSchema,
    TaskSchema,
)
from voiceapp.services import cases, tasks
from voiceapp.services.contacts import visible_contact

if TYPE_CHECKING:
    from voiceapp.models import Task

blp = Blueprint(
    "Tasks", __name__, url_prefix="/api/tasks", description="Tasks on contacts and cases"
)
blp.before_request(require_api_user)
FORBIDDEN = (
    "You see the task but may not do this: only managers assign tasks to others, and only "
    "the member who added a task (or a manager) deletes it"
)


@contextmanager
def task_errors():
    """Refusals in the API's shapes; the transaction is rolled back (nothing changed)."""
    try:
        yield
    except tasks.TaskError as exc:
        db.session().rollback()
        abort(422, errors={"json": nested_error(exc.field, exc.message)})
    except tasks.TaskForbidden as exc:
        db.session().rollback()
        abort(403, message=str(exc))


def load_task(task_id: int, *, lock: bool = False) -> Task:
    task = tasks.visible_task(db.session(), authenticate_api_request(), task_id, lock=lock)
    if task is None:
        abort(404, message="task not found")
    return task


def _not_found(field: str, what: str):
    abort(422, errors={"json": {field: [f"no {what} with this id"]}})


@blp.route("")
class Tasks(MethodView):
    @blp.arguments(TaskListArgsSchema, location="query")
    @blp.response(200, TaskPageSchema)
    def get(self, args):
        """The tasks you may see (agents: those assigned to them or that they added),
        open ones first by due time; filter by assignee, contact, case, status, overdue."""
        user = authenticate_api_request()
        page, per_page = args.pop("page"), args.pop("per_page")
        items, total = tasks.list_tasks(
            db.session(), user, args, now=utcnow(), page=page, per_page=per_page
        )
        return {"items": items, "total": total, "page": page, "per_page": per_page}

    @blp.arguments(TaskCreateSchema)
    @blp.response(201, TaskSchema)
    @blp.alt_response(403, description=FORBIDDEN)
    def post(self, data):
        """Add a task on a contact or a case; reminded at the due time unless
        `remind_minutes_before` says otherwise."""
        user = authenticate_api_request()
        dbs = db.session()
        contact = case = None
        if data.get("contact_id") is not None:
            contact = visible_contact(dbs, user, data["contact_id"]) or _not_found(
                "contact_id", "contact"
            )
        if data.get("case_id") is not None:
            case = cases.visible_case(dbs, user, data["case_id"]) or _not_found("case_id", "case")
        with task_errors():
            task = tasks.create_task(
                dbs,
                actor=user,
                title=data["title"],
                due_at=data["due_at"],
                now=utcnow(),
                contact=contact,
                case=case,
                assignee_id=data.get("assignee_id"),
                notes=data.get("notes"),
                remind_minutes_before=data["remind_minutes_before"],
            )
        dbs.commit()
        return task


@blp.route("/<int:task_id>")
class TaskById(MethodView):
    @blp.response(200, TaskSchema)
    def get(self, task_id):
        """One task."""
        return load_task(task_id)

    @blp.arguments(TaskPatchSchema)
    @blp.response(200, TaskSchema)
    @blp.alt_response(403, description=FORBIDDEN)
    def patch(self, data, task_id):
        """Change the title, notes, due time (a pending reminder moves with it), assignee
        or reminder."""
        user = authenticate_api_request()
        task = load_task(task_id, lock=True)
        with task_errors():
            tasks.change_task(db.session(), task, data, actor=user, now=utcnow())
        db.session().commit()
        return task

    @blp.response(204)
    @blp.alt_response(403, description=FORBIDDEN)
    def delete(self, task_id):
        """Delete the task (the member who added it, managers and admins)."""
        user = authenticate_api_request()
        task = load_task(task_id, lock=True)
        with task_errors():
            tasks.delete_task(db.session(), task, actor=user)
        db.session().commit()
        return Response(status=204)


@blp.route("/<int:task_id>/complete")
class CompleteTask(MethodView):
    @blp.response(200, TaskSchema)
    def post(self, task_id):
        """Mark the task done (its reminder is dropped; a task on a case says so in the
        case's history). Done already: answered as it is."""
        user = authenticate_api_request()
        task = load_task(task_id, lock=True)
        with task_errors():
            tasks.complete_task(db.session(), task, actor=user, now=utcnow())
        db.session().commit()
        return task


@blp.route("/<int:task_id>/reopen")
class ReopenTask(MethodView):
    @blp.response(200, TaskSchema)
    def post(self, task_id):
        """Not done after all: open again (reminded at its due time if still ahead)."""
        user = authenticate_api_request()
        task = load_task(task_id, lock=True)
        with task_errors():
            tasks.reopen_task(db.session(), task, actor=user, now=utcnow())
        db.session().commit()
        return task
