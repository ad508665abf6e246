"""/api/products: every member reads the products (agents sell them); admins create and
change them. Products are never deleted: `PATCH {"active": false}` switches one off."""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING

from flask import request
from flask.views import MethodView
from flask_smorest import abort

from voiceapp import db
from voiceapp.api.blueprint import Blueprint
from voiceapp.auth import authenticate_api_request, require_api_user
from voiceapp.db import utcnow
from voiceapp.domain.roles import ADMIN
from voiceapp.schemas.products import (
    ProductInputSchema,
    ProductListArgsSchema,
    ProductListSchema,
    ProductPatchSchema,
    ProductSchema,
)
from voiceapp.services import orders

if TYPE_CHECKING:
    from voiceapp.models import Product

blp = Blueprint("Products", __name__, url_prefix="/api/products", description="Products")
blp.before_request(require_api_user)


@blp.before_request
def writes_are_for_admins() -> None:
    """Checked before the body is parsed, so a member who may not write learns nothing
    from a 422 either."""
    if (
        request.method not in ("GET", "HEAD", "OPTIONS")
        and authenticate_api_request().role != ADMIN
    ):
        abort(403, message="only admins manage products")


@contextmanager
def product_errors():
    """A broken rule answers 422 in marshmallow's shape; nothing is stored."""
    try:
        yield
    except orders.ProductError as exc:
        db.session().rollback()
        abort(422, errors={"json": exc.errors})


def load_product(product_id: int) -> Product:
    product = orders.get_product(db.session(), product_id)
    if product is None:
        abort(404, message="product not found")
    return product


@blp.route("")
class Products(MethodView):
    @blp.arguments(ProductListArgsSchema, location="query")
    @blp.response(200, ProductListSchema)
    def get(self, args):
        """All products, those on sale first (`active=true`: only those)."""
        items = orders.list_products(db.session(), active_only=args["active"])
        return {"items": items, "total": len(items)}

    @blp.arguments(ProductInputSchema)
    @blp.response(201, ProductSchema)
    @blp.alt_response(403, description="Only admins manage products")
    def post(self, data):
        """Create a product (admins). `price` is a string ("49.90"); instalment plans
        must add up to it. An `on_request` product has no price (null): each customer
        gets a quote, and it is sold from their request, never on the order form."""
        dbs = db.session()
        with product_errors():
            product = orders.create_product(dbs, data, now=utcnow())
        dbs.commit()
        return product


@blp.route("/<int:product_id>")
class ProductById(MethodView):
    @blp.response(200, ProductSchema)
    def get(self, product_id):
        return load_product(product_id)

    @blp.arguments(ProductPatchSchema)
    @blp.response(200, ProductSchema)
    @blp.alt_response(403, description="Only admins manage products")
    def patch(self, data, product_id):
        """Change the given fields (admins); `plans` replaces the list."""
        product = load_product(product_id)
        dbs = db.session()
        with product_errors():
            orders.update_product(dbs, product, data, now=utcnow())
        dbs.commit()
        return product
