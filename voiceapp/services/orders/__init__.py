"""Phone orders: the products sold and the plans they allow (`products`), the seller's
country; the orders taken on the phone (`orders`).

Money and the order page: `payments` (payments, refunds, the schedule and the figures),
`actions` (confirm, cancel, delete, auto-cancel date, customer notes), `history`,
`manual_payments` (money a manager records by hand), `page` (what the order page shows,
and its forms' own checks). Lists: `listing`. The customer's pay page: `pay_page`; card
payments: `stripe_checkout`.

The blueprints use the operations re-exported here, and the submodules above by name.
Imports: models, domain, other services; never web, api, webhooks or workers.
"""

from __future__ import annotations

from voiceapp.services.orders.orders import (
    OrderError,
    OrderForbidden,
    create_order,
    payment_url,
    visible_order,
)
from voiceapp.services.orders.products import (
    ProductError,
    auto_cancel_days,
    create_product,
    get_product,
    list_products,
    seller_country,
    set_auto_cancel_days,
    set_seller_country,
    update_product,
)

__all__ = [
    "OrderError",
    "OrderForbidden",
    "ProductError",
    "auto_cancel_days",
    "create_order",
    "create_product",
    "get_product",
    "list_products",
    "payment_url",
    "seller_country",
    "set_auto_cancel_days",
    "set_seller_country",
    "update_product",
    "visible_order",
]
