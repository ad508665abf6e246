"""Commission schemas: the list's filters and page (GET /api/commissions), one commission
with its decisions, a decision on a selection, the reassign summary and the vendor's
statement. Amounts go out as strings with two decimals."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from voiceapp.domain.commission_approval import DECISIONS, MAX_SELECTION
from voiceapp.domain.commissions import REASONS
from voiceapp.models.commissions import STATUSES
from voiceapp.schemas.contacts import PageArgsSchema, PageSchema
from voiceapp.schemas.fields import FIRST_YEAR, LAST_YEAR, Id
from voiceapp.schemas.products import Money


class Day(fields.Date):
    """An ISO date (2026-03-31) between FIRST_YEAR and LAST_YEAR."""

    def _deserialize(self, value, attr, data, **kwargs):
        day = super()._deserialize(value, attr, data, **kwargs)
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise ValidationError(f"choose a date between {FIRST_YEAR} and {LAST_YEAR}")
        return day


class PeriodArgsSchema(Schema):
    from_ = Day(data_key="from", metadata={"description": "first day (team's time zone)"})
    to = Day(metadata={"description": "last day, included"})

    @validates_schema
    def _in_order(self, data, **_kwargs):
        if data.get("from_") and data.get("to") and data["from_"] > data["to"]:
            raise ValidationError("the period ends before it begins", "to")


class CommissionListArgsSchema(PageArgsSchema, PeriodArgsSchema):
    member_id = Id()
    status = fields.String(validate=validate.OneOf(STATUSES))
    reason = fields.String(validate=validate.OneOf(REASONS))
    due = fields.Boolean(
        metadata={"description": "true: due (withdrawal period over); false: not yet due"}
    )


class _MemberRef(Schema):
    id = fields.Integer()
    name = fields.String()


class _OrderRef(Schema):
    id = fields.Integer()
    number = fields.String()


class CommissionSchema(Schema):
    id = fields.Integer()
    member = fields.Nested(_MemberRef)
    order = fields.Nested(_OrderRef)
    reason = fields.String(metadata={"description": ", ".join(REASONS)})
    reason_label = fields.String(metadata={"description": '"sales team" or "sales manager"'})
    amount = Money(metadata={"description": "negative: taken back after a payout"})
    currency = fields.String()
    base_net = Money(metadata={"description": "the payment's net part it was computed on"})
    status = fields.String(metadata={"description": ", ".join(STATUSES)})
    earned_at = fields.AwareDateTime()
    due_at = fields.AwareDateTime()
    payout_id = fields.Integer(allow_none=True)
    reverses_id = fields.Integer(allow_none=True)
    decided_at = fields.AwareDateTime(allow_none=True)
    note = fields.String(allow_none=True)


class CommissionTotalSchema(Schema):
    status = fields.String()
    currency = fields.String()
    count = fields.Integer()
    amount = Money()


class CommissionPageSchema(PageSchema):
    items = fields.List(fields.Nested(CommissionSchema))
    totals = fields.List(
        fields.Nested(CommissionTotalSchema),
        metadata={"description": "per status and currency, of everything the filter matches"},
    )


class DecisionLogSchema(Schema):
    at = fields.AwareDateTime()
    before = fields.String()
    after = fields.String()
    by_id = fields.Integer(allow_none=True)
    by_name = fields.String(allow_none=True)
    note = fields.String(allow_none=True)


class CommissionDetailSchema(CommissionSchema):
    decisions = fields.List(fields.Nested(DecisionLogSchema))


class DecisionInputSchema(Schema):
    ids = fields.List(Id(), required=True, validate=validate.Length(min=1, max=MAX_SELECTION))
    decision = fields.String(required=True, validate=validate.OneOf(DECISIONS))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class DecisionResultSchema(Schema):
    decision = fields.String()
    decided = fields.List(fields.Integer(), metadata={"description": "ids whose status changed"})
    unchanged = fields.List(fields.Integer(), metadata={"description": "ids already so"})


class ReassignArgsSchema(Schema):
    check = fields.Boolean(
        load_default=False, metadata={"description": "1: only say what would move"}
    )


class CurrencyTotalSchema(Schema):
    currency = fields.String()
    amount = Money()


class ReassignSummarySchema(Schema):
    member_id = fields.Integer()
    executed = fields.Boolean()
    count = fields.Integer()
    totals = fields.List(fields.Nested(CurrencyTotalSchema))


class StatementLineSchema(Schema):
    currency = fields.String()
    net_revenue = Money()
    refunded_net = Money()
    sales_team = Money()
    sales_manager = Money()
    reassigned = Money()
    rejected = Money()
    reversed = Money()
    taken_back = Money()
    taken_back_open = Money()
    vendor_keeps = Money()


class StatementSchema(Schema):
    items = fields.List(fields.Nested(StatementLineSchema))
