"""Phone orders: the products sold and the plans they allow (`products`), the seller's
country; the orders themselves join here.

The blueprints use the operations re-exported here. Imports: models, domain, other
services; never web, api, webhooks or workers.
"""

from __future__ import annotations

from voiceapp.services.orders.products import (
    ProductError,
    create_product,
    get_product,
    list_products,
    seller_country,
    set_seller_country,
    update_product,
)

__all__ = [
    "ProductError",
    "create_product",
    "get_product",
    "list_products",
    "seller_country",
    "set_seller_country",
    "update_product",
]
