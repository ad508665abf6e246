"""Demo products and phone orders, so that a fresh demo shows the money side: an unpaid
order (yellow, its follow-up case in Call today), a paid one, and an instalment order whose
second instalment is overdue (a payment-reminder case opened by the instalment job), and a
subscription. Taken through the services, as an agent would take them on the phone.
Added once (only when there are no orders yet)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from voiceapp.domain.cases import calling_window
from voiceapp.domain.contacts import PRIVATE
from voiceapp.models import Case, Commission, Contact, Order, Product, User
from voiceapp.services.cases import OutcomeInput, record_outcome, schedule_reminder
from voiceapp.services.commissions import approval
from voiceapp.services.orders import create_order, create_product
from voiceapp.services.orders.instalments import remind_order
from voiceapp.services.orders.payments import due_now, record_payment
from voiceapp.services.team_settings import get_team_settings

DEMO_PRODUCTS = [
    {
        "name": "Sales masterclass (online)",
        "price": Decimal("199.00"),
        "price_is": "gross",
        "currency": "EUR",
        "vat_category": "electronic_service",
        "physical": False,
        "plans": [
            {"kind": "single"},
            {
                "kind": "instalments",
                "count": 3,
                "first_amount": "67.00",
                "first_due_days": 0,
                "later_amount": "66.00",
                "later_start_days": None,
                "interval": 1,
                "interval_unit": "month",
            },
        ],
    },
    {
        "name": "Headset Pro",
        "price": Decimal("89.00"),
        "price_is": "gross",
        "currency": "EUR",
        "vat_category": "standard",
        "physical": True,
        "plans": [{"kind": "single"}],
    },
    {
        "name": "Coaching club",
        "price": Decimal("49.00"),
        "price_is": "gross",
        "currency": "EUR",
        "vat_category": "electronic_service",
        "physical": False,
        "plans": [
            {
                "kind": "subscription",
                "amount": "49.00",
                "interval": 1,
                "interval_unit": "month",
                "start_days": 0,
            }
        ],
    },
]


def seed_orders(db: Session, seller: User, now: datetime) -> dict[str, int]:
    """Products and four orders by `seller` for German customers they may see. Returns
    what was added (and how many cases the orders opened)."""
    added = {"products": 0, "orders": 0, "cases": 0}
    if db.scalar(select(func.count()).select_from(Order)):
        return added
    products = {}
    for data in DEMO_PRODUCTS:
        product = db.scalar(select(Product).where(Product.name == data["name"]))
        if product is None:
            product = create_product(db, data, now=now)
            added["products"] += 1
        products[data["name"]] = product
    customers = _customers(db, seller)
    if len(customers) < 4:
        return added
    cases_before = db.scalar(select(func.count()).select_from(Case))
    course, headset, club = (products[p["name"]] for p in DEMO_PRODUCTS)

    # Taken this morning, not paid yet: yellow on the order page, its follow-up tomorrow.
    _take(db, seller, customers[0], course, {"kind": "single"}, now - timedelta(hours=2))
    # A headset, paid by bank transfer.
    paid = _take(db, seller, customers[1], headset, {"kind": "single"}, now - timedelta(days=3))
    _pay(db, paid, "bank_transfer", now - timedelta(days=2), seller)
    # Three instalments, the first paid when ordered, the second overdue since last week.
    taken = now - timedelta(days=40)
    instalments = _take(db, seller, customers[2], course, {"kind": "instalments"}, taken)
    _pay(db, instalments, "demo", taken + timedelta(minutes=10), None)
    _close_follow_up(db, instalments, seller, taken + timedelta(days=1))
    remind_order(db, instalments.id, now=now)
    # A monthly subscription, running.
    club_order = _take(db, seller, customers[3], club, {"kind": "subscription"}, taken)
    _pay(db, club_order, "demo", taken + timedelta(minutes=5), None)
    _pay_amount(db, club_order, Decimal("49.00"), "demo", taken + timedelta(days=30))
    _close_follow_up(db, club_order, seller, taken + timedelta(days=1))

    _approve_the_earned(db, now - timedelta(days=20))

    added["orders"] = 4
    added["cases"] = db.scalar(select(func.count()).select_from(Case)) - cases_before
    _move_into_calling_window(db, now)
    return added


def _customers(db: Session, seller: User) -> list[Contact]:
    return list(
        db.scalars(
            select(Contact)
            .where(
                Contact.kind == "person",
                Contact.country == "DE",
                (Contact.owner_id == seller.id) | (Contact.visibility != PRIVATE),
            )
            .order_by(Contact.id)
            .limit(4)
        )
    )


def _take(db, seller, contact, product, plan, when) -> Order:
    return create_order(
        db,
        {
            "contact_id": contact.id,
            "items": [{"product_id": product.id, "quantity": 1}],
            "plan": plan,
        },
        seller=seller,
        now=when,
    )


def _pay(db, order, method, when, actor) -> None:
    _pay_amount(db, order, due_now(db, order), method, when, actor=actor)


def _pay_amount(db, order, amount, method, when, actor=None) -> None:
    record_payment(
        db,
        order.id,
        amount=amount,
        method=method,
        now=when,
        actor=actor,
        reference=order.number if method == "bank_transfer" else None,
        provider_ref=f"demo-{order.id}-{when.timestamp():.0f}" if method == "demo" else None,
    )


def _close_follow_up(db, order, seller, when) -> None:
    """The agent called back a day later and heard it was paid (the order is)."""
    case = db.scalar(select(Case).where(Case.order_id == order.id, Case.status == "open"))
    if case is not None:
        record_outcome(db, case, seller, OutcomeInput(outcome="already_paid"), now=when)


def _move_into_calling_window(db: Session, now: datetime) -> None:
    """Open order cases due when the scheduler would have put them: inside the calling
    window in the customer's time (the demo's cases are, see demo_cases)."""
    from voiceapp.demo_cases import _inside_window
    from voiceapp.services.cases.history import team_zone

    settings = get_team_settings(db)
    window = calling_window(
        settings.calling_window_opens, settings.calling_window_closes, settings.calling_days
    )
    zone = team_zone(db)
    for case in db.scalars(select(Case).where(Case.order_id.is_not(None), Case.status == "open")):
        due = _inside_window(case.due_at, now, case.contact.timezone or zone, window)
        if due != case.due_at:
            case.due_at = due
            schedule_reminder(db, case)


def _approve_the_earned(db: Session, when: datetime) -> None:
    """The admin approved the commissions earned weeks ago (the instalment and the
    subscription), so Payouts has something due to pay; this week's wait for approval."""
    admin = db.scalar(select(User).where(User.role == "admin").order_by(User.id))
    if admin is None:
        return
    earlier = list(
        db.scalars(
            select(Commission.id).where(Commission.earned_at < when, Commission.user_id != admin.id)
        )
    )
    if earlier:
        approval.decide(db, admin, earlier, "approve", now=when)
