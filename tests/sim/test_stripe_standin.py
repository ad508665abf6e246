"""The Stripe stand-in, spoken to as the app speaks to Stripe: through the official stripe
library over HTTP (create and retrieve a Checkout Session, errors raised as the library
raises Stripe's), its hosted page (Pay, Cancel), and the events it signs, checked with
the library's own `Webhook.construct_event`, as the app checks them."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator

import pytest
import requests
import stripe
from click.testing import CliRunner
from flask import Flask, request

from tests.stripe_helpers import SECRET_KEY, WEBHOOK_SECRET, serve
from voiceapp.sim import SimConfig, Simulator
from voiceapp.sim.server import SimServer
from voiceapp.sim.stripe import MOUNT_PREFIX, StandInConfig, StripeServer, StripeStandIn

TIMEOUT = 10


class Receiver:
    """The app's side of the webhook: keeps every request, answers 200."""

    def __init__(self):
        self.received: list[dict] = []
        self.arrived = threading.Event()
        app = Flask("webhook-receiver")

        @app.post("/webhooks/stripe")
        def webhook():
            self.received.append(
                {"body": request.get_data(as_text=True), "headers": dict(request.headers)}
            )
            self.arrived.set()
            return {"received": True}

        self.app = app

    def events(self) -> list:
        return [
            stripe.Webhook.construct_event(
                r["body"], r["headers"]["Stripe-Signature"], WEBHOOK_SECRET
            )
            for r in self.received
        ]


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    hook = Receiver()
    with serve(hook.app) as url:
        yield hook, f"{url}/webhooks/stripe"


@pytest.fixture
def standin(receiver) -> Iterator[tuple[StripeStandIn, str]]:
    _hook, webhook_url = receiver
    config = StandInConfig(
        secret_key=SECRET_KEY, webhook_secret=WEBHOOK_SECRET, webhook_url=webhook_url
    )
    instance = StripeStandIn(config)
    with StripeServer(instance) as server:
        yield instance, server.url


@pytest.fixture
def client(standin) -> stripe.StripeClient:
    _instance, url = standin
    return stripe.StripeClient(SECRET_KEY, base_addresses={"api": url}, max_network_retries=0)


def session_params(**changes) -> dict:
    params = {
        "mode": "payment",
        "payment_method_types": ["card"],
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": "eur",
                    "unit_amount": 11900,
                    "product_data": {"name": "Order PO-000042"},
                },
            }
        ],
        "client_reference_id": "42",
        "metadata": {"order_id": "42", "payment_code": "ABCD1234X"},
        "success_url": "https://shop.example/p/ABCD-1234-X/thanks?session={CHECKOUT_SESSION_ID}",
        "cancel_url": "https://shop.example/p/ABCD-1234-X",
        "customer_email": "anna@example.com",
        "locale": "de",
        "expires_at": int(time.time()) + 3600,
    }
    params.update(changes)
    return params


# --- the API -------------------------------------------------------------------------------


def test_a_created_session_is_stripes_checkout_session_object(client, standin):
    _instance, url = standin
    session = client.v1.checkout.sessions.create(session_params())
    assert isinstance(session, stripe.checkout.Session)
    assert session.id.startswith("cs_test_")
    assert session.object == "checkout.session"
    assert session.url == f"{url}/checkout/{session.id}"
    assert (session.amount_total, session.currency) == (11900, "eur")
    assert (session.status, session.payment_status) == ("open", "unpaid")
    assert session.metadata.to_dict() == {"order_id": "42", "payment_code": "ABCD1234X"}
    assert session.client_reference_id == "42"
    assert session.success_url.startswith("https://shop.example/p/ABCD-1234-X/thanks")
    assert session.cancel_url == "https://shop.example/p/ABCD-1234-X"
    assert session.customer_email == "anna@example.com" and session.mode == "payment"


def test_a_session_is_retrieved_by_its_id(client):
    created = client.v1.checkout.sessions.create(session_params())
    fetched = client.v1.checkout.sessions.retrieve(created.id)
    assert fetched.to_dict() == created.to_dict()


def test_quantities_and_several_lines_add_up(client):
    line = session_params()["line_items"][0]
    second = {
        "quantity": 3,
        "price_data": {"currency": "eur", "unit_amount": 250, "product_data": {"name": "Book"}},
    }
    session = client.v1.checkout.sessions.create(
        session_params(line_items=[dict(line, quantity=2), second])
    )
    assert session.amount_total == 2 * 11900 + 3 * 250


def test_an_unknown_session_is_stripes_404(client):
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.checkout.sessions.retrieve("cs_test_nothing")
    assert raised.value.http_status == 404
    assert raised.value.code == "resource_missing"
    assert "No such checkout.session" in raised.value.user_message


def test_a_wrong_secret_key_is_an_authentication_error(standin):
    _instance, url = standin
    other = stripe.StripeClient("sk_test_wrong", base_addresses={"api": url}, max_network_retries=0)
    with pytest.raises(stripe.AuthenticationError) as raised:
        other.v1.checkout.sessions.create(session_params())
    assert raised.value.http_status == 401
    assert "sk_test_wrong" not in raised.value.user_message  # redacted, as Stripe does
    assert _instance.sessions == {}


def test_no_key_at_all_is_a_401_in_stripes_shape(standin):
    _instance, url = standin
    response = requests.post(
        f"{url}/v1/checkout/sessions", data={"mode": "payment"}, timeout=TIMEOUT
    )
    assert response.status_code == 401
    assert response.json()["error"]["type"] == "invalid_request_error"
    assert "did not provide an API key" in response.json()["error"]["message"]


def test_the_key_as_basic_auth_user_name_works_as_curl_u_sends_it(client, standin):
    _instance, url = standin
    session = client.v1.checkout.sessions.create(session_params())
    response = requests.get(
        f"{url}/v1/checkout/sessions/{session.id}", auth=(SECRET_KEY, ""), timeout=TIMEOUT
    )
    assert response.status_code == 200 and response.json()["id"] == session.id
    assert response.headers["Request-Id"].startswith("req_")


BAD_PARAMS = {
    "no line items": ({"line_items": None}, "line_items", "parameter_missing"),
    "no mode": ({"mode": None}, "mode", "parameter_missing"),
    "an unknown parameter": ({"colour": "red"}, "colour", "parameter_unknown"),
    "a price that is not a number": (
        {
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": "eur",
                        "unit_amount": "12.50",
                        "product_data": {"name": "x"},
                    },
                }
            ]
        },
        "line_items[0][price_data][unit_amount]",
        "parameter_invalid_integer",
    ),
    "a line without quantity": (
        {
            "line_items": [
                {
                    "price_data": {
                        "currency": "eur",
                        "unit_amount": 100,
                        "product_data": {"name": "x"},
                    }
                }
            ]
        },
        "line_items[0][quantity]",
        "parameter_missing",
    ),
    "an unknown currency": (
        {
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": "xyz",
                        "unit_amount": 100,
                        "product_data": {"name": "x"},
                    },
                }
            ]
        },
        "line_items[0][price_data][currency]",
        "parameter_invalid",
    ),
    "a success URL that is no URL": ({"success_url": "thanks"}, "success_url", "url_invalid"),
    "an expiry in ten minutes": (
        {"expires_at": int(time.time()) + 600},
        "expires_at",
        "parameter_invalid",
    ),
    "another payment method": (
        {"payment_method_types": ["sepa_debit"]},
        "payment_method_types",
        "parameter_invalid",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_PARAMS))
def test_parameters_stripe_would_refuse_are_a_400_naming_the_parameter(client, standin, case):
    changes, param, code = BAD_PARAMS[case]
    params = {k: v for k, v in session_params(**changes).items() if v is not None}
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.checkout.sessions.create(params)
    assert raised.value.http_status == 400
    assert (raised.value.param, raised.value.code) == (param, code)
    assert standin[0].sessions == {}


def test_a_retried_create_with_the_same_idempotency_key_makes_one_session(client, standin):
    # One set of parameters for both: session_params() stamps expires_at from the clock,
    # and two calls a second apart made the retry a different request.
    params = session_params()
    first = client.v1.checkout.sessions.create(params, {"idempotency_key": "k-1"})
    again = client.v1.checkout.sessions.create(dict(params), {"idempotency_key": "k-1"})
    assert again.id == first.id
    assert len(standin[0].sessions) == 1
    with pytest.raises(stripe.IdempotencyError):
        client.v1.checkout.sessions.create(
            dict(params, client_reference_id="43"), {"idempotency_key": "k-1"}
        )


def test_paths_it_does_not_play_are_stripes_unrecognized_url(standin):
    _instance, url = standin
    response = requests.get(
        f"{url}/v1/customers", headers={"Authorization": f"Bearer {SECRET_KEY}"}, timeout=TIMEOUT
    )
    assert response.status_code == 404
    assert "Unrecognized request URL" in response.json()["error"]["message"]


# --- the hosted page and the events ----------------------------------------------------------


def test_the_hosted_page_shows_what_is_paid_and_both_buttons(client):
    session = client.v1.checkout.sessions.create(session_params())
    page = requests.get(session.url, timeout=TIMEOUT)
    assert page.status_code == 200
    assert "Order PO-000042" in page.text and "119.00 EUR" in page.text
    assert ">Pay</button>" in page.text and ">Cancel</button>" in page.text


def test_pay_completes_the_session_signs_the_event_and_returns_to_success_url(
    client, receiver, standin
):
    hook, _url = receiver
    session = client.v1.checkout.sessions.create(session_params())
    answer = requests.post(f"{session.url}/pay", allow_redirects=False, timeout=TIMEOUT)
    assert answer.status_code == 303
    assert answer.headers["Location"] == (
        f"https://shop.example/p/ABCD-1234-X/thanks?session={session.id}"
    )
    [event] = hook.events()  # construct_event raised if the signature were wrong
    assert event.type == "checkout.session.completed"
    paid = event.data.object
    assert (paid.id, paid.status, paid.payment_status) == (session.id, "complete", "paid")
    assert paid.amount_total == 11900 and paid.metadata.order_id == "42"
    assert paid.payment_intent.startswith("pi_")
    header = hook.received[0]["headers"]["Stripe-Signature"]
    timestamp, signature = header.split(",")
    assert timestamp.startswith("t=") and signature.startswith("v1=") and len(signature) == 67
    fetched = client.v1.checkout.sessions.retrieve(session.id)
    assert (fetched.status, fetched.payment_status, fetched.url) == ("complete", "paid", None)
    # Paid once: a second Pay (the back button) sends nothing more.
    again = requests.post(f"{session.url}/pay", allow_redirects=False, timeout=TIMEOUT)
    assert again.status_code == 303 and len(hook.received) == 1


def test_the_signature_is_stripes_scheme_and_fails_for_another_secret(client, receiver):
    hook, _url = receiver
    session = client.v1.checkout.sessions.create(session_params())
    requests.post(f"{session.url}/pay", timeout=TIMEOUT, allow_redirects=False)
    [got] = hook.received
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(got["body"], got["headers"]["Stripe-Signature"], "whsec_x")


def test_cancel_returns_to_cancel_url_and_changes_nothing(client, receiver):
    hook, _url = receiver
    session = client.v1.checkout.sessions.create(session_params())
    answer = requests.post(f"{session.url}/cancel", allow_redirects=False, timeout=TIMEOUT)
    assert answer.status_code == 303
    assert answer.headers["Location"] == "https://shop.example/p/ABCD-1234-X"
    assert client.v1.checkout.sessions.retrieve(session.id).status == "open"
    assert hook.received == []


def test_an_expired_session_cannot_be_paid(receiver):
    hook, webhook_url = receiver
    now = [time.time()]
    instance = StripeStandIn(
        StandInConfig(
            secret_key=SECRET_KEY, webhook_secret=WEBHOOK_SECRET, webhook_url=webhook_url
        ),
        clock=lambda: now[0],
    )
    with StripeServer(instance) as server:
        client = stripe.StripeClient(SECRET_KEY, base_addresses={"api": server.url})
        session = client.v1.checkout.sessions.create(session_params())
        now[0] += 3601
        assert client.v1.checkout.sessions.retrieve(session.id).status == "expired"
        page = requests.get(session.url, timeout=TIMEOUT)
        assert "This checkout is expired" in page.text
        requests.post(f"{session.url}/pay", timeout=TIMEOUT, allow_redirects=False)
    assert hook.received == []


def test_control_resends_the_same_event_and_sends_events_in_any_order(client, receiver, standin):
    hook, _url = receiver
    _instance, url = standin
    session = client.v1.checkout.sessions.create(session_params())
    control = f"{url}/sim"
    held = requests.post(
        f"{control}/sessions/{session.id}/events",
        json={"type": "checkout.session.completed", "deliver": False},
        timeout=TIMEOUT,
    ).json()
    assert held["deliveries"] == [] and hook.received == []
    expired = requests.post(
        f"{control}/sessions/{session.id}/events",
        json={"type": "checkout.session.expired"},
        timeout=TIMEOUT,
    ).json()
    for _ in range(2):  # the held completion, then the same again
        answer = requests.post(f"{control}/events/{held['id']}/deliver", timeout=TIMEOUT).json()
    assert [d["status"] for d in answer["deliveries"]] == [200, 200]
    events = hook.events()
    assert [e.id for e in events] == [expired["id"], held["id"], held["id"]]
    assert [e.type for e in events] == [
        "checkout.session.expired",
        "checkout.session.completed",
        "checkout.session.completed",
    ]
    assert hook.received[1]["body"] == hook.received[2]["body"]  # the same event, signed anew
    listed = requests.get(f"{control}/events", timeout=TIMEOUT).json()
    assert {e["id"] for e in listed} == {held["id"], expired["id"]}


def test_control_refuses_an_event_type_it_does_not_play(client, standin):
    _instance, url = standin
    session = client.v1.checkout.sessions.create(session_params())
    answer = requests.post(
        f"{url}/sim/sessions/{session.id}/events", json={"type": "charge.refunded"}, timeout=TIMEOUT
    )
    assert answer.status_code == 400
    assert requests.post(f"{url}/sim/events/evt_none/deliver", timeout=TIMEOUT).status_code == 404


def test_with_a_delivery_delay_the_browser_is_sent_on_before_the_event(client, receiver, standin):
    hook, _url = receiver
    instance, _url = standin
    instance.config.delivery_delay = 0.5
    session = client.v1.checkout.sessions.create(session_params())
    answer = requests.post(f"{session.url}/pay", allow_redirects=False, timeout=TIMEOUT)
    assert answer.status_code == 303 and hook.received == []
    assert hook.arrived.wait(5)
    assert [e.type for e in hook.events()] == ["checkout.session.completed"]


def test_an_unreachable_webhook_is_recorded_as_a_failed_delivery(client, standin):
    from tests.mail_helpers import free_port

    instance, url = standin
    instance.config.webhook_url = f"http://127.0.0.1:{free_port()}/webhooks/stripe"
    session = client.v1.checkout.sessions.create(session_params())
    answer = requests.post(f"{session.url}/pay", allow_redirects=False, timeout=TIMEOUT)
    assert answer.status_code == 303  # the customer is not held up by it
    [event] = requests.get(f"{url}/sim/events", timeout=TIMEOUT).json()
    assert event["deliveries"][0]["status"] is None
    assert "ConnectionError" in event["deliveries"][0]["error"]


# --- mounted in the Twilio simulator's server ------------------------------------------------


def test_the_simulator_serves_the_stand_in_under_stripe(receiver):
    hook, webhook_url = receiver
    sim = Simulator(SimConfig(app_url="http://127.0.0.1:9"))
    instance = StripeStandIn(
        StandInConfig(secret_key=SECRET_KEY, webhook_secret=WEBHOOK_SECRET, webhook_url=webhook_url)
    )
    server = SimServer(sim, stripe=instance).start()
    try:
        api_base = server.url + MOUNT_PREFIX
        client = stripe.StripeClient(SECRET_KEY, base_addresses={"api": api_base})
        session = client.v1.checkout.sessions.create(session_params())
        assert session.url == f"{api_base}/checkout/{session.id}"
        assert requests.get(session.url, timeout=TIMEOUT).status_code == 200
        requests.post(f"{session.url}/pay", allow_redirects=False, timeout=TIMEOUT)
        assert [e.type for e in hook.events()] == ["checkout.session.completed"]
        assert requests.get(f"{server.url}/sim", timeout=TIMEOUT).json()["app_url"]  # Twilio's
    finally:
        server.stop()


def test_sim_serve_offers_the_stand_in_and_a_way_without_it():
    from voiceapp.sim.commands import sim

    result = CliRunner().invoke(sim, ["serve", "--help"])
    assert result.exit_code == 0
    for option in ("--stripe-secret-key", "--stripe-webhook-secret", "--no-stripe"):
        assert option in result.output


def test_events_carry_stripes_event_shape(client, receiver):
    hook, _url = receiver
    session = client.v1.checkout.sessions.create(session_params())
    requests.post(f"{session.url}/pay", allow_redirects=False, timeout=TIMEOUT)
    body = json.loads(hook.received[0]["body"])
    assert body["object"] == "event" and body["id"].startswith("evt_")
    assert body["livemode"] is False and body["api_version"]
    assert body["data"]["object"]["object"] == "checkout.session"
    assert hook.received[0]["headers"]["Content-Type"].startswith("application/json")
