"""Order schemas: taking a phone order (POST /api/orders, and the panel's order form,
which loads its input through OrderCreateSchema so both say the same about bad input),
the order in JSON, lists of orders, and payments recorded by hand.

Amounts go out as strings with two decimals. Totals are never read from the client: the
input schema knows no "net", "vat" or "gross" and refuses them as unknown fields."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, pre_load, validate

from voiceapp.domain.payment_code import format_code
from voiceapp.domain.products import PLAN_KINDS
from voiceapp.models.orders import BANK_TRANSFER, MANUAL, ORDER_STATUSES, PAYMENT_METHODS
from voiceapp.schemas.contacts import PageArgsSchema, PageSchema
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


def _text(max_length: int, **kwargs) -> fields.String:
    return fields.String(allow_none=True, validate=validate.Length(max=max_length), **kwargs)


class _Label(fields.String):
    """A short free text (source, tag, a reference): trimmed, and empty means none."""

    def __init__(self, max_length: int, **kwargs):
        metadata = {"maxLength": max_length, **kwargs.pop("metadata", {})}
        super().__init__(allow_none=True, metadata=metadata, **kwargs)
        self.max_length = max_length

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        if len(text) > self.max_length:
            raise ValidationError(f"at most {self.max_length} characters")
        return text or None


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
    source = _Label(
        100,
        metadata={"description": "where the customer came from (a campaign, a list)"},
    )
    tag = _Label(50, metadata={"description": "a free tag"})


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
    channel = fields.String(metadata={"description": "phone (taken in the panel) or api"})
    source = fields.String(allow_none=True)
    tag = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()
    paid_at = fields.AwareDateTime(
        allow_none=True, metadata={"description": "when what was due now was received"}
    )
    cancelled_at = fields.AwareDateTime(allow_none=True)
    cancel_reason = fields.String(allow_none=True)

    def _buyer(self, order) -> dict:
        return {name: getattr(order, f"buyer_{name}") for name in BuyerSchema._declared_fields}


class OrderListArgsSchema(PageArgsSchema):
    status = fields.String(validate=validate.OneOf(ORDER_STATUSES))
    contact_id = Id()


class OrderPageSchema(PageSchema):
    items = fields.List(fields.Nested(OrderSchema))


class PaymentSchema(Schema):
    id = fields.Integer()
    order_id = fields.Integer()
    kind = fields.String(metadata={"description": "payment (in) or refund (out)"})
    method = fields.String(metadata={"description": ", ".join(PAYMENT_METHODS)})
    status = fields.String(
        metadata={"description": "succeeded; a SEPA debit is pending until collected"}
    )
    amount = Money()
    currency = fields.String()
    reference = fields.String(allow_none=True)
    recorded_by_id = fields.Integer(allow_none=True)
    created_at = fields.AwareDateTime()


class PaymentListSchema(Schema):
    items = fields.List(fields.Nested(PaymentSchema))
    total = fields.Integer()


class PaymentCreateSchema(Schema):
    """POST /api/orders/<id>/payments: money a manager saw arrive."""

    amount = Money(
        required=True,
        metadata={"description": "at most what is still outstanding on the order"},
    )
    method = fields.String(required=True, validate=validate.OneOf((BANK_TRANSFER, MANUAL)))
    reference = _Label(
        200,
        metadata={"description": "the transfer's reference, a receipt number ..."},
    )


class PaymentRecordedSchema(PaymentSchema):
    """The payment, and where it leaves the order."""

    order_status = fields.String(metadata={"description": "pending, paid ..."})
    outstanding = Money(metadata={"description": "what is still to be paid on the order"})
