"""Members and the team's commission settings in JSON. Amounts and percents are strings
("10.00"), Decimal inside."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from marshmallow import Schema, ValidationError, fields, validate

MAX_LIST = 50


class DecimalText(fields.Field):
    """A decimal number as a string with at most `places` decimals, between `low` and
    `high`; a Decimal inside, written back with exactly `places` decimals."""

    def __init__(self, *, places: int, low: str, high: str, example: str, **kwargs):
        self.places, self.low, self.high = places, Decimal(low), Decimal(high)
        metadata = {"type": "string", "example": example, **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise ValidationError(f'send it as a string, e.g. "{self.metadata["example"]}"')
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValidationError("not a number") from None
        if not number.is_finite():
            raise ValidationError("not a number")
        if -number.as_tuple().exponent > self.places:
            raise ValidationError(f"at most {self.places} decimals")
        if not self.low <= number <= self.high:
            raise ValidationError(f"between {self.low} and {self.high}")
        return number

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return str(Decimal(value).quantize(Decimal(1).scaleb(-self.places)))


def Percent(**kwargs) -> DecimalText:
    return DecimalText(places=2, low="0", high="100", example="10.00", **kwargs)


# --- members ---------------------------------------------------------------------------


class MemberSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    email = fields.String()
    role = fields.String(metadata={"enum": ["admin", "sales_manager", "agent"]})
    active = fields.Boolean()
    removed_at = fields.DateTime(
        allow_none=True, metadata={"description": "when the member was removed from the team"}
    )
    employment = fields.String(
        metadata={
            "enum": ["freelancer", "employee"],
            "description": "freelancer: receives payouts; employee: paid through payroll",
        }
    )
    payout_factor_percent = Percent(
        metadata={"description": "sales managers and admins only (left out for agents)"}
    )
    manager_commission_percent = Percent(
        allow_none=True, metadata={"description": "admins only (left out for others)"}
    )
    can_receive_payouts = fields.Boolean()
    can_approve_commissions = fields.Boolean()
    can_set_affiliates = fields.Boolean()
    can_change_affiliates = fields.Boolean()
    payouts_held = fields.Boolean()
    case_types = fields.List(fields.String())
    languages = fields.List(fields.String())


class MemberListArgsSchema(Schema):
    removed = fields.Boolean(
        load_default=False,
        metadata={"description": "true: the members removed from the team instead"},
    )


class MemberListSchema(Schema):
    items = fields.List(fields.Nested(MemberSchema), required=True)
    total = fields.Integer(required=True)


def _keys(**kwargs) -> fields.List:
    return fields.List(
        fields.String(validate=validate.Length(min=1, max=40)),
        validate=validate.Length(max=MAX_LIST),
        **kwargs,
    )


class MemberPatchSchema(Schema):
    """The settings to change; the others stay."""

    payout_factor_percent = Percent(
        metadata={"description": "the member's share of the commission, 0 to 100"}
    )
    sales_manager = fields.Boolean(
        metadata={"description": "true: an agent becomes a sales manager; false: back to agent"}
    )
    manager_commission_percent = Percent(allow_none=True)
    can_receive_payouts = fields.Boolean(metadata={"description": "true: a freelancer"})
    can_approve_commissions = fields.Boolean()
    can_set_affiliates = fields.Boolean()
    can_change_affiliates = fields.Boolean()
    payouts_held = fields.Boolean()
    case_types = _keys(metadata={"description": "keys of the team's case types"})
    languages = _keys(metadata={"description": "the team's languages (ISO 639-1)"})
    active = fields.Boolean()


# --- commission settings ----------------------------------------------------------------


class CommissionSettingsSchema(Schema):
    team_share_percent = Percent(
        metadata={"description": "the team's share of each sale's net amount"}
    )
    approval_required = fields.Boolean(
        metadata={"description": "a member with the right approves each commission"}
    )
    share_across_team = fields.Boolean(
        metadata={"description": "a sale's commission is split across the active members"}
    )
    withdrawal_days = fields.Integer(
        strict=True,
        validate=validate.Range(min=0, max=365),
        metadata={"description": "a commission falls due this many days after payment"},
    )
    payout_currencies = fields.List(
        fields.String(validate=validate.Length(min=1, max=10)),
        validate=validate.Length(min=1, max=20),
        metadata={"description": "ISO 4217 codes payouts are made in", "example": ["EUR"]},
    )
    minimum_payout = DecimalText(
        places=2,
        low="0",
        high="1000000",
        example="50.00",
        metadata={"description": "no payout below this amount"},
    )
