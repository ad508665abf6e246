"""The customer's pay page, /p/CODE, through HTTP on a real database and Redis: the code
read forgivingly, a failed check symbol told apart from an unknown code, the rate limit
per address, nothing of the buyer but the first name, the order's state alone once it is
settled, and each way to pay (demo provider, bank transfer, SEPA mandate) doing what it
says and nothing more."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_from, sign_in
from tests.factories import PASSWORD, UserFactory
from tests.http_helpers import assert_redirect
from tests.order_helpers import INSTALMENTS_3, make_product, take_order
from voiceapp.domain.payment_code import ALPHABET, check_symbol, format_code
from voiceapp.models import Order, OrderEvent, Payment, SepaMandate, TeamSettings
from voiceapp.models.orders import PAID, PENDING
from voiceapp.services.orders import pay_page, payments
from voiceapp.services.orders.cancelling import mark_cancelled
from voiceapp.services.team_settings import update_team_settings

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
IBAN = "DE89370400440532013000"
CREDITOR_ID = "DE98ZZZ09999999999"
BUYER = {
    "first_name": "Annabell",
    "last_name": "Quirinius",
    "email": "annabell.q@example.org",
    "street": "Zypressenweg 17",
    "postcode": "04109",
    "city": "Leipzig",
    "phone": "+4915199887766",
    "country": "DE",
    "language": "en",
}
# A code with a 0 and a 1 in it, so the forgiving reading of O, I and L can be tried.
PAYLOAD = "10AB1CD0"
CODE = PAYLOAD + check_symbol(PAYLOAD)
SHOWN = format_code(CODE)  # 10AB-1CD0-?


@pytest.fixture
def agent(ctx):
    return UserFactory(role="agent", name="Agent Smith")


@pytest.fixture
def bank(dbs):
    update_team_settings(
        dbs,
        seller_name="Musterverlag GmbH",
        bank_account_holder="Musterverlag GmbH",
        bank_iban="DE02120300000000202051",
        bank_bic="BYLADEM1001",
    )
    dbs.commit()


@pytest.fixture
def sepa(dbs, bank):
    update_team_settings(dbs, sepa_creditor_id=CREDITOR_ID)
    dbs.commit()


def order_with_code(dbs, seller, code: str = CODE, **kwargs) -> Order:
    order = take_order(dbs, seller, buyer=dict(BUYER, **kwargs.pop("buyer", {})), **kwargs)
    order.payment_code = code
    dbs.commit()
    return order


def fresh(dbs, order_id: int) -> Order:
    dbs.rollback()
    dbs.expire_all()
    return dbs.get(Order, order_id)


def count(dbs, model, *where) -> int:
    dbs.rollback()
    return dbs.scalar(select(func.count()).select_from(model).where(*where))


def page_token(client, path: str = f"/p/{SHOWN}") -> str:
    return csrf_from(client.get(path).text)


# --- codes ---------------------------------------------------------------------------------


def test_the_canonical_url_shows_the_order(client, dbs, agent):
    order_with_code(dbs, agent)
    response = client.get(f"/p/{SHOWN}")
    assert response.status_code == 200
    assert "Annabell" in response.text
    assert re.search(r"PO-\d{4}-\d{6}", response.text)


@pytest.mark.parametrize(
    "typed",
    [
        CODE.lower(),  # lower case, no hyphens
        f"{CODE[:4]} {CODE[4:8]} {CODE[8]}",  # spaces
        "IOAB-LCDO-" + CODE[8],  # I/L read as 1, O as 0
        "io ab - lcdo - " + CODE[8].lower(),
    ],
)
def test_a_code_written_another_way_redirects_to_the_canonical_url(client, dbs, agent, typed):
    order_with_code(dbs, agent)
    assert_redirect(client.get(f"/p/{typed}"), f"/p/{SHOWN}")
    assert_redirect(client.get(f"/p/{typed}/thanks"), f"/p/{SHOWN}/thanks")


def test_the_entry_form_takes_a_code_to_its_page(client, dbs, agent):
    order_with_code(dbs, agent)
    assert client.get("/p/").status_code == 200
    assert_redirect(client.get("/p/", query_string={"code": CODE.lower()}), f"/p/{SHOWN}")


def _one_symbol_wrong(code: str) -> str:
    wrong = ALPHABET[(ALPHABET.index(code[3]) + 1) % len(ALPHABET)]
    return code[:3] + wrong + code[4:]


def test_a_failed_check_symbol_asks_to_check_the_code_and_shows_nothing_else(client, dbs, agent):
    order = order_with_code(dbs, agent)
    misread = _one_symbol_wrong(CODE)
    swapped = CODE[:5] + CODE[6] + CODE[5] + CODE[7:]  # neighbours swapped: 1C -> C1
    for typed in (misread, swapped):
        response = client.get(f"/p/{typed[:4]}-{typed[4:8]}-{typed[8]}")
        assert response.status_code == 400
        assert "Please check the code" in response.text
        assert "XXXX-XXXX-X" in response.text  # says which format is expected
        assert "No order with this code" not in response.text
        for secret in (order.number, "Annabell", "Sales course"):
            assert secret not in response.text


def test_a_malformed_code_explains_what_a_code_looks_like(client, dbs, agent):
    order_with_code(dbs, agent)
    for typed in ("abc", "10AB-1CD0-99", "UUUU-UUUU-U", "%3Cscript%3E"):
        response = client.get(f"/p/{typed}")
        assert response.status_code == 400, typed
        assert "This is not a payment code" in response.text
        assert "9 letters and digits" in response.text
        assert "<script>" not in response.text


def test_an_unknown_code_is_not_found(client, dbs, agent):
    order_with_code(dbs, agent)
    other = "ZZZZYYYY"
    response = client.get(f"/p/{format_code(other + check_symbol(other))}")
    assert response.status_code == 404
    assert "No order with this code" in response.text
    assert "Please check the code" not in response.text
    assert "Annabell" not in response.text


def test_the_pages_are_not_cached_and_not_indexed(client, dbs, agent):
    order_with_code(dbs, agent)
    for path in (f"/p/{SHOWN}", f"/p/{SHOWN}/thanks", "/p/abc"):
        response = client.get(path)
        assert response.headers["Cache-Control"] == "private, no-store"
        assert "noindex" in response.text
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_the_help_pages_speak_german_to_a_german_browser(client):
    response = client.get("/p/abc", headers={"Accept-Language": "de-DE,de;q=0.9"})
    assert "Das ist kein Zahlungscode" in response.text


# --- the rate limit ------------------------------------------------------------------------


@pytest.fixture
def limited(shared_app):
    return shared_app(pay_page_rate_limit="3 per minute")


def test_more_requests_than_the_limit_from_one_address_get_429(limited, dbs, agent):
    order_with_code(dbs, agent, buyer={"language": "en"})
    client = limited.test_client()
    token = page_token(client)  # 1
    guesses = [format_code(p + check_symbol(p)) for p in ("AAAAAAAA", "BBBBBBBB")]
    assert [client.get(f"/p/{g}").status_code for g in guesses] == [404, 404]  # 2, 3
    refused = client.get(f"/p/{SHOWN}")  # even the right code: the address is over its limit
    assert refused.status_code == 429
    assert "Too many requests" in refused.text
    assert "Annabell" not in refused.text
    assert int(refused.headers["Retry-After"]) > 0
    assert client.get("/p/abc").status_code == 429  # every /p/ route counts
    assert client.post(f"/p/{SHOWN}/bank", data={"csrf_token": token}).status_code == 429
    # Another address has its own count.
    other = limited.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert other.get(f"/p/{SHOWN}").status_code == 200


def test_a_member_signed_in_to_the_panel_is_not_counted(limited, dbs, agent):
    order_with_code(dbs, agent)
    client = limited.test_client()
    sign_in(client, agent.email, PASSWORD)
    assert {client.get(f"/p/{SHOWN}").status_code for _ in range(6)} == {200}


def test_the_client_address_behind_a_trusted_proxy_is_the_forwarded_one(make_app, dbs, agent):
    order_with_code(dbs, agent)
    app = make_app(pay_page_rate_limit="2 per minute", trusted_proxies=1)
    try:
        client = app.test_client()
        first = {"X-Forwarded-For": "198.51.100.1"}
        second = {"X-Forwarded-For": "198.51.100.2"}
        assert [client.get(f"/p/{SHOWN}", headers=first).status_code for _ in range(3)] == [
            200,
            200,
            429,
        ]
        assert client.get(f"/p/{SHOWN}", headers=second).status_code == 200
    finally:
        app.extensions["voiceapp.db"].engine.dispose()


def test_with_redis_unreachable_the_page_answers_and_each_process_still_counts(
    make_app, dbs, agent
):
    order_with_code(dbs, agent)
    app = make_app(redis_url="redis://127.0.0.1:1/0", pay_page_rate_limit="2 per minute")
    try:
        client = app.test_client()
        statuses = [client.get(f"/p/{SHOWN}").status_code for _ in range(3)]
        assert statuses == [200, 200, 429]
    finally:
        app.extensions["voiceapp.db"].engine.dispose()


# --- what the page shows -------------------------------------------------------------------


def test_the_page_shows_the_order_and_of_the_buyer_only_the_first_name(client, dbs, agent):
    order = order_with_code(dbs, agent)
    text = client.get(f"/p/{SHOWN}").text
    assert "Hello Annabell," in text
    assert order.number in text
    assert "Sales course" in text
    assert "€119.00" in text and "€100.00" in text and "€19.00" in text  # gross, net, VAT
    assert "Germany" in text  # the seller's country
    assert "Right of withdrawal" in text and "14 days" in text
    assert "One payment of €119.00." in text
    for private in ("Quirinius", "annabell.q@example.org", "Zypressenweg", "04109", "Leipzig"):
        assert private not in text, private
    assert "99887766" not in text  # the phone, however written
    # The URLs name the order by its code only, never by its id.
    for url in re.findall(r'(?:href|action|src)="([^"]*)"', text):
        assert url in ("data:,", "/static/style.css") or url.startswith(f"/p/{SHOWN}/"), url


def test_an_instalment_plan_shows_its_payments_and_what_is_due_now(client, dbs, agent):
    product = make_product(dbs, plans=[INSTALMENTS_3])
    order_with_code(dbs, agent, product=product, plan={"kind": "instalments"})
    text = client.get(f"/p/{SHOWN}").text
    assert "3 instalments:" in text
    assert re.search(r'data-testid="pay-due-now">€39.00<', text)


def test_a_german_buyer_gets_the_page_in_german(client, dbs, agent):
    order_with_code(dbs, agent, buyer={"language": "de"})
    text = client.get(f"/p/{SHOWN}").text
    assert 'lang="de"' in text
    assert "Hallo Annabell," in text
    assert "Gesamtbetrag" in text and "119,00\xa0€" in text
    assert "Widerrufsrecht" in text


def test_a_reverse_charge_order_shows_its_vat_note(client, dbs, agent):
    order = order_with_code(dbs, agent)
    order.reverse_charge = True
    order.vat_note = "Reverse charge: VAT to be accounted for by the recipient."
    dbs.commit()
    assert "Reverse charge: VAT to be accounted for" in client.get(f"/p/{SHOWN}").text


@pytest.mark.parametrize("settle", ["paid", "cancelled", "refunded"])
def test_a_settled_order_says_so_and_shows_nothing_else(client, dbs, agent, settle):
    order = order_with_code(dbs, agent)
    manager = UserFactory(role="sales_manager")
    if settle == "cancelled":
        mark_cancelled(dbs, order, actor=manager, now=NOW, reason="customer changed mind")
    else:
        payments.record_payment(dbs, order.id, amount=Decimal("119.00"), method="manual", now=NOW)
        if settle == "refunded":
            payments.refund(dbs, order.id, now=NOW, actor=manager)
    dbs.commit()
    for path in (f"/p/{SHOWN}", f"/p/{SHOWN}/thanks"):
        response = client.get(path)
        assert response.status_code == 200
        expected = "Thank you, payment received." if path.endswith("thanks") else ""
        assert (
            f"This order was {settle}" in response.text
            or "This order is paid" in response.text
            or expected in response.text
        )
        for hidden in (order.number, "Annabell", "Sales course", "119.00", "csrf_token"):
            assert hidden not in response.text, (path, hidden)


def test_the_status_answers_the_state_for_the_thank_you_page_to_poll(client, dbs, agent):
    order = order_with_code(dbs, agent)
    assert client.get(f"/p/{SHOWN}/status").json == {"state": "open"}
    thanks = client.get(f"/p/{SHOWN}/thanks").text
    assert "We are waiting for your payment" in thanks
    assert f'data-pay-status-url="/p/{SHOWN}/status"' in thanks
    assert "/static/pay.js" in thanks
    payments.record_payment(dbs, order.id, amount=Decimal("119.00"), method="manual", now=NOW)
    dbs.commit()
    assert client.get(f"/p/{SHOWN}/status").json == {"state": "paid"}
    assert client.get("/p/abc/status").status_code == 400


# --- the demo provider ---------------------------------------------------------------------


def start_demo(client) -> str:
    """Choose the demo provider on the page; the checkout's URL."""
    response = client.post(f"/p/{SHOWN}/demo", data={"csrf_token": page_token(client)})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert urlsplit(location).path == f"/p/{SHOWN}/demo"
    return location


def finish_demo(client, checkout_url: str, outcome: str):
    token = parse_qs(urlsplit(checkout_url).query)["c"][0]
    page = client.get(checkout_url)
    assert page.status_code == 200
    return client.post(
        f"/p/{SHOWN}/demo/complete",
        data={"csrf_token": csrf_from(page.text), "c": token, "outcome": outcome},
    )


def test_paying_with_the_demo_provider_marks_the_order_paid(client, dbs, agent):
    order = order_with_code(dbs, agent)
    checkout = start_demo(client)
    page = client.get(checkout).text
    assert "Demo checkout" in page and "Pay €119.00" in page
    assert_redirect(finish_demo(client, checkout, "pay"), f"/p/{SHOWN}/thanks")
    order = fresh(dbs, order.id)
    assert order.status == PAID
    assert order.ip_address == "127.0.0.1"
    [payment] = order.payments
    assert (payment.method, payment.amount, payment.status) == (
        "demo",
        Decimal("119.00"),
        "succeeded",
    )
    assert payment.provider_ref.startswith("demo_")
    assert "Thank you, payment received." in client.get(f"/p/{SHOWN}/thanks").text


def test_replaying_the_demo_success_records_nothing_more(client, dbs, agent):
    order = order_with_code(dbs, agent)
    checkout = start_demo(client)
    token = csrf_from(client.get(checkout).text)
    first = finish_demo(client, checkout, "pay")
    # The same success posted again (a double click, the browser's back and resend).
    again = client.post(
        f"/p/{SHOWN}/demo/complete",
        data={
            "csrf_token": token,
            "c": parse_qs(urlsplit(checkout).query)["c"][0],
            "outcome": "pay",
        },
    )
    assert first.headers["Location"] == again.headers["Location"]
    assert count(dbs, Payment, Payment.order_id == order.id) == 1
    assert fresh(dbs, order.id).status == PAID


def test_a_failed_demo_payment_records_nothing_and_lets_the_customer_choose_again(
    client, dbs, agent
):
    order = order_with_code(dbs, agent)
    response = finish_demo(client, start_demo(client), "fail")
    location = assert_redirect(response, f"/p/{SHOWN}?notice=demo_failed")
    page = client.get(location).text
    assert "The payment did not go through" in page
    assert 'data-testid="pay-demo"' in page  # the methods are offered again
    assert count(dbs, Payment, Payment.order_id == order.id) == 0
    assert fresh(dbs, order.id).status == PENDING


def test_a_made_up_or_foreign_checkout_records_nothing(client, dbs, agent):
    order = order_with_code(dbs, agent)
    other = take_order(dbs, agent, buyer=BUYER)
    token = csrf_from(client.get(f"/p/{SHOWN}").text)
    for forged in ("demo_123", ""):
        response = client.post(
            f"/p/{SHOWN}/demo/complete", data={"csrf_token": token, "c": forged, "outcome": "pay"}
        )
        assert_redirect(response, f"/p/{SHOWN}?notice=demo_expired")
    # A checkout of another order does not pay this one.
    other_code = format_code(other.payment_code)
    started = client.post(f"/p/{other_code}/demo", data={"csrf_token": token})
    other_token = parse_qs(urlsplit(started.headers["Location"]).query)["c"][0]
    response = client.post(
        f"/p/{SHOWN}/demo/complete", data={"csrf_token": token, "c": other_token, "outcome": "pay"}
    )
    assert_redirect(response, f"/p/{SHOWN}?notice=demo_expired")
    assert count(dbs, Payment) == 0
    assert fresh(dbs, order.id).status == PENDING


def test_without_the_demo_setting_there_is_no_demo_provider(make_app, dbs, agent, bank):
    order_with_code(dbs, agent)
    app = make_app(payment_demo=False)
    try:
        client = app.test_client()
        page = client.get(f"/p/{SHOWN}").text
        assert 'data-testid="pay-demo"' not in page
        response = client.post(f"/p/{SHOWN}/demo", data={"csrf_token": csrf_from(page)})
        assert response.status_code == 404
        assert count(dbs, Payment) == 0
    finally:
        app.extensions["voiceapp.db"].engine.dispose()


def test_posts_without_the_csrf_token_are_refused_and_change_nothing(client, dbs, agent, sepa):
    order = order_with_code(dbs, agent)
    client.get(f"/p/{SHOWN}")
    sepa_form = {"holder": "Annabell Quirinius", "iban": IBAN, "accept": "yes"}
    for path, data in (
        (f"/p/{SHOWN}/demo", {}),
        (f"/p/{SHOWN}/bank", {}),
        (f"/p/{SHOWN}/sepa", sepa_form),
        (f"/p/{SHOWN}/demo/complete", {"c": "x", "outcome": "pay"}),
    ):
        response = client.post(path, data=data)
        assert response.status_code == 400, path
        assert "The form had expired" in response.text
    assert count(dbs, Payment) == 0
    assert count(dbs, OrderEvent, OrderEvent.kind == "pay_page") == 0
    assert fresh(dbs, order.id).status == PENDING


def test_a_checkout_opened_after_the_order_was_paid_sends_back_to_the_page(client, dbs, agent):
    order = order_with_code(dbs, agent)
    checkout = start_demo(client)
    payments.record_payment(dbs, order.id, amount=Decimal("119.00"), method="manual", now=NOW)
    dbs.commit()
    assert_redirect(client.get(checkout), f"/p/{SHOWN}")
    assert "This order is paid" in client.get(f"/p/{SHOWN}").text


def test_the_thank_you_url_is_the_codes_own(dbs, agent):
    order = order_with_code(dbs, agent)
    assert pay_page.thank_you_url(order, "https://pay.example.com/") == (
        f"https://pay.example.com/p/{SHOWN}/thanks"
    )


# --- bank transfer -------------------------------------------------------------------------


def test_without_an_iban_there_is_no_bank_transfer(client, dbs, agent):
    order_with_code(dbs, agent)
    page = client.get(f"/p/{SHOWN}").text
    assert 'data-method="bank_transfer"' not in page
    assert 'data-method="sepa"' not in page
    response = client.post(f"/p/{SHOWN}/bank", data={"csrf_token": csrf_from(page)})
    assert_redirect(response, f"/p/{SHOWN}")
    assert count(dbs, OrderEvent, OrderEvent.kind == "pay_page") == 0


def test_bank_transfer_shows_the_account_and_the_code_as_reference(client, dbs, agent, bank):
    order = order_with_code(dbs, agent)
    page = client.get(f"/p/{SHOWN}").text
    assert "DE02 1203 0000 0000 2020 51" in page
    assert "BYLADEM1001" in page
    assert f'data-testid="pay-reference">{SHOWN}<' in page
    response = client.post(f"/p/{SHOWN}/bank", data={"csrf_token": csrf_from(page)})
    assert_redirect(response, f"/p/{SHOWN}/thanks")
    client.post(f"/p/{SHOWN}/bank", data={"csrf_token": csrf_from(page)})  # twice: one line
    thanks = client.get(f"/p/{SHOWN}/thanks").text
    assert "We are waiting for your bank transfer" in thanks
    assert "DE02 1203 0000 0000 2020 51" in thanks and SHOWN in thanks
    dbs.rollback()
    events = dbs.scalars(
        select(OrderEvent).where(OrderEvent.order_id == order.id, OrderEvent.kind == "pay_page")
    ).all()
    assert [e.text for e in events] == ["customer chose bank transfer"]
    assert count(dbs, Payment) == 0
    assert fresh(dbs, order.id).status == PENDING


# --- SEPA direct debit -----------------------------------------------------------------------


def test_without_a_creditor_id_there_is_no_direct_debit(client, dbs, agent, bank):
    order_with_code(dbs, agent)
    page = client.get(f"/p/{SHOWN}").text
    assert 'data-method="sepa"' not in page
    response = client.post(
        f"/p/{SHOWN}/sepa",
        data={"csrf_token": csrf_from(page), "holder": "A Q", "iban": IBAN, "accept": "yes"},
    )
    assert_redirect(response, f"/p/{SHOWN}")
    assert count(dbs, Payment) == 0


def test_the_mandate_form_shows_the_creditor_id_and_the_mandate_reference(client, dbs, agent, sepa):
    order_with_code(dbs, agent)
    page = client.get(f"/p/{SHOWN}").text
    assert "SEPA direct debit" in page
    assert f"Creditor identifier: {CREDITOR_ID}" in page
    assert f"Mandate reference: {SHOWN}" in page
    assert "you authorise Musterverlag GmbH to send instructions to your bank" in page


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        (
            {"holder": "", "iban": IBAN, "accept": "yes"},
            "holder",
            "Please enter the account holder",
        ),
        (
            {"holder": "A Q", "iban": "DE89370400440532013001", "accept": "yes"},
            "iban",
            "a character is probably mistyped",
        ),
        ({"holder": "A Q", "iban": "", "accept": "yes"}, "iban", "Please enter your IBAN"),
        ({"holder": "A Q", "iban": "hello", "accept": "yes"}, "iban", "This is not an IBAN"),
        ({"holder": "A Q", "iban": IBAN}, "accept", "tick the box"),
    ],
)
def test_a_mandate_with_a_problem_says_which_and_records_nothing(
    client, dbs, agent, sepa, form, field, message
):
    order = order_with_code(dbs, agent)
    response = client.post(f"/p/{SHOWN}/sepa", data={"csrf_token": page_token(client), **form})
    assert response.status_code == 422
    assert re.search(rf'class="field-error"[^>]*data-field="{field}">[^<]*{message}', response.text)
    assert "Nothing was saved" in response.text
    assert count(dbs, Payment) == 0
    assert count(dbs, SepaMandate) == 0
    assert fresh(dbs, order.id).status == PENDING


def test_a_mandate_records_a_pending_debit_with_the_iban_masked(client, dbs, agent, sepa):
    order = order_with_code(dbs, agent)
    token = page_token(client)
    response = client.post(
        f"/p/{SHOWN}/sepa",
        data={
            "csrf_token": token,
            "holder": " Annabell   Quirinius ",
            "iban": "de89 3704 0044 0532 0130 00",
            "accept": "yes",
        },
    )
    assert_redirect(response, f"/p/{SHOWN}/thanks")
    order = fresh(dbs, order.id)
    assert order.status == PENDING  # the debit is collected later
    assert order.ip_address == "127.0.0.1"
    [payment] = order.payments
    assert (payment.method, payment.status, payment.amount) == (
        "sepa",
        "pending",
        Decimal("119.00"),
    )
    assert payment.details["iban_masked"] == "DE89 **** **** **** **30 00"
    assert payment.details["holder"] == "Annabell Quirinius"
    assert payment.details["mandate_reference"] == SHOWN
    assert payment.details["accepted_at"]
    assert IBAN not in str(payment.details)
    history = " ".join(e.text for e in order.events)
    assert "DE89 **** **** **** **30 00" in history
    assert IBAN not in history.replace(" ", "")
    [mandate] = dbs.scalars(select(SepaMandate)).all()  # the full IBAN, for collecting
    assert (mandate.iban, mandate.reference, mandate.payment_id) == (IBAN, SHOWN, payment.id)
    assert (mandate.creditor_id, mandate.sequence_type, mandate.entered_by_id) == (
        CREDITOR_ID,
        "OOFF",
        None,
    )
    assert "you authorise Musterverlag GmbH" in mandate.mandate_text
    # The page now says the amount will be debited, and offers nothing else.
    for path in (f"/p/{SHOWN}", f"/p/{SHOWN}/thanks"):
        text = client.get(path).text
        assert "your direct debit mandate was received" in text
        assert "will be debited" in text
        assert 'data-testid="pay-methods"' not in text
    # Sent again: nothing more.
    again = client.post(
        f"/p/{SHOWN}/sepa",
        data={"csrf_token": token, "holder": "X", "iban": IBAN, "accept": "yes"},
    )
    assert_redirect(again, f"/p/{SHOWN}")
    assert count(dbs, Payment) == 1
    # Collected: the manager marks it received, and the order is paid.
    payments.mark_payment_received(dbs, payment.id, now=NOW)
    dbs.commit()
    assert fresh(dbs, order.id).status == PAID


def test_an_agent_on_the_phone_can_enter_the_mandate_for_the_customer(client, dbs, agent, sepa):
    order = order_with_code(dbs, agent, plan=None)
    sign_in(client, agent.email, PASSWORD)
    page = client.get(f"/p/{SHOWN}").text
    assert "recorded as entered by you" in page
    response = client.post(
        f"/p/{SHOWN}/sepa",
        data={"csrf_token": csrf_from(page), "holder": "A Q", "iban": IBAN, "accept": "yes"},
    )
    assert_redirect(response, f"/p/{SHOWN}/thanks")
    order = fresh(dbs, order.id)
    assert order.ip_address is None  # the agent's address is not the customer's
    [payment] = order.payments
    assert payment.recorded_by_id == agent.id
    assert payment.details["entered_by"] == "member"
    [mandate] = dbs.scalars(select(SepaMandate)).all()
    assert mandate.entered_by_id == agent.id and mandate.ip_address is None
    assert any("Agent Smith for the customer" in e.text for e in order.events)


def test_a_mandate_for_an_order_in_another_currency_is_not_offered(client, dbs, agent, sepa):
    product = make_product(dbs, currency="CHF")
    order_with_code(dbs, agent, product=product)
    page = client.get(f"/p/{SHOWN}").text
    assert 'data-method="sepa"' not in page
    assert 'data-method="bank_transfer"' in page


def test_a_german_buyer_is_told_what_is_wrong_in_german(client, dbs, agent, sepa):
    order_with_code(dbs, agent, buyer={"language": "de"})
    response = client.post(
        f"/p/{SHOWN}/sepa",
        data={"csrf_token": page_token(client), "holder": "", "iban": "DE89370400440532013001"},
    )
    assert response.status_code == 422
    for german in (
        "Bitte geben Sie den Namen des Kontoinhabers ein.",
        "Vermutlich ist ein Zeichen vertippt oder fehlt.",
        "Bitte setzen Sie das Häkchen",
        "Ich ermächtige Musterverlag GmbH",
    ):
        assert german in response.text


# --- Stripe's button -------------------------------------------------------------------------


def test_a_card_button_posts_to_the_stripe_route_when_stripe_is_configured(make_app, dbs, agent):
    order_with_code(dbs, agent)
    app = make_app()
    try:
        plain = app.test_client().get(f"/p/{SHOWN}").text
        assert "Pay by card" not in plain
        # The Stripe setting is another branch's (config.stripe_secret_key); set as it will be.
        object.__setattr__(app.config["VOICEAPP"], "stripe_secret_key", "sk_test_123")
        page = app.test_client().get(f"/p/{SHOWN}").text
        assert "Pay by card" in page
        form = rf'<form method="post" action="/p/{SHOWN}/stripe">\s*'
        assert re.search(form + r'<input type="hidden" name="csrf_token"', page)
    finally:
        app.extensions["voiceapp.db"].engine.dispose()


# --- the admin's sales settings: seller and bank account ----------------------------------


def _settings_form(token: str, **fields) -> dict:
    data = {
        "csrf_token": token,
        "seller_country": "DE",
        "order_auto_cancel_days": "14",
        "seller_name": "Musterverlag GmbH",
        "bank_account_holder": "Musterverlag GmbH",
        "bank_iban": "de02 1203 0000 0000 2020 51",
        "bank_bic": "byladem1001",
        "sepa_creditor_id": "DE98 ZZZ 0999 9999 999",
    }
    data.update(fields)
    return data


def _bank_row(dbs) -> tuple:
    dbs.rollback()
    row = dbs.get(TeamSettings, 1)
    if row is None:
        return (None,) * 5
    return (
        row.seller_name,
        row.bank_account_holder,
        row.bank_iban,
        row.bank_bic,
        row.sepa_creditor_id,
    )


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"bank_iban": "DE02 1203 0000 0000 2020 52"}, "bank_iban", "check digits do not match"),
        ({"bank_iban": "DE02 1203"}, "bank_iban", "15 to 34 characters"),
        ({"bank_bic": "BYLA"}, "bank_bic", "not a BIC"),
        ({"sepa_creditor_id": "DE97ZZZ09999999999"}, "sepa_creditor_id", "not a SEPA creditor"),
        ({"bank_account_holder": ""}, "bank_account_holder", "required with an IBAN"),
        ({"bank_account_holder": "x" * 71}, "bank_account_holder", "at most 70 characters"),
        ({"bank_iban": "", "bank_bic": "", "bank_account_holder": ""}, "sepa_creditor_id", "IBAN"),
        ({"seller_name": "y" * 201}, "seller_name", "at most 200 characters"),
    ],
)
def test_bad_bank_details_are_refused_field_by_field_and_nothing_is_saved(
    client, dbs, fields, field, message
):
    admin = UserFactory(role="admin")
    sign_in(client, admin.email, PASSWORD)
    token = csrf_from(client.get("/settings/sales").text)
    response = client.post("/settings/sales", data=_settings_form(token, **fields))
    assert response.status_code == 422
    assert re.search(rf'class="field-error" data-field="{field}">[^<]*{message}', response.text)
    assert "Nothing was saved" in response.text
    assert _bank_row(dbs) == (None,) * 5


def test_the_bank_details_are_saved_checked_and_compact_and_can_be_switched_off(client, dbs):
    admin = UserFactory(role="admin")
    sign_in(client, admin.email, PASSWORD)
    token = csrf_from(client.get("/settings/sales").text)
    assert_redirect(client.post("/settings/sales", data=_settings_form(token)), "/settings/sales")
    assert _bank_row(dbs) == (
        "Musterverlag GmbH",
        "Musterverlag GmbH",
        "DE02120300000000202051",
        "BYLADEM1001",
        "DE98ZZZ09999999999",
    )
    page = client.get("/settings/sales").text
    assert 'value="DE02 1203 0000 0000 2020 51"' in page  # shown in groups, saved again as is
    # A form of before this feature (no bank fields) keeps them.
    client.post("/settings/sales", data={"csrf_token": token, "seller_country": "AT"})
    assert _bank_row(dbs)[2] == "DE02120300000000202051"
    empty = {name: "" for name in ("bank_iban", "bank_bic", "sepa_creditor_id")}
    response = client.post(
        "/settings/sales", data=_settings_form(token, bank_account_holder="", **empty)
    )
    assert_redirect(response, "/settings/sales")
    assert _bank_row(dbs) == ("Musterverlag GmbH", None, None, None, None)
