"""Product schemas: the product in JSON, creating and changing one, its payment plans.
The panel's product form loads through the same schemas, so both say the same thing
about bad input. Whether instalments add up to the price is checked by the service
(services.orders.products), which also sees the stored price on a PATCH."""

from __future__ import annotations

from decimal import Decimal

from marshmallow import (
    Schema,
    ValidationError,
    fields,
    post_load,
    pre_load,
    validate,
    validates_schema,
)

from voiceapp.domain.money import is_known_currency, minor_units
from voiceapp.domain.products import (
    INSTALMENTS,
    INTERVAL_UNITS,
    MAX_INSTALMENTS,
    MAX_INTERVAL,
    MAX_OFFSET_DAYS,
    MIN_INSTALMENTS,
    PLAN_KINDS,
    PRICE_BASES,
    SINGLE,
    SUBSCRIPTION,
    VAT_CATEGORIES,
    AmountError,
    describe_plan,
    format_amount,
    parse_amount,
)


def _known_currency(code: str) -> None:
    """An ISO 4217 code some country uses today (babel's data), with cents at most: the
    price column keeps two decimals, so a currency with three (BHD, KWD) is refused."""
    if not is_known_currency(code):
        raise ValidationError("use the ISO 4217 code of a currency in use, e.g. EUR")
    if minor_units(code) > 2:
        raise ValidationError(f"{code} has {minor_units(code)} decimals; prices keep two")


class Money(fields.Field):
    """An amount as a string with at most two decimals ("49.90"); a Decimal inside."""

    def __init__(self, **kwargs):
        metadata = {"type": "string", "example": "49.90", **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> Decimal:
        try:
            return parse_amount(value)
        except AmountError as exc:
            raise ValidationError(str(exc)) from exc

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else format_amount(Decimal(value))


def _days(**kwargs) -> fields.Integer:
    return fields.Integer(validate=validate.Range(min=0, max=MAX_OFFSET_DAYS), **kwargs)


PLAN_FIELDS = {
    SINGLE: set(),
    INSTALMENTS: {
        "count",
        "first_amount",
        "first_due_days",
        "later_amount",
        "later_start_days",
        "interval",
        "interval_unit",
    },
    SUBSCRIPTION: {"amount", "interval", "interval_unit", "start_days"},
}
REQUIRED = {
    SINGLE: set(),
    INSTALMENTS: {"count", "first_amount", "later_amount", "interval_unit"},
    SUBSCRIPTION: {"amount", "interval_unit"},
}
DEFAULTS = {
    SINGLE: {},
    INSTALMENTS: {"first_due_days": 0, "later_start_days": None, "interval": 1},
    SUBSCRIPTION: {"interval": 1, "start_days": 0},
}


class PlanSchema(Schema):
    """One payment plan. `kind` says which other fields belong: instalments take
    count (payments in all), first_amount, first_due_days (0), later_amount,
    later_start_days (null: one interval after the first), interval (1) and
    interval_unit; a subscription takes amount, interval (1), interval_unit, start_days
    (0). Instalments must add up to the product's price: first + (count - 1) x later."""

    kind = fields.String(required=True, validate=validate.OneOf(PLAN_KINDS))
    count = fields.Integer(validate=validate.Range(min=MIN_INSTALMENTS, max=MAX_INSTALMENTS))
    first_amount = Money()
    first_due_days = _days()
    later_amount = Money()
    later_start_days = _days(allow_none=True)
    interval = fields.Integer(validate=validate.Range(min=1, max=MAX_INTERVAL))
    interval_unit = fields.String(validate=validate.OneOf(INTERVAL_UNITS))
    amount = Money()
    start_days = _days()
    description = fields.Function(describe_plan, dump_only=True)

    @validates_schema
    def _fields_of_its_kind(self, data, **_kwargs):
        kind = data.get("kind")
        if kind not in PLAN_KINDS:
            return
        errors = {}
        for name in REQUIRED[kind] - data.keys():
            errors[name] = [f"required for a plan of kind {kind}"]
        for name in data.keys() - PLAN_FIELDS[kind] - {"kind"}:
            errors[name] = [f"not a field of a plan of kind {kind}"]
        later, first = data.get("later_start_days"), data.get("first_due_days", 0)
        if kind == INSTALMENTS and later is not None and later <= first:
            errors["later_start_days"] = ["must be after the first payment's day"]
        if errors:
            raise ValidationError(errors)

    @post_load
    def _stored_form(self, data, **_kwargs) -> dict:
        """The dict stored on the product: every field of its kind, amounts as strings."""
        plan = {"kind": data["kind"], **DEFAULTS[data["kind"]], **data}
        for name in ("first_amount", "later_amount", "amount"):
            if name in plan:
                plan[name] = format_amount(plan[name])
        return plan


class ProductInputSchema(Schema):
    """POST /api/products (and, every field optional, PATCH)."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    price = Money(
        allow_none=True,
        metadata={"description": "the list price; required unless on_request (then null)"},
    )
    on_request = fields.Boolean(
        load_default=False,
        metadata={
            "description": "priced per customer by a quote (no list price); its orders come "
            "from requests whose quote was accepted"
        },
    )
    price_is = fields.String(required=True, validate=validate.OneOf(PRICE_BASES))
    currency = fields.String(required=True, validate=_known_currency)
    vat_category = fields.String(load_default="standard", validate=validate.OneOf(VAT_CATEGORIES))
    physical = fields.Boolean(load_default=False)
    active = fields.Boolean(load_default=True)
    plans = fields.List(
        fields.Nested(PlanSchema),
        load_default=lambda: [{"kind": SINGLE}],
        metadata={"description": 'the payment plans allowed; default [{"kind": "single"}]'},
    )

    @validates_schema
    def _price_unless_on_request(self, data, partial=None, **_kwargs):
        """A list price, or "on request" and none. A PATCH may leave both out."""
        on_request, price = data.get("on_request"), data.get("price")
        if on_request and price is not None:
            raise ValidationError("an on-request product has no list price", field_name="price")
        if not partial and not on_request and price is None:
            raise ValidationError("required unless the product is on request", "price")
        if partial and on_request is False and "price" in data and price is None:
            raise ValidationError("required unless the product is on request", "price")

    @validates_schema
    def _price_fits_its_currency(self, data, **_kwargs):
        """A yen price has no cents: "49.90 JPY" is not a price anyone can pay."""
        currency, price = data.get("currency"), data.get("price")
        if not isinstance(currency, str) or price is None or not is_known_currency(currency):
            return
        places = minor_units(currency)
        if -price.as_tuple().exponent > places and price != round(price, places):
            raise ValidationError(f"{currency} amounts have {places} decimals", field_name="price")

    @pre_load
    def _clean(self, data, **_kwargs):
        if not isinstance(data, dict):
            return data
        data = dict(data)
        if isinstance(data.get("name"), str):
            data["name"] = data["name"].strip()
        if isinstance(data.get("currency"), str):
            data["currency"] = data["currency"].strip().upper()
        return data


class ProductPatchSchema(ProductInputSchema):
    """PATCH /api/products/<id>: the given fields change; `plans` replaces the list;
    `"active": false` switches the product off (products are never deleted)."""

    def __init__(self, **kwargs):
        # Partial at the top only: absent fields keep their stored values (no
        # load_default applies), but a plan that is sent must be whole (partial=True
        # would reach into the nested plans and let a plan without its kind through).
        super().__init__(partial=tuple(ProductInputSchema._declared_fields), **kwargs)


class ProductSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    price = Money(allow_none=True)
    on_request = fields.Boolean()
    price_is = fields.String()
    currency = fields.String()
    vat_category = fields.String()
    physical = fields.Boolean()
    active = fields.Boolean()
    plans = fields.List(fields.Nested(PlanSchema))
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class ProductListArgsSchema(Schema):
    active = fields.Boolean(
        load_default=False, metadata={"description": "true: only products on sale"}
    )


class ProductListSchema(Schema):
    items = fields.List(fields.Nested(ProductSchema), required=True)
    total = fields.Integer(required=True)
