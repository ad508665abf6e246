"""The task rights rule (domain.tasks.task_refusal) asked about a member and a task row,
and its SQL twin for lists."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, or_, true

from voiceapp.domain.roles import is_manager_or_admin
from voiceapp.domain.tasks import TaskFacts, task_refusal
from voiceapp.models import Task, User
from voiceapp.services.contacts import user_can_view, visible_contacts_filter


class TaskForbidden(PermissionError):
    """The member may see the task but not do this to it (403)."""


def facts_of(task: Task, user: User) -> TaskFacts:
    contact = task.contact
    return TaskFacts(
        assignee_id=task.assignee_id,
        created_by_id=task.created_by_id,
        contact_visible=contact is None or user_can_view(user, contact),
    )


def refusal(action: str, user: User, task: Task) -> str | None:
    return task_refusal(action, user.role, user.id, facts_of(task, user))


def may(action: str, user: User, task: Task) -> bool:
    return refusal(action, user, task) is None


def require(action: str, user: User, task: Task) -> None:
    """Raise TaskForbidden (nothing changed yet) unless `user` may do `action`."""
    reason = refusal(action, user, task)
    if reason is not None:
        raise TaskForbidden(reason)


def visible_tasks_filter(user: User) -> ColumnElement[bool]:
    """SQL twin of task_refusal(SEE): to use on a select of Task outer-joined to Contact."""
    if is_manager_or_admin(user.role):
        return true()
    mine = or_(Task.assignee_id == user.id, Task.created_by_id == user.id)
    return and_(mine, or_(Task.contact_id.is_(None), visible_contacts_filter(user)))
