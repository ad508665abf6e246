"""Request schemas: a request in JSON, sending one in (a website's own form), changing
one, the list's filters, messages, notes and labels."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from voiceapp.domain.requests import (
    BODY_MAX,
    KINDS,
    MESSAGE_MAX,
    NAME_MAX,
    NOTE_MAX,
    PAYMENT_METHODS,
    STATUSES,
)
from voiceapp.schemas.contacts import PageArgsSchema, PageSchema
from voiceapp.schemas.fields import ID_MAX, Id

VERSION = fields.Integer(
    validate=validate.Range(min=1, max=ID_MAX),
    metadata={
        "description": "The version you read (GET gives it). When someone changed the request "
        "since, nothing changes and the answer is 409 with a message: read it again."
    },
)


class RequestLabelSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    color = fields.String()


class RequestSchema(Schema):
    id = fields.Integer()
    status = fields.String(metadata={"description": " / ".join(STATUSES)})
    kind = fields.String(metadata={"description": "simple (no product) or dossier"})
    stage = fields.String(
        allow_none=True, metadata={"description": "the dossier's stage; null for simple ones"}
    )
    contact_id = fields.Integer()
    assignee_id = fields.Integer(allow_none=True)
    source = fields.String(metadata={"description": "form, api or panel"})
    name = fields.String()
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    language = fields.String(allow_none=True)
    message = fields.String(allow_none=True)
    product_id = fields.Integer(allow_none=True)
    plan = fields.Dict(allow_none=True)
    price = fields.Decimal(as_string=True, allow_none=True)
    currency = fields.String(allow_none=True)
    payment_method = fields.String(allow_none=True)
    labels = fields.List(fields.Nested(RequestLabelSchema))
    unread = fields.Boolean(
        metadata={"description": "the customer wrote since a member last opened it"}
    )
    customer_wrote_at = fields.AwareDateTime(allow_none=True)
    team_read_at = fields.AwareDateTime(allow_none=True)
    decided_at = fields.AwareDateTime(allow_none=True)
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()
    version = fields.Integer(metadata={"description": "send it back with PATCH"})


class RequestPageSchema(PageSchema):
    items = fields.List(fields.Nested(RequestSchema), required=True)


class RequestListArgsSchema(PageArgsSchema):
    status = fields.String(validate=validate.OneOf(STATUSES))
    kind = fields.String(validate=validate.OneOf(KINDS))
    label = fields.String(
        validate=validate.Length(min=1, max=60), metadata={"description": "a label's name or id"}
    )
    assignee_id = Id()
    contact_id = Id()


class RequestCreateSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(max=NAME_MAX))
    email = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=254))
    phone = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))
    language = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2))
    message = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=MESSAGE_MAX)
    )
    product_id = Id(
        load_default=None,
        allow_none=True,
        metadata={"description": "an active product: the request is then a dossier"},
    )
    plan = fields.Integer(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=0, max=100),
        metadata={"description": "the index of one of the product's plans"},
    )
    payment_method = fields.String(
        load_default=None, allow_none=True, validate=validate.OneOf(PAYMENT_METHODS)
    )


class RequestPatchSchema(Schema):
    version = VERSION
    status = fields.String(
        validate=validate.OneOf(STATUSES),
        metadata={"description": "in_progress, confirmed or declined"},
    )
    assignee_id = Id(
        allow_none=True, metadata={"description": "agents: themselves only; null: nobody"}
    )
    payment_method = fields.String(allow_none=True, validate=validate.OneOf(PAYMENT_METHODS))
    product_id = Id(metadata={"description": "a product makes a simple request a dossier"})


class RequestMessageInSchema(Schema):
    body = fields.String(required=True, validate=validate.Length(min=1, max=BODY_MAX))


class RequestMessageSchema(Schema):
    id = fields.Integer()
    request_id = fields.Integer()
    outgoing = fields.Boolean(metadata={"description": "true: to the customer; false: theirs"})
    body = fields.String()
    author_id = fields.Integer(allow_none=True)
    created_at = fields.AwareDateTime()


class RequestNoteInSchema(Schema):
    body = fields.String(required=True, validate=validate.Length(min=1, max=NOTE_MAX))


class RequestNoteSchema(Schema):
    id = fields.Integer()
    request_id = fields.Integer()
    body = fields.String()
    author_id = fields.Integer(allow_none=True)
    created_at = fields.AwareDateTime()


class RequestLabelsInSchema(Schema):
    label_ids = fields.List(Id(), required=True, validate=validate.Length(max=50))
    version = VERSION
