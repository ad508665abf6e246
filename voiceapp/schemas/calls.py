"""Call, recording and presence schemas."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from voiceapp.schemas.contacts import PageArgsSchema, PageSchema
from voiceapp.schemas.fast_dump import FastDumpSchema
from voiceapp.schemas.fields import Id, Moment
from voiceapp.schemas.reviews import ReviewSchema

PRESENCE_STATUSES = ("online", "offline", "busy")


class RecordingSchema(Schema):
    sid = fields.String()
    status = fields.String()
    duration = fields.Integer(allow_none=True)
    channels = fields.Integer(allow_none=True)
    source = fields.String(allow_none=True)
    stored = fields.Function(lambda r: r.fetched_at is not None and r.deleted_at is None)
    # Retention (or a person) deleted the media; the row stays for the call's history.
    deleted_at = fields.DateTime(allow_none=True)
    deleted_reason = fields.String(allow_none=True)
    # Streamed through the app, never Twilio's URL (recordings are personal data).
    url = fields.Function(lambda r: f"/calls/recordings/{r.sid}")


class CallEventSchema(Schema):
    source = fields.String()
    status = fields.String(allow_none=True)
    sequence_number = fields.Integer(allow_none=True)
    received_at = fields.DateTime()


class CallSchema(Schema):
    sid = fields.String()
    parent_sid = fields.String(allow_none=True)
    direction = fields.String()
    from_ = fields.String(attribute="from_number", data_key="from")
    to = fields.String(attribute="to_number")
    status = fields.String()
    agent_id = fields.Integer(allow_none=True)
    contact_id = fields.Integer(allow_none=True)
    started_at = fields.DateTime()
    answered_at = fields.DateTime(allow_none=True)
    ended_at = fields.DateTime(allow_none=True)
    duration = fields.Integer(allow_none=True)
    price = fields.Decimal(allow_none=True, as_string=True)
    price_unit = fields.String(allow_none=True)
    missed = fields.Boolean()
    voicemail = fields.Boolean()
    recordings = fields.List(fields.Nested(RecordingSchema))


class CallDetailSchema(CallSchema):
    events = fields.List(fields.Nested(CallEventSchema))
    reviews = fields.List(fields.Nested(ReviewSchema))


class CallListArgsSchema(PageArgsSchema):
    direction = fields.String(validate=validate.OneOf(["inbound", "outbound"]))
    missed = fields.Boolean()
    agent_id = Id()
    contact_id = Id()
    status = fields.String(validate=validate.Length(max=20))
    since = Moment()
    until = Moment()


class CallPageSchema(FastDumpSchema, PageSchema):
    # Dumped by its compiled twin (schemas.fast_dump), checked against marshmallow.
    items = fields.List(fields.Nested(CallSchema), required=True)


class PresenceInputSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(PRESENCE_STATUSES))


class PresenceSchema(Schema):
    user_id = fields.Integer()
    status = fields.String(
        metadata={
            "description": "online, busy or offline now: offline once the browser stopped "
            "heartbeating, busy during a call and its wrap-up"
        }
    )
    call_sid = fields.String(allow_none=True)
    updated_at = fields.DateTime()
    wrap_up_until = fields.DateTime(
        allow_none=True, metadata={"description": "busy after a call: online again then"}
    )
    heartbeat_seconds = fields.Integer(
        metadata={
            "description": "POST /api/agents/me/presence/heartbeat this often, or the "
            "presence expires (offline)"
        }
    )


class VoiceTokenSchema(Schema):
    token = fields.String()
    identity = fields.String()
    ttl = fields.Integer()


class PhoneNumberArgsSchema(Schema):
    number = fields.String(
        required=True,
        validate=validate.Length(min=1, max=40),
        metadata={"description": "a number in any written form: +49 151 …, 0151 …, 0049 …"},
    )
    region = fields.String(
        validate=validate.Regexp(r"^[A-Za-z]{2}$", error="a two-letter country code"),
        metadata={
            "description": "the country a national number is read in (default: the "
            "server's DEFAULT_REGION)"
        },
    )


class NormalizedNumberSchema(Schema):
    number = fields.String(metadata={"description": "E.164, as the server stores it"})
    display = fields.String(metadata={"description": "international format, for people"})
    region = fields.String(allow_none=True, metadata={"description": "the number's country"})


class CallerArgsSchema(Schema):
    number = fields.String(required=True, validate=validate.Length(min=1, max=64))


class _CardContactSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    others_with_number = fields.Integer()


class _CardCaseSchema(Schema):
    id = fields.Integer()
    type = fields.String()
    due_at = fields.AwareDateTime()


class _CardOrderSchema(Schema):
    id = fields.Integer()
    number = fields.String()
    status = fields.String()
    total = fields.Decimal(as_string=True)
    currency = fields.String()


class _CardRequestSchema(Schema):
    id = fields.Integer()
    status = fields.String()
    kind = fields.String()
    stage = fields.String(allow_none=True)


class CallerCardSchema(Schema):
    number = fields.String()
    display = fields.String()
    contact = fields.Nested(_CardContactSchema, allow_none=True)
    open_case = fields.Nested(_CardCaseSchema, allow_none=True)
    open_order = fields.Nested(_CardOrderSchema, allow_none=True)
    open_requests = fields.List(
        fields.Nested(_CardRequestSchema),
        allow_none=True,
        metadata={"description": "The caller's open written requests, newest first (at most 3)"},
    )
