"""Lists of orders: the panel's Orders page and GET /api/orders, and an order's payments.

Who sees which order is services.orders.visible_order's rule, written here as SQL so a
page of a list never holds an order its reader could not open: managers and admins
every order; an agent the orders they sold and those of contacts they can see
(services.contacts.visible_contacts_filter).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, or_, select, true
from sqlalchemy.orm import Session, selectinload

from voiceapp.domain.roles import is_manager_or_admin
from voiceapp.models import Contact, Order, Payment, User
from voiceapp.models.orders import ORDER_STATUSES
from voiceapp.services.contacts import visible_contacts_filter
from voiceapp.services.orders.orders import visible_order

__all__ = [
    "ORDER_STATUSES",
    "find_visible_order",
    "list_orders",
    "order_payments",
    "visible_orders_filter",
]


def visible_orders_filter(user: User) -> ColumnElement[bool]:
    """SQL twin of visible_order (tested against it): a condition on Order that needs
    Contact joined on Order.contact_id (see list_orders)."""
    if is_manager_or_admin(user.role):
        return true()
    return or_(Order.seller_id == user.id, visible_contacts_filter(user))


def list_orders(
    db: Session, user: User, filters: dict, *, page: int, per_page: int
) -> tuple[list[Order], int]:
    """The orders `user` may see, newest first (by id: ids grow with time and are the
    primary key's order, so a page is read from the index), filtered by `status` and
    `contact_id`. Returns the page and the count of all that match."""
    conditions = []
    for name in ("status", "contact_id"):
        if filters.get(name) is not None:
            conditions.append(getattr(Order, name) == filters[name])
    statement = select(Order).where(*conditions)
    if not is_manager_or_admin(user.role):
        statement = statement.join(Contact, Contact.id == Order.contact_id).where(
            visible_orders_filter(user)
        )
    total = db.scalar(select(func.count()).select_from(statement.subquery())) or 0
    items = db.scalars(
        statement.options(selectinload(Order.seller), selectinload(Order.items))
        .order_by(Order.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return list(items), total


def order_payments(db: Session, order: Order) -> list[Payment]:
    """The order's payments and refunds, oldest first."""
    return list(
        db.scalars(select(Payment).where(Payment.order_id == order.id).order_by(Payment.id))
    )


def find_visible_order(db: Session, user: User, text: str) -> Order | None:
    """An order by its id ("123") or its number ("PO-2026-000123", any case, spaces
    around ignored), when `user` may see it; None otherwise."""
    text = (text or "").strip()
    if text.isascii() and text.isdigit() and len(text) <= 10:
        return visible_order(db, user, int(text)) if int(text) < 2**31 else None
    if not text or len(text) > 32:
        return None
    order_id = db.scalar(select(Order.id).where(Order.number == text.upper()))
    return visible_order(db, user, order_id) if order_id is not None else None
