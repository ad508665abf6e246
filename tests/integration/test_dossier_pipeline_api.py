"""/api/requests/<id>/order, /payment-link, /processed and /archive: a dossier through its
money and last stages by API, as on the request's page; refusals (422 with field errors,
403, 409 on a stale version) change nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests.dossier_helpers import make_request
from tests.factories import UserFactory
from tests.order_helpers import make_product
from voiceapp.models import Order, OutgoingEmail, Request, RequestEvent
from voiceapp.services.requests import money

NOW = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


@pytest.fixture
def agent(ctx):
    return UserFactory(role="agent", name="Alice Agent")


@pytest.fixture
def manager(ctx):
    return UserFactory(role="sales_manager", name="Max Manager")


def _stored(dbs, request_id: int) -> Request:
    dbs.rollback()
    dbs.expire_all()
    return dbs.get(Request, request_id)


def _count(dbs, model) -> int:
    dbs.rollback()
    return dbs.scalar(select(func.count()).select_from(model))


def test_a_dossier_from_its_payment_url_to_the_archive(as_user, agent, manager, dbs):
    req = make_request(dbs, product=make_product(dbs, name="Summer camp", price=Decimal("500")))
    dbs.commit()
    by_agent, by_manager = as_user(agent), as_user(manager)

    # The order and its payment URL, to read out: nothing is e-mailed.
    made = by_agent("POST", f"/api/requests/{req.id}/order", json={"version": req.version})
    assert made.status_code == 200, made.json
    assert made.json["payment_url"].startswith("http://localhost/p/")
    assert made.json["request"]["id"] == req.id
    assert _count(dbs, OutgoingEmail) == 0
    order = dbs.get(Order, made.json["order_id"])
    assert (order.number, order.total) == (made.json["order_number"], Decimal("500.00"))

    # The payment link: the same order, e-mailed; the dossier awaits payment.
    version = _stored(dbs, req.id).version
    sent = by_agent("POST", f"/api/requests/{req.id}/payment-link", json={"version": version})
    assert sent.status_code == 200, sent.json
    assert sent.json["order_id"] == order.id
    assert sent.json["request"]["stage"] == "awaiting_payment"
    dbs.rollback()
    mail = dbs.scalar(select(OutgoingEmail).where(OutgoingEmail.purpose == "request_payment_link"))
    assert sent.json["payment_url"] in mail.body_text and mail.to_address == req.email

    # Not processed before the money is in (422, nothing changed).
    version = _stored(dbs, req.id).version
    early = by_agent("POST", f"/api/requests/{req.id}/processed", json={"version": version})
    assert early.status_code == 422 and "stage" in early.json["errors"]["json"]
    assert _stored(dbs, req.id).stage == "awaiting_payment"

    money.record_request_payment(
        dbs,
        _stored(dbs, req.id),
        amount=Decimal("150.00"),
        method="bank_transfer",
        received_on=NOW.date(),
        payer_name="Ada Kunde",
        payer_address=None,
        reference="deposit",
        actor=manager,
        now=NOW,
    )
    dbs.commit()
    version = _stored(dbs, req.id).version
    done = by_agent("POST", f"/api/requests/{req.id}/processed", json={"version": version})
    assert done.status_code == 200, done.json
    assert done.json["stage"] == "processed"

    # Archiving: managers and admins only; it erases the content, keeps the conversation.
    version = done.json["version"]
    refused = by_agent("POST", f"/api/requests/{req.id}/archive", json={"version": version})
    assert refused.status_code == 403
    archived = by_manager("POST", f"/api/requests/{req.id}/archive", json={"version": version})
    assert archived.status_code == 200, archived.json
    assert archived.json["stage"] == "archived"
    assert (archived.json["message"], archived.json["email"], archived.json["phone"]) == (
        None,
        None,
        None,
    )
    dbs.rollback()
    log = dbs.execute(
        select(RequestEvent.actor_id, RequestEvent.text).where(RequestEvent.request_id == req.id)
    ).all()
    # The log before is erased with the rest; one line says who archived.
    assert [(actor, text.split(":")[0]) for actor, text in log] == [
        (manager.id, "Archived (processed -> archived)")
    ]


def test_stale_or_refused_changes_store_nothing(as_user, agent, dbs):
    dossier = make_request(dbs, product=make_product(dbs, price=Decimal("80")))
    simple = make_request(dbs)  # no product: no order, no stages
    dbs.commit()
    call = as_user(agent)

    stale = call(
        "POST", f"/api/requests/{dossier.id}/payment-link", json={"version": dossier.version + 1}
    )
    assert stale.status_code == 409
    assert _count(dbs, Order) == 0 and _count(dbs, OutgoingEmail) == 0
    assert _stored(dbs, dossier.id).stage == "new"

    for action in ("order", "payment-link", "processed"):
        refused = call("POST", f"/api/requests/{simple.id}/{action}", json={})
        assert refused.status_code == 422, (action, refused.json)
        assert refused.json["errors"]["json"], action
    assert call("POST", f"/api/requests/{dossier.id}/order", json={"version": 0}).status_code == 422
    assert call("POST", "/api/requests/999/order", json={}).status_code == 404
    assert _count(dbs, Order) == 0 and _count(dbs, OutgoingEmail) == 0


def test_a_customer_without_an_address_gets_no_link_but_the_url_can_be_read_out(
    as_user, agent, dbs
):
    req = make_request(dbs, product=make_product(dbs, price=Decimal("80")), email=None)
    for address in list(req.contact.emails):
        dbs.delete(address)
    dbs.commit()
    call = as_user(agent)
    refused = call("POST", f"/api/requests/{req.id}/payment-link", json={})
    assert refused.status_code == 422
    assert "read the link out" in refused.json["errors"]["json"]["email"][0]
    assert _count(dbs, Order) == 0
    read_out = call("POST", f"/api/requests/{req.id}/order", json={})
    assert read_out.status_code == 200 and "/p/" in read_out.json["payment_url"]


def test_the_openapi_document_describes_the_dossier_actions(client):
    paths = client.get("/api/openapi.json").json["paths"]
    for action in ("order", "payment-link", "processed", "archive"):
        assert "post" in paths[f"/api/requests/{{request_id}}/{action}"], action
