"""A request's quotes (/api/requests/<id>/quotes) and the subscriptions confirmed requests
became (/api/subscriptions). Every member sees every request (one shared inbox) and
sends or withdraws its quotes; subscriptions are seen as their contacts are, and only
managers and admins cancel them or change their plan."""

from __future__ import annotations

from contextlib import contextmanager

from flask.views import MethodView
from flask_smorest import abort

from voiceapp import db
from voiceapp.api.blueprint import Blueprint
from voiceapp.auth import authenticate_api_request, require_api_user
from voiceapp.db import utcnow
from voiceapp.schemas.dossiers import (
    PlanChangeSchema,
    QuoteInputSchema,
    QuoteListSchema,
    QuoteSchema,
    SubscriptionDetailSchema,
    SubscriptionListArgsSchema,
    SubscriptionListSchema,
    VersionSchema,
)
from voiceapp.services.requests import quotes, subscriptions
from voiceapp.services.requests.activity import StaleRequest
from voiceapp.services.requests.conversation import customer_link
from voiceapp.services.requests.inbox import get_request

quotes_blp = Blueprint(
    "Quotes", __name__, url_prefix="/api/requests", description="A request's quotes"
)
quotes_blp.before_request(require_api_user)
subscriptions_blp = Blueprint(
    "Subscriptions", __name__, url_prefix="/api/subscriptions", description="Subscriptions"
)
subscriptions_blp.before_request(require_api_user)


@contextmanager
def refusals():
    """A broken rule is 422 with field errors, a stale version 409, a role 403; nothing
    is stored then."""
    try:
        yield
    except (quotes.QuoteError, subscriptions.SubscriptionError) as exc:
        db.session().rollback()
        status = 409 if "version" in exc.errors else 422
        abort(status, errors={"json": exc.errors}, message=_first(exc.errors))
    except StaleRequest as exc:
        db.session().rollback()
        abort(409, message=str(exc))
    except subscriptions.SubscriptionForbidden as exc:
        db.session().rollback()
        abort(403, message=str(exc))


def _first(errors: dict) -> str:
    messages = next(iter(errors.values()), ["refused"])
    return str(messages[0] if isinstance(messages, list) else messages)


def _request_or_404(request_id: int, *, lock: bool = False):
    req = get_request(db.session(), request_id, lock=lock)
    if req is None:
        abort(404, message="request not found")
    return req


@quotes_blp.route("/<int:request_id>/quotes")
class RequestQuotes(MethodView):
    @quotes_blp.response(200, QuoteListSchema)
    def get(self, request_id):
        """The request's quotes, newest first."""
        items = quotes.quotes_of(db.session(), _request_or_404(request_id))
        return {"items": items, "total": len(items)}

    @quotes_blp.arguments(QuoteInputSchema)
    @quotes_blp.response(201, QuoteSchema)
    @quotes_blp.alt_response(409, description="The request changed since `version`")
    def post(self, data, request_id):
        """Send a price proposal: the quote before is withdrawn, the request waits for
        the customer's answer (awaiting_reply; a dossier is awaiting payment), and the
        customer is e-mailed a link to their page, where they accept or reject it."""
        dbs = db.session()
        req = _request_or_404(request_id, lock=True)
        with refusals():
            quote = quotes.send_quote(
                dbs,
                req,
                amount=data["amount"],
                currency=data.get("currency"),
                message=data.get("message"),
                actor=authenticate_api_request(),
                now=utcnow(),
                page_url=customer_link(req),
                expected_version=data.get("version"),
            )
        dbs.commit()
        return quote


@quotes_blp.route("/<int:request_id>/quotes/<int:quote_id>/withdraw")
class QuoteWithdrawal(MethodView):
    @quotes_blp.arguments(VersionSchema)
    @quotes_blp.response(200, QuoteSchema)
    @quotes_blp.alt_response(409, description="The request changed since `version`")
    def post(self, data, request_id, quote_id):
        """Take a sent quote back: the customer can no longer accept it."""
        dbs = db.session()
        req = _request_or_404(request_id, lock=True)
        with refusals():
            quote = quotes.withdraw_quote(
                dbs,
                req,
                quote_id,
                actor=authenticate_api_request(),
                now=utcnow(),
                expected_version=data.get("version"),
            )
        if quote is None:
            abort(404, message="no such quote on this request")
        dbs.commit()
        return quote


def _subscription_or_404(subscription_id: int):
    found = subscriptions.visible_subscription(
        db.session(), authenticate_api_request(), subscription_id
    )
    if found is None:
        abort(404, message="subscription not found")
    return found


def _detail(subscription):
    subscription.payments = subscriptions.collected_payments(db.session(), subscription)
    return subscription


@subscriptions_blp.route("")
class Subscriptions(MethodView):
    @subscriptions_blp.arguments(SubscriptionListArgsSchema, location="query")
    @subscriptions_blp.response(200, SubscriptionListSchema)
    def get(self, args):
        """Subscriptions, newest first (`status` filters)."""
        items, total = subscriptions.list_subscriptions(
            db.session(),
            viewer=authenticate_api_request(),
            status=args.get("status"),
            page=args["page"],
            per_page=args["per_page"],
        )
        return {"items": items, "total": total}


@subscriptions_blp.route("/<int:subscription_id>")
class SubscriptionById(MethodView):
    @subscriptions_blp.response(200, SubscriptionDetailSchema)
    def get(self, subscription_id):
        """The subscription with every payment collected on its order."""
        return _detail(_subscription_or_404(subscription_id))


@subscriptions_blp.route("/<int:subscription_id>/cancel")
class SubscriptionCancel(MethodView):
    @subscriptions_blp.arguments(VersionSchema)
    @subscriptions_blp.response(200, SubscriptionDetailSchema)
    @subscriptions_blp.alt_response(403, description="Only managers and admins cancel")
    @subscriptions_blp.alt_response(409, description="Changed since `version`")
    def post(self, data, subscription_id):
        """Cancel: the subscription becomes inactive and nothing more is collected."""
        dbs = db.session()
        subscription = _subscription_or_404(subscription_id)
        with refusals():
            subscriptions.cancel_subscription(
                dbs,
                subscription,
                actor=authenticate_api_request(),
                now=utcnow(),
                expected_version=data.get("version"),
            )
        dbs.commit()
        return _detail(subscription)


@subscriptions_blp.route("/<int:subscription_id>/plan")
class SubscriptionPlan(MethodView):
    @subscriptions_blp.arguments(PlanChangeSchema)
    @subscriptions_blp.response(200, SubscriptionDetailSchema)
    @subscriptions_blp.alt_response(403, description="Only managers and admins change plans")
    @subscriptions_blp.alt_response(409, description="Changed since `version`")
    def put(self, data, subscription_id):
        """Move to another subscription plan of the product (named by its terms); the
        later payments follow it."""
        dbs = db.session()
        subscription = _subscription_or_404(subscription_id)
        with refusals():
            subscriptions.change_plan(
                dbs,
                subscription,
                data["plan"],
                actor=authenticate_api_request(),
                now=utcnow(),
                expected_version=data.get("version"),
            )
        dbs.commit()
        return _detail(subscription)
