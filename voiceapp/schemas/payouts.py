"""Payout schemas: creating a run, the payouts in JSON, the list's filters, settling."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from marshmallow import Schema, ValidationError, fields, validate

from voiceapp.models.commissions import PAYOUT_STATUSES
from voiceapp.schemas.contacts import PageArgsSchema, PageSchema
from voiceapp.schemas.fields import Id
from voiceapp.schemas.products import Money

# More members or payouts than a team has in one request is a mistake, not a payout.
MAX_IDS = 1000
MAX_MINIMUM = Decimal("99999999.99")


class Minimum(Money):
    """An amount as a string, zero allowed ("0.00": pay any positive total)."""

    def _deserialize(self, value, attr, data, **kwargs) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise ValidationError('send the amount as a string, e.g. "50.00"')
        try:
            amount = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValidationError(f"not a number: {value!r}") from None
        if not amount.is_finite():
            raise ValidationError(f"not a number: {value!r}")
        if amount < 0:
            raise ValidationError("must not be negative")
        if amount > MAX_MINIMUM or -amount.as_tuple().exponent > 2:
            raise ValidationError(f"at most {MAX_MINIMUM}, with at most 2 decimals")
        return amount.quantize(Decimal("0.01"))


class PayoutRunCreateSchema(Schema):
    """POST /api/payouts."""

    member_ids = fields.List(
        Id(),
        required=True,
        validate=validate.Length(min=1, max=MAX_IDS),
        metadata={"description": "the members to pay"},
    )
    minimum = Minimum(
        metadata={
            "description": "a member whose payable total is below it is left out "
            "(default: the team's minimum payout)"
        }
    )
    currency = fields.String(
        validate=validate.Length(equal=3),
        metadata={"description": "one of the team's payout currencies (default: the first)"},
    )
    include_not_due = fields.Boolean(
        load_default=False,
        metadata={
            "description": "pay commissions before their withdrawal period ends "
            "(the vendor carries the loss if the order is then cancelled)"
        },
    )
    mark_paid = fields.Boolean(
        load_default=False, metadata={"description": "the payouts are paid at once"}
    )


class PayoutSchema(Schema):
    id = fields.Integer()
    run_id = fields.Integer()
    member_id = fields.Integer(attribute="user_id")
    member_name = fields.Function(lambda p: p.user.name)
    currency = fields.String()
    amount = Money()
    commission_count = fields.Integer()
    status = fields.String(metadata={"description": ", ".join(PAYOUT_STATUSES)})
    created_at = fields.AwareDateTime()
    paid_at = fields.AwareDateTime(allow_none=True)
    paid_by_id = fields.Integer(allow_none=True)
    cancelled_at = fields.AwareDateTime(allow_none=True)
    cancelled_by_id = fields.Integer(allow_none=True)


class LeftOutSchema(Schema):
    member_id = fields.Function(lambda line: line.user.id)
    member_name = fields.Function(lambda line: line.user.name)
    amount = Money(metadata={"description": "what is payable to them in the run's currency"})
    reason = fields.String()


class PayoutRunSchema(Schema):
    id = fields.Integer()
    created_at = fields.AwareDateTime()
    created_by_id = fields.Integer(allow_none=True)
    currency = fields.String()
    minimum = Money()
    include_not_due = fields.Boolean()
    payouts = fields.List(fields.Nested(PayoutSchema))
    left_out = fields.List(
        fields.Nested(LeftOutSchema),
        metadata={"description": "the chosen members not paid, and why"},
    )


class PayoutListArgsSchema(PageArgsSchema):
    status = fields.String(validate=validate.OneOf(PAYOUT_STATUSES))
    member_id = Id()


class PayoutPageSchema(PageSchema):
    items = fields.List(fields.Nested(PayoutSchema))


class PayoutIdsSchema(Schema):
    """POST /api/payouts/paid."""

    ids = fields.List(Id(), required=True, validate=validate.Length(min=1, max=MAX_IDS))


class PayoutListSchema(Schema):
    items = fields.List(fields.Nested(PayoutSchema))
    total = fields.Integer()
