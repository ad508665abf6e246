"""The order page's forms (panel only): a payment recorded by hand, a refund, a
cancellation, a note on the customer, a row named by its id. Empty fields arrive as
absent (the blueprint drops them), so an optional amount left blank means "all of it"."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from voiceapp.domain.order_rights import MANUAL_METHODS
from voiceapp.schemas.fields import Id
from voiceapp.schemas.products import Money

MAX_REASON = 200
MAX_NOTE = 2000


class _Form(Schema):
    class Meta:
        unknown = EXCLUDE  # the CSRF token, the button's name


class PaymentFormSchema(_Form):
    amount = Money(required=True)
    method = fields.String(
        required=True,
        validate=validate.OneOf(MANUAL_METHODS, error="choose bank transfer or by hand"),
    )
    reference = fields.String(load_default=None, validate=validate.Length(max=MAX_REASON))


class RefundFormSchema(_Form):
    amount = Money(load_default=None)  # blank: all that was received
    reason = fields.String(
        required=True,
        validate=validate.Length(min=1, max=MAX_REASON),
        error_messages={"required": "give a reason for the refund"},
    )


class CancelFormSchema(_Form):
    reason = fields.String(
        required=True,
        validate=validate.Length(min=1, max=MAX_REASON),
        error_messages={"required": "give a reason for the cancellation"},
    )


class NoteFormSchema(_Form):
    text = fields.String(
        required=True,
        validate=validate.Length(min=1, max=MAX_NOTE),
        error_messages={"required": "write the note"},
    )


class PaymentIdSchema(_Form):
    payment_id = Id(required=True)


class NoteIdSchema(_Form):
    note_id = Id(required=True)
