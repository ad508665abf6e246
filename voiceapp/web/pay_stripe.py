"""The pay page's "Pay by card" (POST /p/<code>/stripe): a Stripe Checkout Session for
what is due now, and the customer sent on to Stripe's hosted page (303).

Public, like the pay page: the payment code is the only key. The form's CSRF token is
checked (Flask-WTF, the app-wide CSRFProtect). Attempts are counted per client address,
since each one makes a request to Stripe on the business's account. When Stripe is not
configured the route does not exist (404); when Stripe fails the customer sees why on a
page of ours (502) and nothing has changed.
"""

from __future__ import annotations

import logging

from flask import Blueprint, abort, current_app, redirect, render_template, request
from redis.exceptions import RedisError

from voiceapp.auth import client_address
from voiceapp.db import session, utcnow
from voiceapp.redis_client import get_redis
from voiceapp.services.orders import payment_url
from voiceapp.services.orders import stripe_checkout as checkout
from voiceapp.services.orders.pay_page import online_payment_allowed
from voiceapp.throttle import LocalCounters

bp = Blueprint("pay_stripe", __name__)
log = logging.getLogger(__name__)

# Card checkouts started per client address and window: a customer who goes back and
# forth a few times stays far below; a script making sessions on our account does not.
ATTEMPTS_PER_WINDOW, WINDOW_SECONDS = 20, 600


def _settings():
    return current_app.config["VOICEAPP"]


def _too_many_attempts() -> bool:
    key = f"voiceapp:stripe-checkout:addr:{client_address()}"
    try:
        pipe = get_redis().pipeline(transaction=True)
        pipe.incr(key)
        pipe.expire(key, WINDOW_SECONDS, nx=True)
        count, _ = pipe.execute()
    except RedisError as exc:
        log.warning("card checkout limit: Redis unavailable (%s); counting in this process", exc)
        fallback = current_app.extensions.setdefault("voiceapp.checkout_counters", LocalCounters())
        count = fallback.incr(key, WINDOW_SECONDS)
    return count > ATTEMPTS_PER_WINDOW


def _problem(status: int, title: str, message: str, back_url: str, headers=None):
    page = render_template(
        "pay_stripe/problem.html", title=title, message=message, back_url=back_url
    )
    return page, status, headers or {}


@bp.post("/p/<code>/stripe")
def start_checkout(code: str):
    if not _settings().stripe_configured:
        abort(404)
    base = _settings().public_base_url or request.url_root
    back = f"{base.rstrip('/')}/p/{code}"
    if _too_many_attempts():
        return _problem(
            429,
            "Too many attempts",
            "Card payments were started too often from your address. Please wait a few minutes.",
            back,
            {"Retry-After": str(WINDOW_SECONDS)},
        )
    order = checkout.order_for_code(session(), code)
    if order is None:
        abort(404)
    pay_page = payment_url(order, base)
    if not checkout.can_pay_by_card(order) or not online_payment_allowed(session(), order):
        # The pay page says it is paid or cancelled, or offers no card at all (a dossier
        # whose online payment the team switched off).
        return redirect(pay_page, 303)
    try:
        url = checkout.start_checkout(
            session(),
            order,
            success_url=f"{pay_page}/thanks",
            cancel_url=pay_page,
            settings=_settings(),
            now=utcnow(),
        )
    except checkout.CheckoutUnavailable:
        session().rollback()
        return _problem(
            502,
            "Card payment is not available just now",
            "The card payment service did not answer as expected.",
            pay_page,
        )
    return redirect(url, 303)
