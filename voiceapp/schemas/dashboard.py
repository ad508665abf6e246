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
    reviews = fields.Integer(metadata={"description": "reviews of calls in the period"})
    review_score = fields.String(
        allow_none=True,
        metadata={"description": "their mean score (1-5, one decimal); null: none reviewed"},
    )


class TeamRowSchema(FiguresSchema):
    role = fields.String()
    presence = fields.String(metadata={"description": "online, busy or offline now"})


class CallCountsSchema(Schema):
    made = fields.Integer(metadata={"description": "calls placed"})
    reached = fields.Integer(metadata={"description": "of those, answered by the customer"})
    taken = fields.Integer(metadata={"description": "inbound calls answered"})
    missed = fields.Integer(
        allow_none=True,
        metadata={"description": "inbound calls nobody took; null in an agent's own charts"},
    )

    reach_rate = fields.String(
        allow_none=True, metadata={"description": "percent of made reached; null: none made"}
    )


class DaySchema(CallCountsSchema):
    day = fields.Date(metadata={"description": "a local day of the team's time zone"})


class HourSchema(CallCountsSchema):
    hour = fields.Integer(metadata={"description": "local hour of day, 0-23"})


class OutcomeCountSchema(Schema):
    outcome = fields.String(metadata={"description": "completed, not_reached, callback ..."})
    label = fields.String()
    count = fields.Integer()


class ChartsSchema(Schema):
    scope = fields.String(
        metadata={
            "description": "personal (an agent's own calls and outcomes) or team (the team "
            "table's members added up, and the calls nobody took)"
        }
    )
    days = fields.List(fields.Nested(DaySchema), metadata={"description": "every day"})
    hours = fields.List(fields.Nested(HourSchema), metadata={"description": "24 hours"})
    outcomes = fields.List(
        fields.Nested(OutcomeCountSchema),
        metadata={"description": "outcomes recorded on cases, types with none left out"},
    )


class DashboardSchema(Schema):
    period = fields.Nested(PeriodSchema)
    personal = fields.Nested(FiguresSchema)
    team = fields.List(
        fields.Nested(TeamRowSchema),
        metadata={"description": "sales managers and admins only (absent for agents)"},
    )
    calls_waiting = fields.Integer(
        metadata={
            "description": "inbound calls on the line no member has taken yet (managers and "
            "admins only)"
        }
    )
    missed_today = fields.Integer(
        metadata={"description": "inbound calls nobody took today (managers and admins only)"}
    )
    charts = fields.Nested(ChartsSchema)
