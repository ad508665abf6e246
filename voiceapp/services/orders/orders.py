"""Taking a phone order: VAT from the seller's and the buyer's country, each line's
amounts, totals from the lines, the plan's terms copied, a payment code, the
auto-cancel date, and a follow-up case for the agent who sold it.

Input arrives checked for shape by schemas.orders; the rules that need the database (the
contact, the products and their plans, VAT) are checked here, before anything is added,
so a refused order leaves no row behind: no order, no code, no case. The caller commits.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from voiceapp.domain import payment_code
from voiceapp.domain.products import INSTALMENTS, SINGLE, format_amount, instalments_total
from voiceapp.domain.roles import is_manager_or_admin
from voiceapp.domain.vat import InvalidVatId, decide_vat, line_amounts, order_totals
from voiceapp.domain.vat_rates import UnknownCountry
from voiceapp.models import Contact, Order, OrderItem, Product, User
from voiceapp.models.orders import PENDING, PHONE
from voiceapp.services import cases as case_ops
from voiceapp.services.contacts import visible_contact, visible_contacts_filter
from voiceapp.services.orders.auto_cancel import schedule_auto_cancel
from voiceapp.services.orders.history import log_event
from voiceapp.services.orders.products import seller_country
from voiceapp.services.team_settings import get_team_settings

FOLLOW_UP_TYPE = "new_order"
# The agent checks a day later whether the customer has paid.
FOLLOW_UP_AFTER = timedelta(days=1)
CODE_ATTEMPTS = 5
WAIVER_NOTE = (
    "A waiver of the right of withdrawal was sent and ignored: a phone order is a distance "
    "contract, the consumer's 14-day right of withdrawal applies and cannot be waived in "
    "advance (Art. 9 and 25 Directive 2011/83/EU)."
)
BUYER_FIELDS = (
    "email",
    "language",
    "company",
    "salutation",
    "title",
    "first_name",
    "last_name",
    "street",
    "postcode",
    "city",
    "state",
    "country",
    "phone",
    "vat_id",
)
ADDRESS_FIELDS = ("street", "postcode", "city")


class OrderError(ValueError):
    """Input that breaks a rule; `errors` is marshmallow-shaped ({"buyer": {"street": [...]}})."""

    def __init__(self, errors: dict):
        super().__init__(str(errors))
        self.errors = errors


class OrderForbidden(PermissionError):
    """The member may not do this (a 403), e.g. send an affiliate without the right."""


def create_order(
    db: Session,
    data: dict,
    *,
    seller: User,
    now: datetime,
    channel: str = PHONE,
    make_code: Callable[[], str] = payment_code.new_code,
) -> Order:
    """A pending phone order from checked input: `contact_id`, `case_id` (optional),
    `items` ([{"product_id", "quantity"}], the first is the main product), `plan`
    ({"kind", ...fields to pick one of several plans of that kind}), `buyer` (absent
    fields are taken from the contact), `affiliate`, `waive_withdrawal`.

    Raises OrderError (field errors) or OrderForbidden; nothing is added then.
    `make_code` is for tests of a code clash; it must return canonical codes.
    """
    if data.get("affiliate") is not None and not seller.can_set_affiliates:
        raise OrderForbidden("only members who may set affiliates send an affiliate")
    contact = visible_contact(db, seller, data["contact_id"])
    if contact is None:
        raise OrderError({"contact_id": ["no contact with this id"]})
    case = _the_case(db, seller, contact, data.get("case_id"))
    products = _products(db, data["items"])
    main = products[0]
    plan = choose_plan(main, data.get("plan") or {"kind": SINGLE})
    buyer = buyer_with_defaults(data.get("buyer") or {}, contact)
    _check_buyer(buyer, products)
    lines, decision = _priced_lines(db, products, data["items"], buyer, now)
    totals = order_totals(amounts for _product, _quantity, amounts, _rate in lines)

    order = Order(
        number=f"new-{secrets.token_hex(8)}",  # replaced below, once the id is known
        contact_id=contact.id,
        case_id=case.id if case else None,
        seller_id=seller.id,
        status=PENDING,
        currency=main.currency,
        net=totals.net,
        vat=totals.vat,
        total=totals.gross,
        vat_rate=lines[0][3],
        reverse_charge=decision.reverse_charge,
        vat_note=decision.note_in(buyer.get("language") or "en"),
        plan=dict(plan),
        withdrawal_right=True,
        waiver_ignored=bool(data.get("waive_withdrawal")),
        waiver_note=WAIVER_NOTE if data.get("waive_withdrawal") else None,
        auto_cancel_at=now + timedelta(days=get_team_settings(db).order_auto_cancel_days),
        affiliate=data.get("affiliate"),
        channel=channel,
        source=data.get("source"),
        tag=data.get("tag"),
        created_at=now,
        **{f"buyer_{name}": buyer.get(name) for name in BUYER_FIELDS},
    )
    order.buyer_vat_id = decision.vat_id
    for (product, quantity, amounts, rate), item in zip(lines, data["items"], strict=True):
        order.items.append(
            OrderItem(
                product_id=product.id,
                name=product.name,
                unit_price=_unit_price(product, item),
                price_is=product.price_is,
                vat_category=product.vat_category,
                quantity=quantity,
                vat_rate=rate,
                net=amounts.net,
                vat=amounts.vat,
                gross=amounts.gross,
            )
        )
    _insert_with_fresh_code(db, order, make_code)
    order.number = f"PO-{now.year}-{order.id:06d}"
    log_event(db, order, "status", f"taken ({channel}): pending", actor=seller, now=now)
    if order.waiver_ignored:
        log_event(db, order, "note", WAIVER_NOTE, actor=seller, now=now)
    db.flush()
    schedule_auto_cancel(db, order)
    _open_follow_up(db, order, contact, seller, now)
    return order


def _the_case(db: Session, seller: User, contact: Contact, case_id: int | None):
    if case_id is None:
        return None
    case = case_ops.visible_case(db, seller, case_id)
    if case is None or case.contact_id != contact.id:
        raise OrderError({"case_id": ["no case with this id for this contact"]})
    return case


def _products(db: Session, items: list[dict]) -> list[Product]:
    errors: dict = {}
    products = []
    for index, item in enumerate(items):
        product = db.get(Product, item["product_id"])
        if product is None:
            errors[index] = {"product_id": ["no product with this id"]}
        elif not product.active:
            errors[index] = {"product_id": [f"{product.name} is not on sale"]}
        elif product.price is None and item.get("unit_price") is None:
            # An "on request" product is priced per customer: its order comes from a
            # request whose quote was accepted (services.requests.money), never from here.
            errors[index] = {
                "product_id": [f"{product.name} is sold on request: send the customer a quote"]
            }
        products.append(product)
    if errors:
        raise OrderError({"items": errors})
    currencies = {p.currency for p in products}
    if len(currencies) > 1:
        raise OrderError(
            {
                "items": [
                    f"the products are priced in {', '.join(sorted(currencies))}: one order, "
                    "one currency"
                ]
            }
        )
    return products


def choose_plan(product: Product, wanted: dict) -> dict:
    """The product's plan of `wanted["kind"]` whose terms match the other fields given
    (amounts compared as numbers). One of several plans of a kind must be named by its
    terms; a plan the product does not allow is refused, and instalment terms that do
    not add up to the price are told so (not just "not allowed")."""
    if (
        wanted["kind"] == INSTALMENTS
        and product.price is not None
        and {"count", "first_amount", "later_amount"} <= set(wanted)
    ):
        total = instalments_total(wanted)
        if total != product.price:
            raise OrderError(
                {
                    "plan": [
                        f"the instalments add up to {format_amount(total)}, not the price "
                        f"{format_amount(product.price)} of {product.name} "
                        "(first + (count - 1) x later)"
                    ]
                }
            )
    matching = [
        plan
        for plan in product.plans
        if plan["kind"] == wanted["kind"]
        and all(_same(plan.get(name), value) for name, value in wanted.items() if name != "kind")
    ]
    if not matching:
        allowed = ", ".join(sorted({p["kind"] for p in product.plans}))
        raise OrderError(
            {"plan": [f"{product.name} does not allow this plan; it allows: {allowed}"]}
        )
    if len(matching) > 1:
        raise OrderError(
            {
                "plan": [
                    f"{product.name} has {len(matching)} plans of this kind: give their terms "
                    "(count, amounts ...) to choose one"
                ]
            }
        )
    return matching[0]


def _same(stored: object, given: object) -> bool:
    if isinstance(given, Decimal) and stored is not None:
        return Decimal(str(stored)) == given
    return stored == given


def buyer_with_defaults(given: dict, contact: Contact) -> dict:
    """The buyer as given; a field not sent at all comes from the contact (a field sent
    empty stays empty: the agent cleared it)."""
    from_contact = {
        "email": contact.emails[0].email if contact.emails else None,
        # A contact may say "de-AT"; an order keeps the language, ISO 639-1.
        "language": (contact.language or "")[:2].lower() or None,
        "company": contact.company_name,
        "salutation": contact.salutation,
        "title": contact.title,
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "street": contact.street,
        "postcode": contact.postcode,
        "city": contact.city,
        "state": contact.state,
        "country": contact.country,
        "phone": contact.phones[0].number if contact.phones else None,
    }
    buyer = {name: given.get(name, from_contact.get(name)) for name in BUYER_FIELDS}
    return {name: (value or None) for name, value in buyer.items()}


def _check_buyer(buyer: dict, products: list[Product]) -> None:
    errors: dict = {}
    if not buyer.get("country"):
        errors["country"] = ["the buyer's country decides the VAT: required"]
    if not (buyer.get("last_name") or buyer.get("company")):
        errors["last_name"] = ["a last name or a company is required"]
    physical = [p.name for p in products if p.physical]
    if physical:
        for name in ADDRESS_FIELDS:
            if not buyer.get(name):
                errors[name] = [f"required: {physical[0]} is shipped"]
    if errors:
        raise OrderError({"buyer": errors})


def _priced_lines(db, products, items, buyer, now):
    """(product, quantity, LineAmounts, rate) per line and the main line's VAT decision.
    VAT is decided per line because products differ in VAT category."""
    seller = seller_country(db)
    lines, decisions = [], []
    for product, item in zip(products, items, strict=True):
        try:
            decision = decide_vat(
                seller_country=seller,
                buyer_country=buyer["country"],
                buyer_is_business=bool(buyer.get("company") and buyer.get("vat_id")),
                buyer_vat_id=buyer.get("vat_id"),
                category=product.vat_category,
                on=now.date(),
            )
        except InvalidVatId as exc:
            raise OrderError({"buyer": {"vat_id": [str(exc)]}}) from exc
        except UnknownCountry as exc:
            raise OrderError({"buyer": {"country": [str(exc)]}}) from exc
        except ValueError as exc:  # a seller outside the EU: the team's settings
            raise OrderError({"seller_country": [str(exc)]}) from exc
        amounts = line_amounts(
            _unit_price(product, item),
            product.price_is,
            item["quantity"],
            decision.rate,
            product.currency,
            gross_price_rate=decision.gross_price_rate,
        )
        lines.append((product, item["quantity"], amounts, decision.rate))
        decisions.append(decision)
    return lines, decisions[0]


def _unit_price(product: Product, item: dict) -> Decimal:
    """The product's list price, or the price agreed for this customer (an accepted
    quote), which only services pass: the order schemas have no such field."""
    price = item.get("unit_price")
    return product.price if price is None else price


def _insert_with_fresh_code(db: Session, order: Order, make_code: Callable[[], str]) -> None:
    """A code nobody holds. Clashes are rare (40 bits): one is seen before the insert,
    one between two concurrent orders by the unique index (the savepoint is rolled back
    and the insert tried again with a new code)."""
    for _attempt in range(CODE_ATTEMPTS):
        code = make_code()
        if db.scalar(select(Order.id).where(Order.payment_code == code)) is not None:
            continue
        order.payment_code = code
        savepoint = db.begin_nested()
        try:
            db.add(order)
            db.flush()
        except IntegrityError:
            savepoint.rollback()
            continue
        savepoint.commit()
        return
    raise RuntimeError(f"no free payment code after {CODE_ATTEMPTS} attempts")


def _open_follow_up(db: Session, order: Order, contact: Contact, seller: User, now) -> None:
    """The selling agent's "new order" case, linked to the order: they call back if it
    is not paid. Skipped when the team has removed that case type."""
    if FOLLOW_UP_TYPE not in case_ops.case_type_labels(db):
        return
    case_ops.create_case(
        db,
        contact=contact,
        case_type=FOLLOW_UP_TYPE,
        language=order.buyer_language or contact.language or "de",
        actor=seller,
        now=now,
        assignee_id=seller.id,
        due_at=now + FOLLOW_UP_AFTER,
        order_id=order.id,
    )


def visible_order(db: Session, user: User, order_id: int) -> Order | None:
    """The order, when `user` may see it: managers and admins every order; an agent the
    orders they sold and those of contacts they can see (None otherwise: a 404)."""
    order = db.get(Order, order_id)
    if order is None:
        return None
    if is_manager_or_admin(user.role) or order.seller_id == user.id:
        return order
    visible = db.scalar(
        select(Contact.id).where(Contact.id == order.contact_id, visible_contacts_filter(user))
    )
    return order if visible is not None else None


def payment_url(order: Order, base_url: str) -> str | None:
    """PUBLIC_BASE_URL/p/XXXX-XXXX-C: the hyphens read aloud as pauses, and the pay page
    reads the code with or without them."""
    if order.payment_code is None:
        return None
    return f"{base_url.rstrip('/')}/p/{payment_code.format_code(order.payment_code)}"
