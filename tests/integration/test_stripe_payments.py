"""Card payments end to end: the pay page's "Pay by card" (POST /p/<code>/stripe) makes a
Checkout Session at the Stripe stand-in through the official stripe library, the customer
pays on the stand-in's page, the stand-in's signed event reaches POST /webhooks/stripe and
the order is paid. Both servers are real (threads on local ports); nothing is mocked.

The webhook's guard: a missing, wrong or stale signature is a 400 and changes nothing.
Stripe's habits are harmless: the same event twice (even at once), events out of order,
events about sessions that are not ours."""

from __future__ import annotations

import json
import threading
import time
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
import requests
from sqlalchemy import select

from tests.conftest import form_token
from tests.factories import UserFactory
from tests.mail_helpers import free_port
from tests.order_helpers import INSTALMENTS_3, make_product, take_order
from tests.stripe_helpers import (
    WEBHOOK_SECRET,
    row_counts,
    session_event,
    signed,
    stripe_world,
)
from voiceapp.db import utcnow
from voiceapp.domain.payment_code import format_code, new_code
from voiceapp.models import Order, OrderEvent, Payment
from voiceapp.services.orders.payments import record_payment
from voiceapp.web.pay_stripe import ATTEMPTS_PER_WINDOW


@pytest.fixture
def world(make_app):
    with stripe_world(make_app) as running:
        yield running


@pytest.fixture
def seller(ctx):
    return UserFactory(role="agent", name="Jonas Becker")


@pytest.fixture
def order(dbs, seller):
    """A pending order of 119.00 EUR, one payment."""
    return take_order(dbs, seller)


def code_of(order: Order) -> str:
    return format_code(order.payment_code)


def fresh(dbs, order: Order) -> Order:
    """The order as the app committed it (a rollback with no transaction open would leave
    the loaded row as it was)."""
    dbs.rollback()
    dbs.expire_all()
    return dbs.get(Order, order.id)


def payments(dbs, order: Order) -> list[Payment]:
    dbs.rollback()
    return list(dbs.scalars(select(Payment).where(Payment.order_id == order.id)))


# --- starting a checkout -------------------------------------------------------------------


def test_pay_by_card_sends_the_customer_to_a_checkout_of_what_is_due_now(world, dbs, order):
    before = row_counts(dbs)
    response = world.start_checkout(code_of(order))
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.startswith(f"{world.standin_url}/checkout/cs_test_")
    session = world.control("GET", f"/sessions/{location.rsplit('/', 1)[1]}")
    pay_page = f"{world.app_url}/p/{code_of(order)}"
    assert session["amount_total"] == 11900 and session["currency"] == "eur"
    assert session["status"] == "open" and session["payment_status"] == "unpaid"
    assert session["metadata"] == {"order_id": str(order.id), "payment_code": order.payment_code}
    assert session["client_reference_id"] == str(order.id)
    assert session["success_url"] == f"{pay_page}/thanks"
    assert session["cancel_url"] == pay_page
    assert session["url"] == location
    assert row_counts(dbs) == before  # starting a checkout writes nothing
    assert fresh(dbs, order).status == "pending"


def test_the_checkout_asks_for_the_first_instalment_not_the_whole_price(world, dbs, seller):
    product = make_product(dbs, plans=[INSTALMENTS_3])  # 39.00 now, then 2 x 40.00
    order = take_order(dbs, seller, product=product, plan={"kind": "instalments"})
    session = world.checkout_session(code_of(order))
    assert session["amount_total"] == 3900
    assert session["metadata"]["order_id"] == str(order.id)


def test_money_already_received_is_not_asked_for_again(world, dbs, order):
    """Part of it came by bank transfer: the card pays the rest of what is due now."""
    record_payment(dbs, order.id, amount=Decimal("19.00"), method="bank_transfer", now=utcnow())
    dbs.commit()
    session = world.checkout_session(code_of(order))
    assert session["amount_total"] == 10000
    world.pay(session["id"])
    assert fresh(dbs, order).status == "paid"
    assert sorted(p.amount for p in payments(dbs, order)) == [Decimal("19.00"), Decimal("100.00")]


def test_the_code_is_read_as_typed_lower_case_and_without_hyphens(world, order):
    response = world.start_checkout(order.payment_code.lower())
    assert response.status_code == 303
    assert response.headers["Location"].startswith(world.standin_url)


def test_without_the_forms_csrf_token_nothing_is_started(world, order):
    customer = world.browser()
    customer.csrf = "forged"
    response = world.start_checkout(code_of(order), customer)
    assert response.status_code == 400
    assert world.standin.sessions == {}


@pytest.mark.parametrize("code", ["not-a-code", "wrong-check"])
def test_a_code_of_no_order_is_not_found_and_starts_nothing(world, order, code):
    if code == "wrong-check":  # one symbol misread: the check symbol catches it
        code = ("1" if order.payment_code[0] != "1" else "2") + order.payment_code[1:]
    assert world.start_checkout(code).status_code == 404
    assert world.start_checkout(format_code(new_code())).status_code == 404
    assert world.standin.sessions == {}


@pytest.mark.parametrize("status", ["paid", "cancelled"])
def test_an_order_no_longer_pending_goes_back_to_its_pay_page(world, dbs, order, status):
    order.status = status
    dbs.commit()
    response = world.start_checkout(code_of(order))
    assert response.status_code == 303
    assert response.headers["Location"] == f"{world.app_url}/p/{code_of(order)}"
    assert world.standin.sessions == {}


def test_too_many_checkouts_from_one_address_are_refused(world, order):
    customer = world.browser()
    for _ in range(ATTEMPTS_PER_WINDOW):
        assert world.start_checkout(code_of(order), customer).status_code == 303
    refused = world.start_checkout(code_of(order), customer)
    assert refused.status_code == 429
    assert "Too many attempts" in refused.text
    assert int(refused.headers["Retry-After"]) > 0
    assert len(world.standin.sessions) == ATTEMPTS_PER_WINDOW


def test_without_stripe_configured_there_is_no_card_payment(make_app, dbs, order):
    client = make_app().test_client()
    token = form_token(client, "/sign-in")
    assert client.post(f"/p/{code_of(order)}/stripe", data={"csrf_token": token}).status_code == 404
    payload = json.dumps({"type": "checkout.session.completed"})
    answer = client.post("/webhooks/stripe", data=payload, headers={"Stripe-Signature": "t=1,v1=x"})
    assert answer.status_code == 404


@pytest.mark.parametrize("failure", ["wrong secret key", "stripe unreachable"])
def test_when_stripe_fails_the_customer_reads_why_and_nothing_changes(
    make_app, dbs, order, failure
):
    overrides = (
        {"stripe_secret_key": "sk_test_not_the_key"}
        if failure == "wrong secret key"
        else {"stripe_api_base": f"http://127.0.0.1:{free_port()}"}
    )
    with stripe_world(make_app, **overrides) as world:
        before = row_counts(dbs)
        response = world.start_checkout(code_of(order))
        assert response.status_code == 502
        assert "Card payment is not available just now" in response.text
        assert f'href="{world.app_url}/p/{code_of(order)}"' in response.text
        assert "Nothing was charged" in response.text
        assert world.standin.sessions == {}
        assert row_counts(dbs) == before


def test_the_pay_pages_may_send_their_form_on_to_the_checkout_origin(world, order):
    """Chromium applies form-action to the redirect that answers a form: without the
    stand-in's (Stripe's) origin in it, "Pay by card" would be blocked in the browser."""
    pay_page = requests.get(f"{world.app_url}/p/{code_of(order)}", timeout=10)
    policy = pay_page.headers["Content-Security-Policy"]
    assert f"form-action 'self' {world.standin_url}" in policy
    elsewhere = requests.get(f"{world.app_url}/sign-in", timeout=10)
    assert "form-action 'self';" in elsewhere.headers["Content-Security-Policy"]


# --- paying --------------------------------------------------------------------------------


def test_paying_on_the_checkout_page_marks_the_order_paid(world, dbs, order):
    session = world.checkout_session(code_of(order))
    response = world.pay(session["id"])
    assert response.status_code == 303
    assert response.headers["Location"] == f"{world.app_url}/p/{code_of(order)}/thanks"
    delivered = world.control("GET", "/events")
    assert [e["type"] for e in delivered] == ["checkout.session.completed"]
    assert delivered[0]["deliveries"][0]["status"] == 200
    assert json.loads(delivered[0]["deliveries"][0]["body"])["outcome"] == "recorded", delivered
    paid = fresh(dbs, order)
    assert paid.status == "paid" and paid.paid_at is not None
    assert paid.auto_cancel_at is None
    [payment] = payments(dbs, order)
    assert (payment.method, payment.amount, payment.currency) == (
        "stripe",
        Decimal("119.00"),
        "EUR",
    )
    assert payment.provider_ref == session["id"]
    assert payment.details["event"] == delivered[0]["id"]
    assert payment.details["payment_intent"].startswith("pi_")
    history = [
        e.text for e in dbs.scalars(select(OrderEvent).where(OrderEvent.order_id == order.id))
    ]
    assert "119.00 EUR received (card (Stripe))" in history
    assert "pending -> paid (paid)" in history


def test_cancelling_on_the_checkout_page_returns_to_the_pay_page_unpaid(world, dbs, order):
    session = world.checkout_session(code_of(order))
    response = requests.post(
        f"{world.standin_url}/checkout/{session['id']}/cancel", allow_redirects=False, timeout=10
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"{world.app_url}/p/{code_of(order)}"
    assert fresh(dbs, order).status == "pending"
    assert payments(dbs, order) == []


def test_the_same_event_delivered_again_is_recorded_once(world, dbs, order):
    session = world.checkout_session(code_of(order))
    world.pay(session["id"])
    [event] = world.control("GET", "/events")
    again = world.deliver(event["id"])
    assert again["status"] == 200 and json.loads(again["body"])["outcome"] == "duplicate"
    [payment] = payments(dbs, order)
    assert payment.amount == Decimal("119.00")
    assert fresh(dbs, order).status == "paid"


def test_the_same_event_delivered_many_times_at_once_is_recorded_once(world, dbs, order):
    session = world.checkout_session(code_of(order))
    event = world.event(session["id"], "checkout.session.completed", deliver=False)
    answers: list = []

    def deliver():
        answers.append(world.deliver(event["id"]))

    threads = [threading.Thread(target=deliver) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert [a["status"] for a in answers] == [200] * 6, answers
    outcomes = sorted(json.loads(a["body"])["outcome"] for a in answers)
    assert outcomes == ["duplicate"] * 5 + ["recorded"]
    assert len(payments(dbs, order)) == 1
    assert fresh(dbs, order).status == "paid"


@pytest.mark.parametrize(
    "late", ["checkout.session.expired", "checkout.session.async_payment_failed"]
)
def test_an_event_arriving_after_the_payment_changes_nothing(world, dbs, order, late):
    session = world.checkout_session(code_of(order))
    world.pay(session["id"])
    before = row_counts(dbs)
    answer = world.event(session["id"], late)["deliveries"][-1]
    assert answer["status"] == 200 and json.loads(answer["body"])["outcome"] == "ignored"
    assert row_counts(dbs) == before
    assert fresh(dbs, order).status == "paid"


def test_the_completed_event_overtaken_by_a_later_one_still_pays(world, dbs, order):
    """Stripe does not promise order: the session's completion is held back, an
    'expired' about the same session arrives first, then the completion."""
    session = world.checkout_session(code_of(order))
    completed = world.event(session["id"], "checkout.session.completed", deliver=False)
    expired = world.event(session["id"], "checkout.session.expired")
    assert json.loads(expired["deliveries"][0]["body"])["outcome"] == "ignored"
    assert fresh(dbs, order).status == "pending"
    assert json.loads(world.deliver(completed["id"])["body"])["outcome"] == "recorded"
    assert fresh(dbs, order).status == "paid"


def test_a_delayed_payment_counts_when_it_succeeds_not_when_the_session_completes(
    world, dbs, order
):
    session = world.checkout_session(code_of(order))
    world.event(session["id"], "checkout.session.completed", payment_status="unpaid")
    assert fresh(dbs, order).status == "pending" and payments(dbs, order) == []
    world.event(session["id"], "checkout.session.async_payment_succeeded")
    assert fresh(dbs, order).status == "paid"
    world.event(session["id"], "checkout.session.async_payment_succeeded")  # told twice
    assert len(payments(dbs, order)) == 1


def test_a_payment_after_the_order_was_cancelled_is_kept(world, dbs, order):
    """The customer paid in a checkout opened before the auto-cancel: money that arrived
    is recorded, and the order is paid again (payments.record_payment's rule)."""
    session = world.checkout_session(code_of(order))
    order.status = "cancelled"
    dbs.commit()
    world.pay(session["id"])
    assert fresh(dbs, order).status == "paid"
    assert len(payments(dbs, order)) == 1


# --- events that name no order of ours -------------------------------------------------------


@pytest.mark.parametrize(
    "metadata",
    [
        {},
        {"order_id": "999999", "payment_code": "0000000000"},
        {"order_id": "ORDER", "payment_code": "X"},
        "wrong code",
    ],
    ids=["no metadata", "no such order", "not an id", "another order's code"],
)
def test_an_event_for_an_order_not_ours_is_acknowledged_and_changes_nothing(
    world, dbs, order, metadata
):
    session = world.checkout_session(code_of(order))
    if metadata == "wrong code":
        metadata = {"order_id": str(order.id), "payment_code": format_code(new_code())}
    payload = session_event(session, payment_status="paid", status="complete", metadata=metadata)
    before = row_counts(dbs)
    response = world.post_webhook(payload, signed(payload))
    assert response.status_code == 200
    assert response.json()["outcome"] == "unknown_order"
    assert row_counts(dbs) == before


def test_an_event_in_another_currency_is_acknowledged_and_not_recorded(world, dbs, order):
    session = world.checkout_session(code_of(order))
    payload = session_event(session, payment_status="paid", status="complete", currency="usd")
    before = row_counts(dbs)
    response = world.post_webhook(payload, signed(payload))
    assert response.status_code == 200 and response.json()["outcome"] == "refused"
    assert row_counts(dbs) == before


def test_other_event_types_are_acknowledged_and_ignored(world, dbs, order):
    payload = json.dumps(
        {"id": "evt_1", "object": "event", "type": "customer.created", "data": {"object": {}}}
    )
    before = row_counts(dbs)
    response = world.post_webhook(payload, signed(payload))
    assert response.status_code == 200 and response.json()["outcome"] == "ignored"
    assert row_counts(dbs) == before


# --- the signature ---------------------------------------------------------------------------


def _paid_event(world, order) -> str:
    session = world.checkout_session(code_of(order))
    return session_event(session, payment_status="paid", status="complete")


REFUSALS = {
    "no Stripe-Signature header": lambda payload: None,
    "an empty header": lambda payload: "",
    "signed with another secret": lambda payload: signed(payload, secret="whsec_other"),
    "a stale timestamp (a replay)": lambda payload: signed(payload, at=int(time.time()) - 600),
    "another body was signed": lambda payload: signed(payload.replace("119", "1")),
    "a header that is not Stripe's": lambda payload: "sha256=abc",
    "no v1 signature": lambda payload: f"t={int(time.time())},v0=abc",
}


@pytest.mark.parametrize("refusal", sorted(REFUSALS))
def test_a_webhook_without_a_valid_signature_is_refused_and_changes_nothing(
    world, dbs, order, refusal
):
    payload = _paid_event(world, order)
    before = row_counts(dbs)
    response = world.post_webhook(payload, REFUSALS[refusal](payload))
    assert response.status_code == 400, response.text
    assert "error" in response.json()
    assert row_counts(dbs) == before
    assert fresh(dbs, order).status == "pending"
    # The control: the same event, signed right, is let through and pays the order.
    assert world.post_webhook(payload, signed(payload)).json()["outcome"] == "recorded"
    assert fresh(dbs, order).status == "paid"


def test_a_signed_body_that_is_not_an_event_is_refused(world, dbs):
    before = row_counts(dbs)
    for payload in ("not json", "[1, 2]", '"text"'):
        response = world.post_webhook(payload, signed(payload))
        assert response.status_code == 400, (payload, response.text)
    assert row_counts(dbs) == before


def test_the_webhook_needs_no_csrf_token_and_no_sign_in(world, dbs, order):
    """It is Stripe calling: the signature is its only credential."""
    payload = _paid_event(world, order)
    response = world.post_webhook(payload, signed(payload, secret=WEBHOOK_SECRET))
    assert response.status_code == 200 and response.json()["received"] is True
    assert urlsplit(world.standin.config.webhook_url).path == "/webhooks/stripe"
