"""Order schemas: taking a phone order (POST /api/orders) and the order in JSON.

Amounts go out as strings with two decimals. Totals are never read from the client: the
input schema knows no "net", "vat" or "gross" and refuses them as unknown fields."""

from __future__ import annotations

from marshmallow import Schema, fields, pre_load, validate

from voiceapp.domain.payment_code import format_code
from voiceapp.domain.products import PLAN_KINDS
from voiceapp.schemas.fields import CountryCode, Id, PhoneNumber
from voiceapp.schemas.products import Money, PlanSchema

MAX_ITEMS = 20
MAX_QUANTITY = 1000


class WholeNumber(fields.Integer):
    """A JSON integer: 2.0, "2" and true are refused (a quantity is counted, not measured)."""

    def __init__(self, **kwargs):
        super().__init__(strict=True, **kwargs)

    def _validated(self, value):
        if isinstance(value, bool):
            raise self.make_error("invalid")
        return super()._validated(value)


def _text(max_length: int) -> fields.String:
    return fields.String(allow_none=True, validate=validate.Length(max=max_length))


class BuyerSchema(Schema):
    """The buyer as the agent takes it; a field not sent comes from the contact."""

    email = fields.Email(allow_none=True, validate=validate.Length(max=254))
    language = fields.String(
        allow_none=True,
        validate=validate.Regexp(r"^[a-z]{2}$", error="use a two-letter ISO 639-1 code, e.g. de"),
    )
    company = _text(200)
    salutation = _text(20)
    title = _text(50)
    first_name = _text(100)
    last_name = _text(100)
    street = _text(200)
    postcode = _text(20)
    city = _text(100)
    state = _text(100)
    country = CountryCode(allow_none=True)
    phone = PhoneNumber(allow_none=True)
    vat_id = _text(32)

    @pre_load
    def _clean(self, data, **_kwargs):
        if not isinstance(data, dict):
            return data
        cleaned = {}
        for name, value in data.items():
            cleaned[name] = value.strip() if isinstance(value, str) else value
        if isinstance(cleaned.get("language"), str):
            cleaned["language"] = cleaned["language"].lower()
        return cleaned


class OrderItemInputSchema(Schema):
    product_id = Id(required=True)
    quantity = WholeNumber(load_default=1, validate=validate.Range(min=1, max=MAX_QUANTITY))


class OrderPlanInputSchema(Schema):
    """Which of the main product's plans: its `kind`, and where the product allows
    several of a kind, their terms (count, amounts ...) to tell them apart."""

    kind = fields.String(required=True, validate=validate.OneOf(PLAN_KINDS))
    count = fields.Integer(strict=True)
    first_amount = Money()
    first_due_days = fields.Integer(strict=True)
    later_amount = Money()
    later_start_days = fields.Integer(strict=True, allow_none=True)
    interval = fields.Integer(strict=True)
    interval_unit = fields.String()
    amount = Money()
    start_days = fields.Integer(strict=True)


class OrderCreateSchema(Schema):
    """POST /api/orders. The first item is the main product (its plans are offered);
    more items are cross-sold with it."""

    contact_id = Id(required=True)
    case_id = Id(allow_none=True)
    items = fields.List(
        fields.Nested(OrderItemInputSchema),
        required=True,
        validate=validate.Length(min=1, max=MAX_ITEMS),
    )
    plan = fields.Nested(OrderPlanInputSchema, load_default=lambda: {"kind": "single"})
    buyer = fields.Nested(BuyerSchema, load_default=dict)
    affiliate = fields.String(
        allow_none=True,
        validate=validate.Length(min=1, max=100),
        metadata={"description": "only members who may set affiliates (403 otherwise)"},
    )
    waive_withdrawal = fields.Boolean(
        load_default=False,
        metadata={
            "description": "ignored: the 14-day right of withdrawal always applies; "
            "the order records that a waiver was sent"
        },
    )


def _code(order) -> str | None:
    return format_code(order.payment_code) if order.payment_code else None


class OrderItemSchema(Schema):
    id = fields.Integer()
    product_id = fields.Integer()
    name = fields.String()
    unit_price = Money()
    price_is = fields.String()
    quantity = fields.Integer()
    vat_rate = fields.Decimal(as_string=True, places=2)
    net = Money()
    vat = Money()
    gross = Money()


class BuyerOutSchema(BuyerSchema):
    phone = fields.String(allow_none=True)


class OrderSchema(Schema):
    id = fields.Integer()
    number = fields.String()
    status = fields.String()
    contact_id = fields.Integer()
    case_id = fields.Integer(allow_none=True)
    seller_id = fields.Integer(allow_none=True)
    currency = fields.String()
    net = Money()
    vat = Money()
    gross = Money()
    vat_rate = fields.Decimal(as_string=True, places=2, metadata={"description": "percent"})
    reverse_charge = fields.Boolean()
    vat_note = fields.String(allow_none=True)
    buyer = fields.Method("_buyer")
    plan = fields.Nested(PlanSchema)
    items = fields.List(fields.Nested(OrderItemSchema))
    withdrawal_right = fields.Boolean()
    waiver_ignored = fields.Boolean()
    waiver_note = fields.String(allow_none=True)
    payment_code = fields.Function(_code, metadata={"description": "XXXX-XXXX-C"})
    payment_url = fields.String(allow_none=True)
    auto_cancel_at = fields.AwareDateTime(allow_none=True)
    affiliate = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()

    def _buyer(self, order) -> dict:
        return {name: getattr(order, f"buyer_{name}") for name in BuyerSchema._declared_fields}
