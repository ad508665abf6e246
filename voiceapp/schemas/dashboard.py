"""Dashboard schemas: the period asked for, and the figures answered."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validates_schema

from voiceapp.domain.dashboard import PERIODS, PeriodError, check_request


class DashboardArgsSchema(Schema):
    period = fields.String(
        load_default=None,
        metadata={"description": f"{' | '.join(PERIODS)} (default today), or give from and to"},
    )
    first = fields.Date(
        data_key="from", load_default=None, metadata={"description": "first day, YYYY-MM-DD"}
    )
    last = fields.Date(
        data_key="to", load_default=None, metadata={"description": "last day (included)"}
    )

    @validates_schema
    def _one_period(self, data, **_kwargs):
        try:
            check_request(data.get("period"), data.get("first"), data.get("last"))
        except PeriodError as exc:
            names = {"first": "from", "last": "to"}
            raise ValidationError(exc.message, names.get(exc.field, exc.field)) from exc


class PeriodSchema(Schema):
    kind = fields.String(metadata={"description": "today, week, month or custom"})
    label = fields.String()
    first_day = fields.Date(data_key="from")
    last_day = fields.Date(data_key="to", metadata={"description": "included"})
    zone = fields.String(metadata={"description": "the team's time zone the days are in"})
    start = fields.DateTime(metadata={"description": "the first day's midnight (UTC)"})
    end = fields.DateTime(metadata={"description": "the midnight after the last day (UTC)"})


Money = fields.Dict(
    keys=fields.String(),
    values=fields.String(),
    metadata={"description": 'per currency, amounts as strings: {"EUR": "100.00"}'},
)


class FiguresSchema(Schema):
    user_id = fields.Integer()
    name = fields.String()
    calls_made = fields.Integer(metadata={"description": "outbound calls placed"})
    calls_made_reached = fields.Integer(metadata={"description": "of those, answered"})
    reach_rate = fields.String(
        allow_none=True, metadata={"description": "percent of calls made answered; null: none"}
    )
    calls_taken = fields.Integer(metadata={"description": "inbound calls answered"})
    customers_reached = fields.Integer(metadata={"description": "distinct contacts talked to"})
    talk_seconds = fields.Integer()
    cases_done = fields.Integer(metadata={"description": "cases closed with an outcome"})
    cases_due = fields.Integer(metadata={"description": "open cases due in the period"})
    cases_overdue = fields.Integer(metadata={"description": "open cases due before now"})
    orders = fields.Integer(metadata={"description": "orders taken"})
    revenue = Money
    commission = Money


class TeamRowSchema(FiguresSchema):
    role = fields.String()
    presence = fields.String(metadata={"description": "online, busy or offline now"})


class DashboardSchema(Schema):
    period = fields.Nested(PeriodSchema)
    personal = fields.Nested(FiguresSchema)
    team = fields.List(
        fields.Nested(TeamRowSchema),
        metadata={"description": "sales managers and admins only (absent for agents)"},
    )
