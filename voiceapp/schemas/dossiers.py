"""Schemas of a request's quotes (/api/requests/<id>/quotes) and of subscriptions
(/api/subscriptions). `version` on a change is the request's (or subscription's) version
the client read: an edit based on an older one is refused with 409."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from voiceapp.domain.requests import QUOTE_STATUSES, SUBSCRIPTION_STATUSES
from voiceapp.schemas.fields import ID_MAX
from voiceapp.schemas.orders import PaymentSchema
from voiceapp.schemas.products import Money, PlanSchema
from voiceapp.schemas.requests import RequestSchema

MAX_MESSAGE = 5000


def _version(**kwargs) -> fields.Integer:
    return fields.Integer(
        validate=validate.Range(min=1, max=ID_MAX),
        metadata={"description": "the version you read; refused with 409 when it changed since"},
        **kwargs,
    )


class QuoteInputSchema(Schema):
    """POST /api/requests/<id>/quotes: a price proposal; the one before is withdrawn."""

    amount = Money(required=True, metadata={"description": 'the price, e.g. "850.00"'})
    currency = fields.String(
        validate=validate.Length(equal=3),
        metadata={"description": "the product's currency (the default)"},
    )
    message = fields.String(
        validate=validate.Length(max=MAX_MESSAGE), metadata={"description": "to the customer"}
    )
    version = _version()


class VersionSchema(Schema):
    version = _version()


class QuoteSchema(Schema):
    id = fields.Integer()
    request_id = fields.Integer()
    amount = Money()
    currency = fields.String()
    message = fields.String(allow_none=True)
    status = fields.String(metadata={"description": ", ".join(QUOTE_STATUSES)})
    sent_by_id = fields.Integer(allow_none=True)
    created_at = fields.AwareDateTime()
    decided_at = fields.AwareDateTime(allow_none=True)


class QuoteListSchema(Schema):
    items = fields.List(fields.Nested(QuoteSchema), required=True)
    total = fields.Integer(required=True)


class SubscriptionSchema(Schema):
    id = fields.Integer()
    status = fields.String(metadata={"description": ", ".join(SUBSCRIPTION_STATUSES)})
    contact_id = fields.Integer()
    request_id = fields.Integer(allow_none=True)
    product_id = fields.Integer(allow_none=True)
    order_id = fields.Integer(allow_none=True)
    plan = fields.Nested(PlanSchema)
    starts_on = fields.Date()
    failed_payments = fields.Integer(metadata={"description": "payments overdue now"})
    ended_at = fields.AwareDateTime(allow_none=True)
    ended_reason = fields.String(
        allow_none=True, metadata={"description": "cancelled or payment_failed"}
    )
    version = fields.Integer()
    created_at = fields.AwareDateTime()


class SubscriptionDetailSchema(SubscriptionSchema):
    payments = fields.List(
        fields.Nested(PaymentSchema), metadata={"description": "every payment collected"}
    )


class SubscriptionListArgsSchema(Schema):
    status = fields.String(validate=validate.OneOf(SUBSCRIPTION_STATUSES))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class SubscriptionListSchema(Schema):
    items = fields.List(fields.Nested(SubscriptionSchema), required=True)
    total = fields.Integer(required=True)


class PlanChangeSchema(Schema):
    """Another subscription plan of the product, named by its terms."""

    plan = fields.Nested(PlanSchema, required=True)
    version = _version()


class RequestOrderSchema(Schema):
    """The request's order and its payment URL (to read out or as e-mailed), with the
    request as it now stands."""

    order_id = fields.Integer()
    order_number = fields.String()
    payment_url = fields.String(
        allow_none=True, metadata={"description": "/p/CODE on the public address"}
    )
    request = fields.Nested(RequestSchema)
