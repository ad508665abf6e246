"""Report schemas: what a report is asked for with, and the JSON answer (one key per
table, one row per member)."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from voiceapp.domain.dashboard import MAX_DAYS, PeriodError, check_request
from voiceapp.domain.scheduling import OUTCOME_LABELS, OUTCOMES
from voiceapp.schemas.dashboard import PeriodSchema
from voiceapp.schemas.fields import Id
from voiceapp.services.reports.tables import TABLES

FORMATS = ("json", "xlsx", "csv")
# More members than a team has is a mistake (or an attack on the IN list).
MAX_MEMBERS = 500


class ReportArgsSchema(Schema):
    first = fields.Date(
        data_key="from", required=True, metadata={"description": "first day, YYYY-MM-DD"}
    )
    last = fields.Date(
        data_key="to",
        required=True,
        metadata={"description": f"last day (included); at most {MAX_DAYS} days after from"},
    )
    member_ids = fields.List(
        Id(),
        data_key="agent_id",
        load_default=list,
        validate=validate.Length(max=MAX_MEMBERS),
        metadata={"description": "members to report on (repeat it); none: every active member"},
    )
    format = fields.String(
        load_default="json",
        validate=validate.OneOf(FORMATS),
        metadata={"description": "json (default), xlsx (one sheet per table) or csv"},
    )
    table = fields.String(
        load_default=None,
        validate=validate.OneOf(TABLES),
        metadata={
            "description": f"the table a CSV holds (one a file): {', '.join(TABLES)}; "
            "default calls. Only with format=csv."
        },
    )

    @validates_schema
    def _period_and_table(self, data, **_kwargs):
        try:
            check_request(None, data.get("first"), data.get("last"))
        except PeriodError as exc:
            names = {"first": "from", "last": "to"}
            raise ValidationError(exc.message, names.get(exc.field, exc.field)) from exc
        if data.get("table") and data.get("format") != "csv":
            raise ValidationError("a table is chosen only for format=csv", "table")


class _MemberRow(Schema):
    member_id = fields.Integer()
    member = fields.String(metadata={"description": "the member's name"})


class CallsRowSchema(_MemberRow):
    calls_made = fields.Integer(metadata={"description": "outbound calls placed"})
    calls_answered = fields.Integer(metadata={"description": "of those, answered"})
    reach_rate = fields.Decimal(
        as_string=True, allow_none=True, metadata={"description": "percent; null: no calls"}
    )
    calls_taken = fields.Integer(metadata={"description": "inbound calls answered"})
    calls_missed = fields.Integer(
        metadata={"description": "inbound calls nobody took that rang the member"}
    )
    customers_reached = fields.Integer(metadata={"description": "distinct contacts talked to"})
    talk_seconds = fields.Integer(metadata={"description": "time connected to customers"})


OutcomesRowSchema = Schema.from_dict(
    {
        "member_id": fields.Integer(),
        "member": fields.String(),
        **{key: fields.Integer(metadata={"description": OUTCOME_LABELS[key]}) for key in OUTCOMES},
        "total": fields.Integer(),
    },
    name="OutcomesRowSchema",
)


class CasesRowSchema(_MemberRow):
    cases_opened = fields.Integer(metadata={"description": "created in the period, assigned"})
    cases_closed = fields.Integer(metadata={"description": "closed with an outcome"})
    cases_overdue = fields.Integer(metadata={"description": "open, due before the period's end"})


class FunnelRowSchema(_MemberRow):
    calls = fields.Integer(metadata={"description": "made and taken"})
    reached = fields.Integer(metadata={"description": "made calls answered, and taken calls"})
    orders = fields.Integer(metadata={"description": "taken in the period"})
    paid_orders = fields.Integer(metadata={"description": "of those, paid in full by now"})
    reached_rate = fields.Decimal(as_string=True, allow_none=True)
    order_rate = fields.Decimal(as_string=True, allow_none=True)
    paid_rate = fields.Decimal(as_string=True, allow_none=True)


class RevenueRowSchema(_MemberRow):
    currency = fields.String()
    revenue = fields.Decimal(
        as_string=True, metadata={"description": "net of payments received, less refunds"}
    )


class ReportSchema(Schema):
    period = fields.Nested(PeriodSchema)
    calls = fields.List(fields.Nested(CallsRowSchema))
    outcomes = fields.List(fields.Nested(OutcomesRowSchema))
    cases = fields.List(fields.Nested(CasesRowSchema))
    funnel = fields.List(fields.Nested(FunnelRowSchema))
    revenue = fields.List(
        fields.Nested(RevenueRowSchema),
        metadata={"description": "one row per member and currency they had revenue in"},
    )
