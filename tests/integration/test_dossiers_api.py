"""/api/requests/<id>/quotes and /api/subscriptions: send, list and withdraw quotes (422
with field errors and nothing stored on bad input, 409 on a stale version), read
subscriptions as their contacts are seen, cancel and change plans (managers and admins)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from tests.dossier_helpers import make_on_request_product, make_request
from tests.factories import ContactFactory, UserFactory
from tests.order_helpers import SUBSCRIPTION_MONTHLY, make_product
from voiceapp.models import Quote, Request
from voiceapp.services.requests import subscriptions

NOW = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
YEARLY = {**SUBSCRIPTION_MONTHLY, "amount": "1190.00", "interval_unit": "year"}


@pytest.fixture
def agent(ctx):
    return UserFactory(role="agent", name="Alice Agent")


@pytest.fixture
def manager(ctx):
    return UserFactory(role="sales_manager", name="Max Manager")


def _quotes(dbs) -> int:
    dbs.rollback()
    return dbs.scalar(select(func.count()).select_from(Quote))


def test_an_agent_sends_lists_and_withdraws_quotes(as_user, agent, dbs):
    req = make_request(dbs, product=make_on_request_product(dbs))
    dbs.commit()
    call = as_user(agent)
    sent = call(
        "POST",
        f"/api/requests/{req.id}/quotes",
        json={"amount": "850.00", "message": "All included", "version": req.version},
    )
    assert sent.status_code == 201, sent.json
    assert (sent.json["amount"], sent.json["currency"], sent.json["status"]) == (
        "850.00",
        "EUR",
        "sent",
    )
    listed = call("GET", f"/api/requests/{req.id}/quotes").json
    assert listed["total"] == 1 and listed["items"][0]["id"] == sent.json["id"]
    dbs.rollback()
    assert dbs.scalar(select(Request.status).where(Request.id == req.id)) == "awaiting_reply"
    withdrawn = call("POST", f"/api/requests/{req.id}/quotes/{sent.json['id']}/withdraw", json={})
    assert withdrawn.status_code == 200 and withdrawn.json["status"] == "withdrawn"
    again = call("POST", f"/api/requests/{req.id}/quotes/{sent.json['id']}/withdraw", json={})
    assert again.status_code == 422
    assert call("POST", f"/api/requests/{req.id}/quotes/999/withdraw", json={}).status_code == 404
    assert call("GET", "/api/requests/999/quotes").status_code == 404


def test_bad_or_stale_quotes_are_refused_and_nothing_is_stored(as_user, agent, dbs):
    req = make_request(dbs, product=make_on_request_product(dbs))
    dbs.commit()
    call = as_user(agent)
    url = f"/api/requests/{req.id}/quotes"
    assert call("POST", url, json={"amount": "-5"}).status_code == 422
    assert call("POST", url, json={"amount": "5", "currency": "USD"}).status_code == 422
    assert call("POST", url, json={}).status_code == 422
    stale = call("POST", url, json={"amount": "5", "version": req.version + 1})
    assert stale.status_code == 409
    assert "Someone else changed this request" in stale.json["message"]
    assert _quotes(dbs) == 0


def _subscription(dbs, actor, contact=None):
    product = make_product(dbs, name="Coaching", plans=[SUBSCRIPTION_MONTHLY, YEARLY])
    req = make_request(
        dbs, product=product, plan=SUBSCRIPTION_MONTHLY, status="confirmed", contact=contact
    )
    sub = subscriptions.start_subscription(dbs, req, actor=actor, now=NOW, today=NOW.date())
    dbs.commit()
    return sub


def test_subscriptions_are_listed_read_cancelled_and_replanned(as_user, manager, agent, dbs):
    sub = _subscription(dbs, manager)
    private = _subscription(
        dbs, manager, contact=ContactFactory(visibility="private", owner_id=manager.id)
    )
    as_manager, as_agent = as_user(manager), as_user(agent)
    listed = as_manager("GET", "/api/subscriptions").json
    assert {s["id"] for s in listed["items"]} == {sub.id, private.id}
    # An agent does not see the subscription of a private contact of someone else.
    assert {s["id"] for s in as_agent("GET", "/api/subscriptions").json["items"]} == {sub.id}
    assert as_agent("GET", f"/api/subscriptions/{private.id}").status_code == 404
    one = as_agent("GET", f"/api/subscriptions/{sub.id}").json
    assert one["status"] == "active" and one["plan"]["amount"] == "119.00"
    assert one["payments"] == []
    # Agents may not change it; managers change the plan, then cancel.
    assert as_agent("POST", f"/api/subscriptions/{sub.id}/cancel", json={}).status_code == 403
    changed = as_manager("PUT", f"/api/subscriptions/{sub.id}/plan", json={"plan": YEARLY})
    assert changed.status_code == 200, changed.json
    assert changed.json["plan"]["interval_unit"] == "year"
    unknown = as_manager(
        "PUT", f"/api/subscriptions/{sub.id}/plan", json={"plan": {**YEARLY, "amount": "5.00"}}
    )
    assert unknown.status_code == 422
    stale = as_manager(
        "POST", f"/api/subscriptions/{sub.id}/cancel", json={"version": one["version"]}
    )
    assert stale.status_code == 409
    cancelled = as_manager("POST", f"/api/subscriptions/{sub.id}/cancel", json={})
    assert cancelled.status_code == 200
    assert (cancelled.json["status"], cancelled.json["ended_reason"]) == ("inactive", "cancelled")
    inactive = as_manager("GET", "/api/subscriptions?status=inactive").json
    assert [s["id"] for s in inactive["items"]] == [sub.id]


def test_the_openapi_document_describes_quotes_and_subscriptions(client):
    paths = client.get("/api/openapi.json").json["paths"]
    assert {"get", "post"} <= set(paths["/api/requests/{request_id}/quotes"])
    assert "post" in paths["/api/requests/{request_id}/quotes/{quote_id}/withdraw"]
    assert "get" in paths["/api/subscriptions"]
    assert "get" in paths["/api/subscriptions/{subscription_id}"]
    assert "post" in paths["/api/subscriptions/{subscription_id}/cancel"]
    assert "put" in paths["/api/subscriptions/{subscription_id}/plan"]
