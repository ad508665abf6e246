"""/api/orders: take a phone order, list and read orders, and the money on one (payments
recorded by hand, and the list of its payments and refunds).

Who reads an order: managers and admins every order; an agent the orders they sold and
those of contacts they can see (services.orders.visible_order, and its SQL twin for
lists); anyone else gets 404. Only managers and admins record payments by hand."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import abort

from voiceapp import db
from voiceapp.api.blueprint import Blueprint
from voiceapp.auth import authenticate_api_request, require_api_user
from voiceapp.db import utcnow
from voiceapp.domain.roles import is_manager_or_admin
from voiceapp.schemas.orders import (
    OrderCreateSchema,
    OrderListArgsSchema,
    OrderPageSchema,
    OrderSchema,
    PaymentCreateSchema,
    PaymentListSchema,
    PaymentRecordedSchema,
)
from voiceapp.services import orders
from voiceapp.services.orders import listing, manual_payments
from voiceapp.services.orders.payments import PaymentError

if TYPE_CHECKING:
    from voiceapp.models import Order

blp = Blueprint("Orders", __name__, url_prefix="/api/orders", description="Phone orders")
blp.before_request(require_api_user)
# An order taken through the API says so (the panel's are "phone").
API_CHANNEL = "api"


@blp.before_request
def hand_payments_are_for_managers() -> None:
    """Checked before the body is parsed, so an agent learns nothing from a 422 either."""
    if (
        request.endpoint == "Orders.OrderPayments"
        and request.method == "POST"
        and not is_manager_or_admin(authenticate_api_request().role)
    ):
        abort(403, message="only managers and admins record payments by hand")


def _with_url(order: Order) -> Order:
    """The order with its payment_url: PUBLIC_BASE_URL, or this request's host."""
    base = current_app.config["VOICEAPP"].public_base_url or request.host_url
    order.payment_url = orders.payment_url(order, base)
    return order


def _visible(order_id: int) -> Order:
    order = orders.visible_order(db.session(), authenticate_api_request(), order_id)
    if order is None:
        abort(404, message="order not found")
    return order


@blp.route("")
class Orders(MethodView):
    @blp.arguments(OrderListArgsSchema, location="query")
    @blp.response(200, OrderPageSchema)
    def get(self, args):
        """List the orders you may read.

        Managers and admins read every order; an agent the orders they sold and those of
        contacts they can see. Newest first; filter by `status` and `contact_id`."""
        page, per_page = args.pop("page"), args.pop("per_page")
        items, total = listing.list_orders(
            db.session(), authenticate_api_request(), args, page=page, per_page=per_page
        )
        return {
            "items": [_with_url(order) for order in items],
            "total": total,
            "page": page,
            "per_page": per_page,
        }

    @blp.arguments(OrderCreateSchema)
    @blp.response(201, OrderSchema)
    @blp.alt_response(403, description="`affiliate` sent by a member who may not set one")
    def post(self, data):
        """Take a pending phone order. VAT and the totals are worked out here from the
        products and the buyer's country (never taken from the client); a waiver of the
        right of withdrawal is ignored and recorded. Opens a "new order" follow-up case
        for the seller. The order's `channel` is "api"."""
        user = authenticate_api_request()
        dbs = db.session()
        try:
            order = orders.create_order(dbs, data, seller=user, now=utcnow(), channel=API_CHANNEL)
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
        return _with_url(_visible(order_id))


@blp.route("/<int:order_id>/payments")
class OrderPayments(MethodView):
    @blp.response(200, PaymentListSchema)
    def get(self, order_id):
        """List the order's payments and refunds.

        Oldest first; for whoever may read the order (404 otherwise)."""
        items = listing.order_payments(db.session(), _visible(order_id))
        return {"items": items, "total": len(items)}

    @blp.arguments(PaymentCreateSchema)
    @blp.response(201, PaymentRecordedSchema)
    @blp.alt_response(403, description="Only managers and admins record payments by hand")
    @blp.alt_response(404, description="No such order")
    def post(self, data, order_id):
        """Record money received by hand (managers and admins).

        A bank transfer seen on the account, or a `manual` payment (cash, a cheque). At
        most what is still outstanding: more is refused with 422 (a typing mistake far
        more often than a real overpayment). Once what is due now has arrived, the order
        is paid. A refunded order takes no payments. Agents get 403."""
        user = authenticate_api_request()
        _visible(order_id)
        dbs = db.session()
        try:
            payment = manual_payments.record_manual_payment(
                dbs,
                order_id,
                amount=data["amount"],
                method=data["method"],
                reference=data.get("reference"),
                actor=user,
                now=utcnow(),
            )
        except PaymentError as exc:
            dbs.rollback()
            abort(422, errors={"json": exc.errors})
        if payment is None:  # deleted since it was read
            dbs.rollback()
            abort(404, message="order not found")
        dbs.commit()
        order = payment.order
        payment.order_status = order.status
        payment.outstanding = manual_payments.outstanding(order)
        return payment
