"""Case schemas: the case in JSON, creating and changing one, listing, and an outcome."""

from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from voiceapp.db import utcnow
from voiceapp.domain.scheduling import CALLBACK, COMPLETED, OUTCOMES
from voiceapp.models.cases import CASE_STATUSES, OPEN
from voiceapp.schemas.contacts import PageArgsSchema, PageSchema
from voiceapp.schemas.fast_dump import FastDumpSchema
from voiceapp.schemas.fields import Id, Moment

LANGUAGE = validate.Regexp(r"^[a-z]{2}$", error="a two-letter language code such as de or en")
CASE_TYPE = validate.Length(min=1, max=40)


def _overdue(case) -> bool:
    return case.status == OPEN and case.due_at < utcnow()


def _order_status(case) -> str | None:
    """The status of the order the case is about: Call today's rows carry it, a case
    read whole has its order."""
    listed = getattr(case, "order_status", None)
    if listed is not None or case.order_id is None:
        return listed
    order = getattr(case, "order", None)
    return order.status if order is not None else None


class CaseContactSchema(Schema):
    id = fields.Integer()
    name = fields.String(attribute="display_name")
    timezone = fields.String(allow_none=True)
    # Numbers not marked invalid (in Call today: the first of them, the one to call).
    phones = fields.List(fields.String(), attribute="callable_numbers")


class CaseSchema(Schema):
    """A case as lists show it."""

    id = fields.Integer()
    status = fields.String()
    type = fields.String()
    language = fields.String()
    contact_id = fields.Integer()
    contact = fields.Nested(CaseContactSchema)
    order_id = fields.Integer(allow_none=True)
    order_status = fields.Function(
        _order_status,
        allow_none=True,
        metadata={"description": "pending (unpaid), paid, cancelled or refunded; null without"},
    )
    assignee_id = fields.Integer(allow_none=True)
    due_at = fields.AwareDateTime()
    overdue = fields.Function(_overdue)
    attempts = fields.Integer()
    last_outcome = fields.String(allow_none=True)
    claimed_by_id = fields.Integer(allow_none=True)
    claimed_until = fields.AwareDateTime(allow_none=True)


class CaseEventSchema(Schema):
    at = fields.AwareDateTime()
    kind = fields.String()
    summary = fields.String()
    actor_id = fields.Integer(allow_none=True)
    data = fields.Dict(allow_none=True)


class CaseFileSchema(Schema):
    id = fields.Integer()
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    created_at = fields.AwareDateTime()
    # The panel's download link, and the API's (bearer token).
    url = fields.Function(lambda f: f"/cases/{f.case_id}/files/{f.id}")
    api_url = fields.Function(lambda f: f"/api/cases/{f.case_id}/files/{f.id}")


class CaseFileUploadSchema(Schema):
    file = Upload(
        required=True,
        metadata={"description": "at most 10 MB: audio, PDF, images, text or office documents"},
    )


class CaseDetailSchema(CaseSchema):
    """One case whole: with its counts, dates, note, history and files."""

    not_reached = fields.Integer()
    last_called_at = fields.AwareDateTime(allow_none=True)
    close_reason = fields.String(allow_none=True)
    closed_at = fields.AwareDateTime(allow_none=True)
    note = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()
    history = fields.List(fields.Nested(CaseEventSchema), attribute="events")
    files = fields.List(fields.Nested(CaseFileSchema))


class CasePageSchema(FastDumpSchema, PageSchema):
    # Dumped by its compiled twin (schemas.fast_dump), checked against marshmallow.
    items = fields.List(fields.Nested(CaseSchema), required=True)


class CaseListArgsSchema(PageArgsSchema):
    view = fields.String(load_default="all", validate=validate.OneOf(["today", "all"]))
    status = fields.String(validate=validate.OneOf(CASE_STATUSES))
    type = fields.String(validate=CASE_TYPE)
    language = fields.String(validate=LANGUAGE)
    # 0 means unassigned (the pool).
    assignee_id = fields.Integer(validate=validate.Range(min=0, max=2**31 - 1))
    contact_id = Id()
    due_from = Moment()
    due_until = Moment()


class CaseCreateSchema(Schema):
    contact_id = Id(required=True)
    type = fields.String(required=True, validate=CASE_TYPE)
    language = fields.String(required=True, validate=LANGUAGE)
    assignee_id = Id(allow_none=True)
    due_at = Moment()
    order_id = Id(allow_none=True)
    note = fields.String(allow_none=True, validate=validate.Length(max=5000))


class CasePatchSchema(Schema):
    assignee_id = Id(allow_none=True)
    due_at = Moment()
    type = fields.String(validate=CASE_TYPE)
    language = fields.String(validate=LANGUAGE)
    note = fields.String(allow_none=True, validate=validate.Length(max=5000))


class OutcomeEmailSchema(Schema):
    template = fields.String(required=True, validate=validate.Length(min=1, max=50))
    copy_to_manager = fields.Boolean(load_default=False)


class OutcomeSchema(Schema):
    outcome = fields.String(required=True, validate=validate.OneOf(OUTCOMES))
    reached = fields.Boolean(allow_none=True)
    summary = fields.String(allow_none=True, validate=validate.Length(max=500))
    comment = fields.String(allow_none=True, validate=validate.Length(max=5000))
    callback_at = Moment(allow_none=True)
    email = fields.Nested(OutcomeEmailSchema, allow_none=True)
    new_order = fields.String(
        allow_none=True,
        validate=validate.OneOf(["keep", "replace"]),
        metadata={
            "description": "After a completed call on a case about an order: `keep` (save "
            "and create a new order; the old one stays) or `replace` (the unpaid order is "
            "cancelled as replaced by a new order). Then create the order with "
            "POST /api/orders and this case_id."
        },
    )

    @validates_schema
    def _callback_time(self, data, **_kwargs):
        if data.get("outcome") == CALLBACK and not data.get("callback_at"):
            raise ValidationError("a callback needs the time the customer chose", "callback_at")

    @validates_schema
    def _new_order_after_completed(self, data, **_kwargs):
        if data.get("new_order") and data.get("outcome") != COMPLETED:
            raise ValidationError("a new order follows a completed conversation only", "new_order")
