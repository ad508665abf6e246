"""Every /webhooks/ route (Stripe's), found by walking the app's url_map so a route added
later is guarded without anyone listing it: unsigned, signed with another secret, signed
over another body, signed too long ago (a replay), or a header that is not Stripe's. Each
is a 400 and stores nothing; the same body signed right is let through (so the refusals
are the signature's doing)."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import func, select

from tests.factories import UserFactory
from tests.order_helpers import take_order
from tests.stripe_helpers import SECRET_KEY, WEBHOOK_SECRET, signed
from voiceapp.db import Base


@pytest.fixture
def stripe_app(shared_app):
    # STRIPE_API_BASE points nowhere: the webhook never calls Stripe.
    return shared_app(
        stripe_secret_key=SECRET_KEY,
        stripe_webhook_secret=WEBHOOK_SECRET,
        stripe_api_base="http://127.0.0.1:9",
    )


def _webhook_paths(app) -> list[tuple[str, str]]:
    found = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/webhooks/"):
            assert not rule.arguments, f"{rule.rule}: give the walk samples for its arguments"
            found += [(m, rule.rule) for m in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return found


def _row_counts(dbs) -> dict[str, int]:
    dbs.rollback()
    return {
        t.name: dbs.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables
    }


def _paid_event(order) -> str:
    """checkout.session.completed, paid, for `order`: what would pay it if let through."""
    session = {
        "id": f"cs_test_guard{order.id}",
        "object": "checkout.session",
        "amount_total": 11900,
        "currency": "eur",
        "metadata": {"order_id": str(order.id), "payment_code": order.payment_code},
        "payment_status": "paid",
        "status": "complete",
    }
    event = {"id": "evt_guard", "object": "event", "type": "checkout.session.completed"}
    return json.dumps({**event, "data": {"object": session}})


REFUSALS = {
    "unsigned": lambda body: None,
    "another secret": lambda body: signed(body, secret="whsec_someone_else"),
    "another body": lambda body: signed(body.replace("11900", "100")),
    "ten minutes old": lambda body: signed(body, at=int(time.time()) - 600),
    "a Twilio-style header": lambda body: "c2lnbmF0dXJl",
}


def test_the_walk_finds_the_stripe_webhook(stripe_app):
    assert ("POST", "/webhooks/stripe") in _webhook_paths(stripe_app)


@pytest.mark.parametrize("refusal", sorted(REFUSALS))
def test_every_webhook_route_refuses_a_bad_signature_and_stores_nothing(
    stripe_app, ctx, dbs, refusal
):
    order = take_order(dbs, UserFactory())
    client = stripe_app.test_client()
    before = _row_counts(dbs)
    for method, path in _webhook_paths(stripe_app):
        body = _paid_event(order)
        headers = {"Content-Type": "application/json"}
        signature = REFUSALS[refusal](body)
        if signature is not None:
            headers["Stripe-Signature"] = signature
        response = client.open(path, method=method, data=body, headers=headers)
        assert response.status_code == 400, (refusal, path, response.status_code)
    assert _row_counts(dbs) == before


def test_the_same_requests_signed_right_are_let_through(stripe_app, ctx, dbs):
    order = take_order(dbs, UserFactory())
    client = stripe_app.test_client()
    before = _row_counts(dbs)
    for method, path in _webhook_paths(stripe_app):
        body = _paid_event(order)
        headers = {"Content-Type": "application/json", "Stripe-Signature": signed(body)}
        response = client.open(path, method=method, data=body, headers=headers)
        assert response.status_code == 200, response.text
    assert _row_counts(dbs) != before  # the honest request is the one that records
