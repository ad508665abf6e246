"""The dossier's panel pages through real sign-ins: edits from a page a colleague's change
made stale are refused with a message and change nothing (two sessions), bad input is the
page again with a message, archiving shows what goes before it erases, the customer
comment shows on the customer's orders, and managers change or cancel subscriptions."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import func, select

from tests.conftest import csrf_from, sign_in
from tests.dossier_helpers import SUBSCRIPTION_PLAN, make_on_request_product, make_request
from tests.factories import PASSWORD, UserFactory
from tests.order_helpers import make_product, take_order
from voiceapp.models import CustomerNote, Payment, Quote, Request, Subscription
from voiceapp.services.requests import subscriptions

NOW = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


def member_client(app, role="agent", **kwargs):
    user = UserFactory(role=role, **kwargs)
    client = app.test_client()
    sign_in(client, user.email, PASSWORD)
    return user, client


def fresh(dbs):
    dbs.rollback()
    dbs.expire_all()
    return dbs


def test_a_quote_from_an_older_page_is_refused_two_sessions(app, ctx, dbs):
    req = make_request(dbs, product=make_on_request_product(dbs))
    dbs.commit()
    _agent, first = member_client(app)
    _manager, second = member_client(app, role="sales_manager")
    page_first = first.get(f"/requests/{req.id}").text
    page_second = second.get(f"/requests/{req.id}").text
    version = str(req.version)
    sent = second.post(
        f"/requests/{req.id}/quotes",
        data={"csrf_token": csrf_from(page_second), "version": version, "amount": "700.00"},
        follow_redirects=True,
    )
    assert "Quote sent to the customer." in sent.text
    refused = first.post(
        f"/requests/{req.id}/quotes",
        data={"csrf_token": csrf_from(page_first), "version": version, "amount": "650.00"},
        follow_redirects=True,
    )
    assert "Someone else changed this request in the meantime" in refused.text
    amounts = fresh(dbs).scalars(select(Quote.amount)).all()
    assert amounts == [Decimal("700.00")]
    # The same for the online-payment switch from the stale page: nothing changes.
    first_again = first.post(
        f"/requests/{req.id}/online-payment",
        data={"csrf_token": csrf_from(page_first), "version": version, "online": "0"},
        follow_redirects=True,
    )
    assert "Someone else changed this request" in first_again.text
    assert fresh(dbs).get(Request, req.id).online_payment is True


def test_bad_input_is_the_page_again_with_a_message_and_stores_nothing(app, ctx, dbs):
    req = make_request(dbs, product=make_product(dbs, price=Decimal("100.00")))
    dbs.commit()
    _manager, client = member_client(app, role="sales_manager")
    token = csrf_from(client.get(f"/requests/{req.id}").text)
    for data, message in (
        ({"amount": "abc"}, "amount: more than 0, please"),
        ({"amount": "5", "currency": "USD"}, "currency: Sales course is sold in EUR"),
    ):
        answer = client.post(
            f"/requests/{req.id}/quotes", data={"csrf_token": token, **data}, follow_redirects=True
        )
        assert f"Nothing was changed: {message}" in answer.text
    too_much = client.post(
        f"/requests/{req.id}/payments",
        data={
            "csrf_token": token,
            "amount": "100.01",
            "received_on": "2026-05-01",
            "method": "bank_transfer",
        },
        follow_redirects=True,
    )
    assert "at most 100.00 EUR: what is still outstanding" in too_much.text
    no_date = client.post(
        f"/requests/{req.id}/payments",
        data={"csrf_token": token, "amount": "10", "received_on": "", "method": "manual"},
        follow_redirects=True,
    )
    assert "give the amount (e.g. 150.00) and the day it came" in no_date.text
    dbs = fresh(dbs)
    assert dbs.scalar(select(func.count()).select_from(Quote)) == 0
    assert dbs.scalar(select(func.count()).select_from(Payment)) == 0


def test_archiving_names_what_goes_then_erases_it(app, ctx, dbs):
    req = make_request(dbs, product=make_product(dbs), stage="processed")
    dbs.commit()
    _manager, client = member_client(app, role="sales_manager", name="Max Manager")
    page = client.get(f"/requests/{req.id}/archive")
    assert page.status_code == 200
    for words in ("the internal notes", "the quotes", "the conversation with the customer"):
        assert words in page.text
    assert fresh(dbs).get(Request, req.id).message == "Please make me an offer."  # not yet
    done = client.post(
        f"/requests/{req.id}/archive",
        data={"csrf_token": csrf_from(page.text), "version": str(req.version)},
        follow_redirects=True,
    )
    assert "Dossier archived" in done.text
    row = fresh(dbs).get(Request, req.id)
    assert (row.stage, row.message) == ("archived", None)


def test_the_customer_comment_shows_on_the_customers_orders(app, ctx, dbs):
    agent = UserFactory(role="agent")
    req = make_request(dbs, product=make_product(dbs))
    order = take_order(dbs, agent, contact=req.contact)
    _member, client = member_client(app, role="sales_manager")
    token = csrf_from(client.get(f"/requests/{req.id}").text)
    client.post(
        f"/requests/{req.id}/customer-comments",
        data={"csrf_token": token, "text": "This customer has a 10 % discount"},
    )
    assert fresh(dbs).scalar(select(CustomerNote.text)) == "This customer has a 10 % discount"
    assert "This customer has a 10 % discount" in client.get(f"/orders/{order.id}").text
    other = make_request(dbs, product=make_product(dbs, name="Other"), contact=req.contact)
    dbs.commit()
    assert "This customer has a 10 % discount" in client.get(f"/requests/{other.id}").text


def test_a_manager_changes_the_plan_then_cancels_the_subscription(app, ctx, dbs):
    yearly = {**SUBSCRIPTION_PLAN, "amount": "290.00", "interval_unit": "year"}
    product = make_product(dbs, name="Coaching", plans=[SUBSCRIPTION_PLAN, yearly])
    req = make_request(dbs, product=product, plan=SUBSCRIPTION_PLAN, status="confirmed")
    manager, client = member_client(app, role="sales_manager")
    sub = subscriptions.start_subscription(dbs, req, actor=manager, now=NOW, today=NOW.date())
    dbs.commit()
    url = f"/requests/subscriptions/{sub.id}"
    page = client.get(url).text
    assert "subscription: 29.00 EUR every month" in page
    client.post(f"{url}/plan", data={"csrf_token": csrf_from(page), "version": "1", "plan": "1"})
    assert fresh(dbs).get(Subscription, sub.id).plan["amount"] == "290.00"
    # The page read before the change is stale: its cancel is refused.
    stale = client.post(
        f"{url}/cancel",
        data={"csrf_token": csrf_from(page), "version": "1"},
        follow_redirects=True,
    )
    assert "Someone else changed this subscription" in stale.text
    assert fresh(dbs).get(Subscription, sub.id).status == "active"
    page = client.get(url).text
    client.post(f"{url}/cancel", data={"csrf_token": csrf_from(page), "version": "2"})
    row = fresh(dbs).get(Subscription, sub.id)
    assert (row.status, row.ended_reason) == ("inactive", "cancelled")
    listing = client.get("/requests/subscriptions?status=inactive").text
    assert f'data-subscription-id="{sub.id}"' in listing


def test_with_online_payment_off_the_pay_page_offers_no_online_method(app, client, ctx, dbs):
    from voiceapp.domain.payment_code import format_code
    from voiceapp.services.requests import money
    from voiceapp.services.team_settings import update_team_settings

    update_team_settings(dbs, bank_iban="DE02120300000000202051")
    req = make_request(dbs, product=make_product(dbs, price=Decimal("100.00")))
    agent = UserFactory(role="agent")
    order = money.order_for_request(dbs, req, seller=agent, now=NOW)
    dbs.commit()
    code = format_code(order.payment_code)
    page = client.get(f"/p/{code}").text
    assert 'data-testid="pay-demo"' in page and 'data-testid="pay-bank"' in page
    money.set_online_payment(dbs, req, False, actor=agent, now=NOW)
    dbs.commit()
    page = client.get(f"/p/{code}").text
    assert 'data-testid="pay-demo"' not in page and 'data-testid="pay-bank"' in page
    token = csrf_from(page)
    assert client.post(f"/p/{code}/demo", data={"csrf_token": token}).status_code == 404
    assert fresh(dbs).scalar(select(func.count()).select_from(Payment)) == 0
