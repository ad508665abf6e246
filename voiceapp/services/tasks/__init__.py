"""Tasks (seed 001): something a member must do by a date and time, on a contact or a
case. Who may see and change one (`rights`, asking domain.tasks), adding and changing
them (`operations`), reading lists such as My tasks (`queries`) and the reminder at
remind_at (`reminders`, through services.reminding like the cases').

The blueprints and jobs use the operations re-exported here. Imports: models, domain,
other services; never web, api or workers.
"""

from __future__ import annotations

from voiceapp.domain.tasks import TaskError
from voiceapp.services.tasks.operations import (
    change_task,
    complete_task,
    create_task,
    delete_task,
    reopen_task,
)
from voiceapp.services.tasks.queries import (
    MyTasks,
    list_tasks,
    my_tasks,
    open_task_count,
    tasks_of_case,
    tasks_of_contact,
    visible_task,
)
from voiceapp.services.tasks.reminders import TASK_DUE, remind_task_due
from voiceapp.services.tasks.rights import TaskForbidden, may

__all__ = [
    "TASK_DUE",
    "MyTasks",
    "TaskError",
    "TaskForbidden",
    "change_task",
    "complete_task",
    "create_task",
    "delete_task",
    "list_tasks",
    "may",
    "my_tasks",
    "open_task_count",
    "remind_task_due",
    "reopen_task",
    "tasks_of_case",
    "tasks_of_contact",
    "visible_task",
]
