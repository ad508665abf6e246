"""/api/orders: take a phone order, read one.

Who reads an order: managers and admins every order; an agent the orders they sold and
those of contacts they can see (services.orders.visible_order); anyone else gets 404."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint, abort

from voiceapp import db
from voiceapp.auth import authenticate_api_request, require_api_user
from voiceapp.db import utcnow
from voiceapp.schemas.orders import OrderCreateSchema, OrderSchema
from voiceapp.services import orders

if TYPE_CHECKING:
    from voiceapp.models import Order

blp = Blueprint("Orders", __name__, url_prefix="/api/orders", description="Phone orders")
blp.before_request(require_api_user)


def _with_url(order: Order) -> Order:
    """The order with its payment_url: PUBLIC_BASE_URL, or this request's host."""
    base = current_app.config["VOICEAPP"].public_base_url or request.host_url
    order.payment_url = orders.payment_url(order, base)
    return order


@blp.route("")
class Orders(MethodView):
    @blp.arguments(OrderCreateSchema)
    @blp.response(201, OrderSchema)
    @blp.alt_response(403, description="`affiliate` sent by a member who may not set one")
    def post(self, data):
        """Take a pending phone order. VAT and the totals are worked out here from the
        products and the buyer's country (never taken from the client); a waiver of the
        right of withdrawal is ignored and recorded. Opens a "new order" follow-up case
        for the seller."""
        user = authenticate_api_request()
        dbs = db.session()
        try:
            order = orders.create_order(dbs, data, seller=user, now=utcnow())
        except orders.OrderError as exc:
            dbs.rollback()
            abort(422, errors={"json": exc.errors})
        except orders.OrderForbidden as exc:
            dbs.rollback()
            abort(403, message=str(exc))
        dbs.commit()
        return _with_url(order)


@blp.route("/<int:order_id>")
class OrderById(MethodView):
    @blp.response(200, OrderSchema)
    def get(self, order_id):
        """The order with its lines (see the module's docstring for who may read it)."""
        order = orders.visible_order(db.session(), authenticate_api_request(), order_id)
        if order is None:
            abort(404, message="order not found")
        return _with_url(order)
