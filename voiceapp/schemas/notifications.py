"""Notification schemas."""

from __future__ import annotations

from marshmallow import Schema, fields

from voiceapp.schemas.contacts import PageArgsSchema, PageSchema


class NotificationSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    message = fields.String()
    case_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)
    read = fields.Function(lambda n: n.read_at is not None)


class NotificationListArgsSchema(PageArgsSchema):
    unread = fields.Boolean(load_default=False, metadata={"description": "only unread ones"})


class NotificationPageSchema(PageSchema):
    items = fields.List(fields.Nested(NotificationSchema), required=True)
    unread = fields.Integer(metadata={"description": "how many are unread in all"})
