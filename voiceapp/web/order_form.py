"""The panel's order form: its fields as OrderCreateSchema's input (so the panel and the
API say the same things about bad input), the errors back onto the fields, and the
values it starts with (from the case's contact, or copied from an earlier order).

Field names: `main_product`, `main_quantity`, `plan` ("<product id>:<index of the
plan>"), `extra-N-product` / `extra-N-quantity` for the products sold with it, the
buyer's fields under their own names (email, first_name ...), `source`, `tag`,
`affiliate`, `waive_withdrawal`, and the hidden `contact_id` and `case_id`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from voiceapp.domain.products import plan_key
from voiceapp.schemas.orders import OrderCreateSchema
from voiceapp.services.orders.orders import BUYER_FIELDS, buyer_with_defaults
from voiceapp.web.forms import flatten_errors

if TYPE_CHECKING:
    from voiceapp.models import Contact, Order, Product, User

# Rows for products sold with the main one; an order copied with more lines gets more.
EXTRA_ROWS = 3
TEXT_FIELDS = ("source", "tag", "affiliate")
_EXTRA_FIELD = re.compile(r"extra-(\d{1,2})-product")


def plan_value(product: Product, index: int) -> str:
    return f"{product.id}:{index}"


def _whole(text: str | None) -> int | str:
    """A typed id or count as an int; anything else unchanged, for the schema to refuse."""
    text = (text or "").strip()
    return int(text) if text.isascii() and text.isdigit() else text


def _quantity(text: str | None) -> int | str:
    """A quantity left empty is one."""
    return _whole(text) if (text or "").strip() else 1


def _extra_rows(form: MultiDict) -> list[int]:
    """The numbers of the extra rows the form sent, in order."""
    found = (_EXTRA_FIELD.fullmatch(name) for name in form)
    return sorted({int(match.group(1)) for match in found if match})


def _chosen_plan(form: MultiDict, main: Product | None) -> tuple[dict | None, str | None]:
    """The main product's plan the form names, or the message saying why not."""
    if main is None:
        return None, None
    product_id, _, index = (form.get("plan") or "").partition(":")
    index = _whole(index)
    if product_id != str(main.id) or not isinstance(index, int) or index >= len(main.plans):
        return None, f"choose one of the payment plans of {main.name}"
    return dict(main.plans[index]), None


def form_to_input(
    form: MultiDict, products: dict[int, Product]
) -> tuple[dict | None, dict[str, list[str]], list[int]]:
    """(checked input for create_order, errors by form field, the extra row of each
    further item). Input is None when there are errors."""
    errors: dict[str, list[str]] = {}
    main_id = _whole(form.get("main_product", ""))
    main = products.get(main_id) if isinstance(main_id, int) else None
    if main is None:
        errors["main_product"] = ["choose the main product (one on sale)"]
    items = [{"product_id": main_id or None, "quantity": _quantity(form.get("main_quantity"))}]
    rows = []
    for row in _extra_rows(form):
        product_id = _whole(form.get(f"extra-{row}-product", ""))
        if product_id == "":
            continue
        items.append(
            {"product_id": product_id, "quantity": _quantity(form.get(f"extra-{row}-quantity"))}
        )
        rows.append(row)
    raw: dict = {
        "contact_id": _whole(form.get("contact_id", "")),
        "items": items,
        "buyer": {name: (form.get(name) or "").strip() or None for name in BUYER_FIELDS},
        "waive_withdrawal": bool(form.get("waive_withdrawal")),
    }
    case_id = _whole(form.get("case_id", ""))
    if case_id != "":
        raw["case_id"] = case_id
    plan, problem = _chosen_plan(form, main)
    if plan is not None:
        raw["plan"] = plan
    elif problem:
        errors["plan"] = [problem]
    for name in TEXT_FIELDS:
        if (form.get(name) or "").strip():
            raw[name] = form[name].strip()
    try:
        data = OrderCreateSchema().load(raw)
    except ValidationError as exc:
        # The form's own messages first: "choose the main product" says more than the
        # schema's "Field may not be null".
        return None, {**field_errors(exc.messages, rows), **errors}, rows
    return (None if errors else data), errors, rows


def field_errors(messages: dict, rows: list[int]) -> dict[str, list[str]]:
    """marshmallow's (or create_order's) nested errors by the form's field names:
    buyer.email -> email, items.0.* -> main_product / main_quantity, items.K.* -> the
    extra row of the K-th further item, plan.* -> plan. Errors of no field (contact_id,
    case_id, seller_country ...) keep their names; the page lists them on top."""
    named: dict[str, list[str]] = {}
    for key, texts in flatten_errors(messages).items():
        named.setdefault(_field_name(key, rows), []).extend(texts)
    return named


def _field_name(key: str, rows: list[int]) -> str:
    parts = key.split(".")
    if parts[0] == "buyer" and len(parts) > 1:
        return parts[1]
    if parts[0] == "plan":
        return "plan"
    if parts[0] == "items" and len(parts) > 1 and parts[1].isdigit():
        index = int(parts[1])
        what = "quantity" if parts[-1] == "quantity" else "product"
        if index == 0:
            return f"main_{what}"
        if index - 1 < len(rows):
            return f"extra-{rows[index - 1]}-{what}"
    return parts[0]


# --- the values the form starts with ------------------------------------------------------


def blank_values(contact: Contact, *, case_id: int | None, language: str | None) -> dict:
    """A new order for the contact: the buyer from the contact (the language the case is
    held in, when there is a case), one of the first product."""
    buyer = buyer_with_defaults({}, contact)
    if language:
        buyer["language"] = language[:2].lower()
    return {
        **{name: value or "" for name, value in buyer.items()},
        "contact_id": contact.id,
        "case_id": case_id or "",
        "main_quantity": 1,
    }


def values_from_order(
    order: Order, products: dict[int, Product], user: User, *, case_id: int | None
) -> tuple[dict, list[str]]:
    """The form filled from an earlier order: its buyer, its lines (the first as the
    main product, with its plan where the product still offers it), source and tag;
    its affiliate for a member who may set one. And the lines that could not be copied
    (a product no longer on sale)."""
    values: dict = {name: getattr(order, f"buyer_{name}") or "" for name in BUYER_FIELDS}
    values.update(
        contact_id=order.contact_id,
        case_id=case_id or "",
        source=order.source or "",
        tag=order.tag or "",
    )
    if user.can_set_affiliates and order.affiliate:
        values["affiliate"] = order.affiliate
    on_sale = [line for line in order.items if line.product_id in products]
    left_out = [line.name for line in order.items if line.product_id not in products]
    if on_sale:
        main_line, *extra_lines = on_sale
        main = products[main_line.product_id]
        values["main_product"] = main.id
        values["main_quantity"] = main_line.quantity
        for index, plan in enumerate(main.plans):
            if plan_key(plan) == plan_key(order.plan):
                values["plan"] = plan_value(main, index)
        for row, line in enumerate(extra_lines):
            values[f"extra-{row}-product"] = line.product_id
            values[f"extra-{row}-quantity"] = line.quantity
    return values, left_out


def row_count(values: dict) -> int:
    """Rows for further products: at least EXTRA_ROWS, and one per copied line."""
    used = [int(m.group(1)) for m in map(_EXTRA_FIELD.fullmatch, values) if m]
    return max([EXTRA_ROWS, *(n + 1 for n in used)])
