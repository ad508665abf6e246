"""Task schemas: a task in JSON, adding and changing one, and the list's filters."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from voiceapp.db import utcnow
from voiceapp.domain.tasks import NOTES_MAX, REMIND_MAX_MINUTES, TITLE_MAX, is_overdue
from voiceapp.domain.tasks import minutes_before as _minutes_before
from voiceapp.schemas.contacts import PageArgsSchema, PageSchema
from voiceapp.schemas.fields import Id, Moment

# A blank title is the domain's to refuse ("a task needs a title"), in the panel too.
TITLE = validate.Length(max=TITLE_MAX, error=f"at most {TITLE_MAX} characters")
NOTES = validate.Length(max=NOTES_MAX, error=f"at most {NOTES_MAX} characters")
REMIND = fields.Integer(
    allow_none=True,
    validate=validate.Range(min=0, max=REMIND_MAX_MINUTES),
    metadata={
        "description": "Remind the assignee this many minutes before the due time (0: at "
        "the due time; null: no reminder). A notification, and an e-mail for members who "
        "want e-mails."
    },
)


class TaskPersonSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class TaskContactSchema(Schema):
    id = fields.Integer()
    name = fields.String(attribute="display_name")


class TaskSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    notes = fields.String(allow_none=True)
    due_at = fields.AwareDateTime()
    overdue = fields.Function(lambda t: is_overdue(t.due_at, t.done_at, utcnow()))
    assignee_id = fields.Integer(allow_none=True)
    assignee = fields.Nested(TaskPersonSchema, allow_none=True)
    contact_id = fields.Integer(allow_none=True)
    contact = fields.Nested(TaskContactSchema, allow_none=True)
    case_id = fields.Integer(allow_none=True)
    remind_at = fields.AwareDateTime(
        allow_none=True, metadata={"description": "when the pending reminder goes out"}
    )
    remind_minutes_before = fields.Function(
        lambda t: _minutes_before(t.due_at, t.remind_at),
        allow_none=True,
        metadata={"description": "the pending reminder's offset; null when none is pending"},
    )
    reminded_at = fields.AwareDateTime(allow_none=True)
    done = fields.Boolean()
    done_at = fields.AwareDateTime(allow_none=True)
    done_by_id = fields.Integer(allow_none=True)
    created_by_id = fields.Integer(allow_none=True)
    created_at = fields.AwareDateTime()


class TaskPageSchema(PageSchema):
    items = fields.List(fields.Nested(TaskSchema), required=True)


class TaskListArgsSchema(PageArgsSchema):
    assignee_id = Id()
    contact_id = Id()
    case_id = Id()
    status = fields.String(validate=validate.OneOf(["open", "done"]))
    overdue = fields.Boolean(metadata={"description": "true: open and past due; false: not"})


class TaskCreateSchema(Schema):
    title = fields.String(required=True, validate=TITLE)
    notes = fields.String(allow_none=True, validate=NOTES)
    due_at = Moment(required=True)
    contact_id = Id(metadata={"description": "the contact; or give case_id"})
    case_id = Id(metadata={"description": "the case (the task is on its contact too)"})
    assignee_id = Id(
        allow_none=True,
        metadata={"description": "who does it (you when absent; agents: only themselves)"},
    )
    remind_minutes_before = fields.Integer(
        load_default=0,
        allow_none=True,
        validate=validate.Range(min=0, max=REMIND_MAX_MINUTES),
        metadata=REMIND.metadata,
    )


class TaskPatchSchema(Schema):
    title = fields.String(validate=TITLE)
    notes = fields.String(allow_none=True, validate=NOTES)
    due_at = Moment(metadata={"description": "a pending reminder moves with it"})
    assignee_id = Id(metadata={"description": "agents: only themselves"})
    remind_minutes_before = REMIND
