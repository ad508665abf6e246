"""The order page (seed 002), GET /orders/<id> and its actions, through the panel with
real sign-ins, CSRF tokens and the database: each section shows the order's real data;
each action, where its status and the member's role allow it, changes the order and
writes a history line naming who did it; where not, the member reads why and nothing
changed."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from html import unescape
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from tests.conftest import form_token, sign_in
from tests.factories import PASSWORD, ContactFactory, UserFactory
from tests.order_helpers import INSTALMENTS_3, SUBSCRIPTION_MONTHLY, make_product, take_order
from tests.sql_capture import sent_selects
from voiceapp.db import utcnow
from voiceapp.models import (
    Call,
    Case,
    CaseEvent,
    Contact,
    CustomerNote,
    Order,
    OrderEvent,
    Payment,
    Recording,
)
from voiceapp.services.orders import actions, payments
from voiceapp.services.orders.page import order_page

# --- reading the page -----------------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}


class _ByTestId(HTMLParser):
    """The text of every element carrying data-testid=`testid`, in page order."""

    def __init__(self, testid: str):
        super().__init__()
        self.testid = testid
        self.depth = 0
        self.open: list[tuple[int, int]] = []
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "br":
            self.handle_data(" ")
        if tag in VOID:
            return
        self.depth += 1
        if dict(attrs).get("data-testid") == self.testid:
            self.open.append((self.depth, len(self.found)))
            self.found.append("")

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if self.open and self.open[-1][0] == self.depth:
            self.open.pop()
        self.depth -= 1

    def handle_data(self, data):
        for _depth, index in self.open:
            self.found[index] += data


def texts(html: str, testid: str) -> list[str]:
    parser = _ByTestId(testid)
    parser.feed(html)
    return [" ".join(unescape(t).split()) for t in parser.found]


def text(html: str, testid: str) -> str:
    found = texts(html, testid)
    assert found, f"nothing with data-testid={testid!r} on the page"
    return " | ".join(found)


def flashes(html: str) -> list[str]:
    return [
        " ".join(unescape(m).split())
        for m in re.findall(r'class="flash[^"]*"[^>]*>(.*?)</p>', html, re.S)
    ]


# --- people and orders ------------------------------------------------------------------


@pytest.fixture
def manager(ctx):
    return UserFactory(role="sales_manager", name="Maria Manager")


@pytest.fixture
def agent(ctx):
    return UserFactory(role="agent", name="Alex Agent")


def signed_in(app, user):
    client = app.test_client()
    sign_in(client, user.email, PASSWORD)
    return client


def page_url(order) -> str:
    return f"/orders/{order.id}"


def act(client, order, action: str, **data):
    """POST one of the page's forms (with the page's CSRF token) and follow it back."""
    data["csrf_token"] = form_token(client, page_url(order))
    return client.post(f"{page_url(order)}/{action}", data=data, follow_redirects=True)


def fresh(dbs, order_id) -> Order | None:
    dbs.rollback()
    dbs.expire_all()
    return dbs.get(Order, order_id)


def state(dbs, order_id) -> tuple:
    """What an action would change: the order's row, its payments and history."""
    order = fresh(dbs, order_id)
    if order is None:
        return (None,)
    return (
        order.status,
        order.confirmed_at,
        order.auto_cancel_at,
        order.cancelled_at,
        tuple((p.kind, p.status, p.amount) for p in order.payments),
        len(order.events),
        dbs.get(Contact, order.contact_id).auto_payments,
        dbs.scalar(select(func.count()).select_from(CustomerNote)),
    )


def last_event(dbs, order_id) -> OrderEvent:
    return dbs.scalars(
        select(OrderEvent).where(OrderEvent.order_id == order_id).order_by(OrderEvent.id.desc())
    ).first()


def paid_order(dbs, seller, amount="119.00", **kwargs):
    order = take_order(dbs, seller, **kwargs)
    payments.record_payment(dbs, order.id, amount=Decimal(amount), method="demo", now=utcnow())
    dbs.commit()
    return order


# --- what the page shows ------------------------------------------------------------------


def test_every_section_shows_the_order_with_its_real_data(app, dbs, manager, agent):
    seller = UserFactory(role="agent", name="Sam Seller", can_set_affiliates=True)
    contact = ContactFactory(owner_id=manager.id, timezone="America/New_York")
    course = make_product(dbs, name="Sales course")
    book = make_product(dbs, name="Workbook", price=Decimal("20.00"), physical=True)
    from voiceapp.services.orders import create_order

    taken_at = utcnow() - timedelta(days=2)
    order = create_order(
        dbs,
        {
            "contact_id": contact.id,
            "items": [
                {"product_id": course.id, "quantity": 1},
                {"product_id": book.id, "quantity": 2},
            ],
            "buyer": {
                "salutation": "Frau",
                "first_name": "Anna",
                "last_name": "Muster",
                "street": "Hauptstr. 5",
                "postcode": "10115",
                "city": "Berlin",
                "country": "DE",
            },
            "affiliate": "partner-7",
            "waive_withdrawal": True,
            "source": "spring-campaign",
            "tag": "vip",
        },
        seller=seller,
        now=taken_at,
    )
    order.ip_address = "203.0.113.9"
    dbs.commit()
    payments.record_payment(
        dbs,
        order.id,
        amount=Decimal("50.00"),
        method="manual",
        now=utcnow(),
        actor=manager,
        reference="cash at the fair",
    )
    actions.add_note(dbs, contact.id, "Prefers calls after 18:00", actor=agent, now=utcnow())
    older = take_order(dbs, seller, contact=contact, now=taken_at - timedelta(days=30))
    case = dbs.scalars(select(Case).where(Case.order_id == order.id)).one()
    call = Call(
        sid="CA" + "1" * 32,
        direction="outbound",
        from_number="+4930901820",
        to_number="+4915100000001",
        agent_id=seller.id,
        contact_id=contact.id,
        status="completed",
        duration=95,
        started_at=utcnow() - timedelta(hours=3),
    )
    dbs.add(call)
    dbs.add(
        Recording(
            sid="RE" + "1" * 32,
            call_sid=call.sid,
            status="completed",
            media_path="x.wav",
            media_bytes=16,
            fetched_at=utcnow(),
        )
    )
    dbs.add(
        CaseEvent(
            case_id=case.id,
            kind="outcome",
            summary="Not reached",
            actor_id=seller.id,
            data={"call_sid": call.sid, "outcome": "not_reached"},
        )
    )
    dbs.commit()

    html = signed_in(app, manager).get(page_url(order)).text

    assert f"Order {order.number}" in html
    assert text(html, "order-status").startswith("pending")
    assert "if still unpaid" in text(html, "auto-cancel")
    assert text(html, "amount-total") == "159.00 EUR"  # 119.00 + 2 x 20.00, gross prices
    assert text(html, "amount-income") == "50.00 EUR"
    assert text(html, "amount-expenses") == "0.00 EUR"
    assert text(html, "amount-outstanding") == "109.00 EUR"
    assert text(html, "customer-name") == "Frau Anna Muster"
    assert text(html, "customer-address") == "Hauptstr. 5 10115 Berlin DE"
    assert text(html, "customer-manager") == "Maria Manager"
    assert "America/New_York" in text(html, "customer-time")
    assert text(html, "order-ip") == "203.0.113.9"
    assert texts(html, "customer-note")[0].startswith("Prefers calls after 18:00 Alex Agent")
    lines = texts(html, "order-line")
    assert lines[0].startswith("Sales course main product 1 119.00 EUR gross 19.00 % 100.00 EUR")
    assert lines[1].startswith("Workbook 2 20.00 EUR gross 19.00 %")
    assert "14-day right of withdrawal applies" in text(html, "withdrawal")
    assert "waiver of the right of withdrawal was sent and ignored" in text(html, "withdrawal")
    assert text(html, "order-affiliate") == "partner-7 · commission: —"
    assert text(html, "order-channel") == "phone"
    products = text(html, "order-products")
    assert "spring-campaign" in products and "vip" in products and "Sam Seller" in products
    row = text(html, "payment-row")
    assert "recorded by hand" in row and "50.00 EUR" in row and "cash at the fair" in row
    assert "Maria Manager" in row
    history = texts(html, "history-line")
    assert (
        "50.00 EUR received (recorded by hand), reference cash at the fair · Maria Manager"
        in history[0]
    )
    assert history[-1].endswith("taken (phone): pending · Sam Seller")
    task = text(html, "task-row")
    assert f"#{case.id}" in task and "Sam Seller" in task and "open" in task
    customer_orders = texts(html, "customer-order")
    assert [o.split()[0] for o in customer_orders] == [order.number, older.number]
    call_row = text(html, "order-call")
    assert "Sam Seller" in call_row and order.number in call_row and "Not reached" in call_row
    assert "1:35" in call_row
    assert f"/calls/recordings/{'RE' + '1' * 32}" in html  # a manager may listen
    assert "order-page.js" in html


def test_the_schedule_of_an_instalment_order_marks_paid_and_overdue_dues(app, dbs, manager):
    product = make_product(dbs, plans=[INSTALMENTS_3])
    taken = utcnow() - timedelta(days=45)
    order = take_order(dbs, manager, product=product, plan={"kind": "instalments"}, now=taken)
    payments.record_payment(dbs, order.id, amount=Decimal("39.00"), method="demo", now=taken)
    dbs.commit()

    html = signed_in(app, manager).get(page_url(order)).text

    rows = texts(html, "schedule-row")
    assert len(rows) == 3
    assert rows[0].endswith("39.00 EUR paid")
    assert rows[1].endswith("40.00 EUR overdue")  # a month after the order, 45 days ago
    assert rows[2].endswith("40.00 EUR open")
    assert text(html, "overdue-count") == "1 overdue"
    assert "Automatic payments for this customer: on." in text(html, "auto-payments")
    assert "opens a payment-reminder case" in text(html, "auto-payments")
    # Paying by hand on a plan over time is a prepayment, the next due suggested.
    assert "Prepayment" in text(html, "payment-form")
    assert 'name="amount" required value="40.00"' in html


def test_a_single_payment_order_has_no_schedule_and_records_a_payment(app, dbs, manager):
    order = take_order(dbs, manager)
    html = signed_in(app, manager).get(page_url(order)).text
    assert texts(html, "order-schedule") == []
    assert "Record a payment" in text(html, "payment-form")
    assert 'name="amount" required value="119.00"' in html


def test_an_unknown_manager_and_zone_say_so(app, dbs, manager):
    contact = ContactFactory(owner_id=None, timezone=None)
    order = take_order(dbs, manager, contact=contact)
    html = signed_in(app, manager).get(page_url(order)).text
    assert text(html, "customer-manager") == "not assigned"
    assert "Europe/Berlin, the team's zone: theirs is not known" in text(html, "customer-time")
    assert text(html, "order-ip") == "—"
    assert text(html, "no-notes") == "No notes on this customer yet."
    assert text(html, "no-payments") == "No payments yet."


def test_a_zone_this_machine_does_not_know_falls_back_to_the_teams(app, dbs, manager):
    order = take_order(dbs, manager, contact=ContactFactory(timezone="Mars/Olympus_Mons"))
    html = signed_in(app, manager).get(page_url(order)).text
    assert "Europe/Berlin, the team's zone" in text(html, "customer-time")


def test_amounts_are_shown_in_their_currencys_minor_unit(app, dbs, manager):
    product = make_product(dbs, currency="JPY", price=Decimal("4990"))
    order = take_order(dbs, manager, product=product)
    html = signed_in(app, manager).get(page_url(order)).text
    assert text(html, "amount-total") == "4990 JPY"
    assert 'name="amount" required value="4990"' in html


def test_a_note_on_the_customer_shows_on_their_other_orders(app, dbs, manager, agent):
    contact = ContactFactory(owner_id=agent.id)
    first = take_order(dbs, agent, contact=contact)
    second = take_order(dbs, agent, contact=contact)
    stranger = take_order(dbs, agent)
    client = signed_in(app, agent)

    response = act(client, first, "notes", text="Call only in the morning")

    assert "Note added: it shows on all of this customer's orders." in flashes(response.text)
    assert "Call only in the morning" in text(client.get(page_url(second)).text, "customer-notes")
    assert "Call only in the morning" not in client.get(page_url(stranger)).text
    event = last_event(dbs, first.id)
    assert (event.text, event.actor_id) == (
        "note on the customer: Call only in the morning",
        agent.id,
    )


def test_an_empty_note_is_refused(app, dbs, agent):
    order = take_order(dbs, agent)
    before = state(dbs, order.id)
    response = act(signed_in(app, agent), order, "notes", text="   ")
    assert flashes(response.text) == ["Nothing was changed: text: write the note."]
    assert state(dbs, order.id) == before


def test_notes_are_deleted_by_their_author_or_a_manager_only(app, dbs, manager, agent):
    order = take_order(dbs, agent)
    mine = actions.add_note(dbs, order.contact_id, "agent's note", actor=agent, now=utcnow())
    theirs = actions.add_note(dbs, order.contact_id, "manager's note", actor=manager, now=utcnow())
    dbs.commit()
    mine_id, theirs_id = mine.id, theirs.id
    agent_client = signed_in(app, agent)

    html = agent_client.get(page_url(order)).text
    assert html.count('name="note_id"') == 1  # a trash button on their own note only
    refused = agent_client.post(
        f"{page_url(order)}/notes/delete",
        data={"note_id": theirs_id, "csrf_token": form_token(agent_client, page_url(order))},
    )
    assert refused.status_code == 403
    assert dbs.get(CustomerNote, theirs_id) is not None

    response = act(agent_client, order, "notes/delete", note_id=mine_id)
    assert "Note deleted." in flashes(response.text)
    response = act(signed_in(app, manager), order, "notes/delete", note_id=theirs_id)
    assert "Note deleted." in flashes(response.text)
    dbs.rollback()
    assert dbs.scalar(select(func.count()).select_from(CustomerNote)) == 0
    assert last_event(dbs, order.id).text == "note on the customer deleted: manager's note"


def test_calls_about_orders_are_those_while_a_case_of_theirs_was_open(app, dbs, manager):
    """Calls with the customer before any order's case opened are not about an order; an
    agent hears only the recordings of their own calls."""
    seller, colleague = UserFactory(role="agent"), UserFactory(role="agent")
    taken = utcnow() - timedelta(days=3)
    order = take_order(dbs, seller, now=taken)
    case = dbs.scalars(select(Case).where(Case.order_id == order.id)).one()

    def call(n, agent, started_at):
        row = Call(
            sid=f"CA{n:032d}",
            direction="outbound",
            from_number="+4930901820",
            to_number="+4915100000001",
            agent_id=agent.id,
            contact_id=order.contact_id,
            status="completed",
            started_at=started_at,
        )
        dbs.add(row)
        dbs.add(
            Recording(
                sid=f"RE{n:032d}",
                call_sid=row.sid,
                status="completed",
                media_path=f"{n}.wav",
                media_bytes=16,
                fetched_at=utcnow(),
            )
        )

    call(1, seller, taken - timedelta(days=1))  # before the order: not about it
    call(2, seller, taken + timedelta(hours=1))
    call(3, colleague, taken + timedelta(hours=2))
    dbs.commit()

    html = signed_in(app, seller).get(page_url(order) + "?tab=calls").text

    rows = texts(html, "order-call")
    assert len(rows) == 2 and all(f"case #{case.id}" in row for row in rows)
    assert f"CA{1:032d}" not in html
    assert f"/calls/recordings/RE{2:032d}" in html  # their own call
    assert f"/calls/recordings/RE{3:032d}" not in html  # a colleague's: personal data
    case.status, case.closed_at = "closed", taken + timedelta(minutes=90)
    dbs.commit()
    html = signed_in(app, manager).get(page_url(order) + "?tab=calls").text
    assert len(texts(html, "order-call")) == 1  # the call after the case closed is not


def test_the_tabs_are_links_that_work_without_script(app, dbs, manager):
    order = take_order(dbs, manager)
    client = signed_in(app, manager)
    html = client.get(page_url(order)).text
    assert 'data-testid="panel-history">' in html  # shown
    assert 'data-testid="panel-calls" hidden>' in html
    html = client.get(page_url(order) + "?tab=calls").text
    assert 'data-testid="panel-calls">' in html
    assert 'data-testid="panel-history" hidden>' in html
    assert "No calls about this customer's orders yet." in html
    assert 'data-testid="panel-history">' in client.get(page_url(order) + "?tab=nonsense").text


def test_the_page_reads_in_a_fixed_number_of_queries(app, dbs, manager, agent):
    """No query per payment, history line, note, case or order of the customer."""
    small = take_order(dbs, manager)
    contact = ContactFactory(owner_id=manager.id)
    big = take_order(dbs, agent, contact=contact)
    for n in range(4):
        take_order(dbs, UserFactory(role="agent"), contact=contact)
        payments.record_payment(
            dbs,
            big.id,
            amount=Decimal("10.00"),
            method="manual",
            now=utcnow(),
            actor=UserFactory(role="sales_manager"),
        )
        actions.add_note(dbs, contact.id, f"note {n}", actor=UserFactory(), now=utcnow())
    dbs.commit()

    def count(order_id):
        dbs.rollback()
        dbs.expunge_all()
        viewer = dbs.get(type(manager), manager.id)
        view, selects = sent_selects(dbs, lambda: order_page(dbs, viewer, order_id, now=utcnow()))
        assert view is not None
        return len(selects)

    big_count, small_count = count(big.id), count(small.id)
    assert big_count == small_count
    assert big_count <= 16


# --- who sees, who acts -------------------------------------------------------------------


def test_an_order_the_member_may_not_see_is_not_found(app, dbs, agent):
    other = UserFactory(role="agent")
    private = take_order(
        dbs, other, contact=ContactFactory(owner_id=other.id, visibility="private")
    )
    client = signed_in(app, agent)
    assert client.get(page_url(private)).status_code == 404
    assert client.get("/orders/999999").status_code == 404


def test_an_agent_reads_the_page_without_the_money_actions(app, dbs, agent):
    colleague = UserFactory(role="agent")
    order = paid_order(dbs, colleague, contact=ContactFactory(visibility="shared_write"))
    client = signed_in(app, agent)
    html = client.get(page_url(order)).text
    for form in ("payment-form", "refund-form", "cancel-form", "auto-cancel-form"):
        assert texts(html, form) == []
    assert "made by a sales manager or an admin" in text(html, "no-actions")
    assert texts(html, "note-form") != []
    before = state(dbs, order.id)
    token = form_token(client, page_url(order))
    for action, data in (
        ("refund", {"reason": "x"}),
        ("payments", {"amount": "1.00", "method": "manual"}),
        ("confirm", {}),
        ("delete", {}),
        ("auto-payments", {"enabled": "0"}),
        ("payments/received", {"payment_id": "1"}),
        ("cancel", {"reason": "x"}),
        ("auto-cancel", {"off": "1"}),
    ):
        response = client.post(f"{page_url(order)}/{action}", data={**data, "csrf_token": token})
        assert response.status_code == 403, action
    assert state(dbs, order.id) == before


def test_an_agent_cancels_an_unpaid_order_they_sold(app, dbs, agent):
    order = take_order(dbs, agent)
    client = signed_in(app, agent)
    assert texts(client.get(page_url(order)).text, "cancel-form") != []
    response = act(client, order, "cancel", reason="customer changed their mind")
    assert "Order cancelled." in flashes(response.text)
    event = last_event(dbs, order.id)
    assert fresh(dbs, order.id).status == "cancelled"
    assert (event.text, event.actor_id) == (
        "pending -> cancelled: customer changed their mind",
        agent.id,
    )


# --- status actions -----------------------------------------------------------------------


def test_confirm_marks_the_order_confirmed_with_who(app, dbs, manager, agent):
    order = take_order(dbs, agent)
    client = signed_in(app, manager)
    response = act(client, order, "confirm")
    assert "Order confirmed: it still waits for its payment until paid." in flashes(response.text)
    assert text(response.text, "order-confirmed") == "✓ confirmed"
    order = fresh(dbs, order.id)
    assert order.confirmed_at is not None and order.status == "pending"
    assert "confirmed · Maria Manager" in texts(response.text, "history-line")[0]
    assert f'action="/orders/{order.id}/confirm"' not in response.text  # done once


def test_a_cancelled_order_cannot_be_confirmed(app, dbs, manager):
    order = take_order(dbs, manager)
    actions.cancel(dbs, order.id, actor=manager, now=utcnow(), reason="test")
    dbs.commit()
    before = state(dbs, order.id)
    response = act(signed_in(app, manager), order, "confirm")
    assert flashes(response.text) == ["Nothing was changed: a cancelled order cannot be confirmed."]
    assert state(dbs, order.id) == before


def test_cancel_needs_a_reason_and_closes_the_follow_up_case(app, dbs, manager, agent):
    order = take_order(dbs, agent)
    client = signed_in(app, manager)
    before = state(dbs, order.id)
    response = act(client, order, "cancel", reason="")
    assert flashes(response.text) == [
        "Nothing was changed: reason: give a reason for the cancellation."
    ]
    assert state(dbs, order.id) == before

    response = act(client, order, "cancel", reason="never ordered")
    assert "Order cancelled." in flashes(response.text)
    assert text(response.text, "order-status") == "cancelled"
    assert fresh(dbs, order.id).status == "cancelled"
    case = dbs.scalars(select(Case).where(Case.order_id == order.id)).one()
    assert (case.status, case.close_reason) == ("closed", "order cancelled")
    assert (
        "pending -> cancelled: never ordered · Maria Manager"
        in texts(response.text, "history-line")[0]
    )


def test_a_paid_order_is_refunded_not_cancelled(app, dbs, manager):
    order = paid_order(dbs, manager)
    client = signed_in(app, manager)
    assert texts(client.get(page_url(order)).text, "cancel-form") == []
    before = state(dbs, order.id)
    response = act(client, order, "cancel", reason="too late")
    assert flashes(response.text) == [
        "Nothing was changed: a paid order cannot be cancelled: refund it instead."
    ]
    assert state(dbs, order.id) == before


def test_a_partial_refund_leaves_the_order_paid_and_a_full_one_refunds_it(app, dbs, manager):
    order = paid_order(dbs, manager)
    client = signed_in(app, manager)

    response = act(client, order, "refund", amount="19.00", reason="goodwill")
    assert "19.00 EUR refunded." in flashes(response.text)
    assert fresh(dbs, order.id).status == "paid"
    assert text(response.text, "amount-expenses") == "19.00 EUR"
    assert "19.00 EUR refunded: goodwill · Maria Manager" in texts(response.text, "history-line")[0]

    response = act(client, order, "refund", amount="", reason="withdrawal within 14 days")
    assert "100.00 EUR refunded." in flashes(response.text)
    assert fresh(dbs, order.id).status == "refunded"
    assert texts(response.text, "refund-form") == []
    assert "paid -> refunded · Maria Manager" in texts(response.text, "history-line")[0]


def test_refunding_more_than_was_received_is_refused(app, dbs, manager):
    order = paid_order(dbs, manager)
    before = state(dbs, order.id)
    response = act(signed_in(app, manager), order, "refund", amount="200.00", reason="oops")
    assert flashes(response.text) == [
        "Nothing was changed: at most 119.00 EUR: what was received less refunds."
    ]
    assert state(dbs, order.id) == before


def test_a_refund_without_a_reason_or_with_a_bad_amount_is_refused(app, dbs, manager):
    order = paid_order(dbs, manager)
    client = signed_in(app, manager)
    before = state(dbs, order.id)
    response = act(client, order, "refund", amount="10.00", reason="")
    assert flashes(response.text) == ["Nothing was changed: reason: give a reason for the refund."]
    response = act(client, order, "refund", amount="ten", reason="x")
    assert flashes(response.text) == ["Nothing was changed: amount: not a number: 'ten'."]
    assert state(dbs, order.id) == before


def test_an_unpaid_order_is_deleted_after_a_question(app, dbs, manager, agent):
    order = take_order(dbs, agent)
    contact_id = order.contact_id
    client = signed_in(app, manager)
    html = client.get(page_url(order)).text
    assert 'data-confirm="Delete order' in html
    response = act(client, order, "delete")
    assert f"Order {order.number} deleted." in flashes(response.text)
    assert response.request.path == f"/contacts/{contact_id}"
    assert fresh(dbs, order.id) is None
    case = dbs.scalars(select(Case).where(Case.contact_id == contact_id)).one()
    assert case.order_id is None  # the case stays, without its order


def test_a_paid_order_is_never_deleted(app, dbs, manager):
    order = paid_order(dbs, manager)
    client = signed_in(app, manager)
    assert 'data-confirm="Delete order' not in client.get(page_url(order)).text
    before = state(dbs, order.id)
    response = act(client, order, "delete")
    assert flashes(response.text) == [
        "Nothing was changed: an order with payments cannot be deleted: refund it instead."
    ]
    assert state(dbs, order.id) == before


def test_a_payment_recorded_by_hand_marks_the_order_paid(app, dbs, manager, agent):
    order = take_order(dbs, agent)
    client = signed_in(app, manager)
    response = act(
        client, order, "payments", amount="119.00", method="bank_transfer", reference="PO ref 1"
    )
    assert "119.00 EUR recorded. The order is paid." in flashes(response.text)
    assert text(response.text, "order-status") == "paid"
    payment = dbs.scalars(select(Payment).where(Payment.order_id == order.id)).one()
    assert (payment.method, payment.reference, payment.recorded_by_id) == (
        "bank_transfer",
        "PO ref 1",
        manager.id,
    )
    history = texts(response.text, "history-line")
    assert "pending -> paid (paid) · Maria Manager" in history[0]
    assert "119.00 EUR received (bank transfer), reference PO ref 1 · Maria Manager" in history[1]
    assert texts(response.text, "payment-form") == []  # nothing left to pay


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"amount": "200.00", "method": "manual"}, "at most 119.00 EUR: what is still outstanding"),
        ({"amount": "0", "method": "manual"}, "amount: must be more than 0"),
        ({"amount": "1.234", "method": "manual"}, "amount: at most 2 decimals"),
        ({"amount": "10.00", "method": "stripe"}, "method: choose bank transfer or by hand"),
        (
            {"amount": "10.00", "method": "manual", "reference": "x" * 201},
            "reference: Longer than maximum length 200.",
        ),
    ],
)
def test_a_payment_that_breaks_a_rule_is_refused(app, dbs, manager, data, message):
    order = take_order(dbs, manager)
    before = state(dbs, order.id)
    response = act(signed_in(app, manager), order, "payments", **data)
    assert flashes(response.text) == [f"Nothing was changed: {message}."]
    assert state(dbs, order.id) == before


def test_a_prepayment_on_instalments_counts_towards_the_next_dues(app, dbs, manager):
    product = make_product(dbs, plans=[INSTALMENTS_3])
    order = take_order(dbs, manager, product=product, plan={"kind": "instalments"})
    client = signed_in(app, manager)
    act(client, order, "payments", amount="39.00", method="manual")
    response = act(client, order, "payments", amount="40.00", method="bank_transfer")
    assert "40.00 EUR recorded." in flashes(response.text)
    rows = texts(response.text, "schedule-row")
    assert [r.split()[-1] for r in rows] == ["paid", "paid", "open"]
    assert text(response.text, "amount-prepayments") == "40.00 EUR"  # paid ahead of today
    assert text(response.text, "amount-outstanding") == "40.00 EUR"
    before = state(dbs, order.id)
    response = act(client, order, "payments", amount="40.01", method="manual")
    assert flashes(response.text) == [
        "Nothing was changed: at most 40.00 EUR: what is still outstanding."
    ]
    assert state(dbs, order.id) == before


def test_a_subscription_takes_prepayments_beyond_its_first_period(app, dbs, manager):
    product = make_product(dbs, plans=[SUBSCRIPTION_MONTHLY])
    order = paid_order(dbs, manager, product=product, plan={"kind": "subscription"})
    client = signed_in(app, manager)
    html = client.get(page_url(order)).text
    assert "Prepayment" in text(html, "payment-form")
    response = act(client, order, "payments", amount="119.00", method="manual")
    assert "119.00 EUR recorded." in flashes(response.text)
    rows = texts(response.text, "schedule-row")
    assert [r.split()[-1] for r in rows[:3]] == ["paid", "paid", "open"]


def test_a_pending_sepa_debit_is_marked_received(app, dbs, manager, agent):
    order = take_order(dbs, agent)
    debit = payments.record_payment(
        dbs, order.id, amount=Decimal("119.00"), method="sepa", now=utcnow(), status="pending"
    )
    dbs.commit()
    client = signed_in(app, manager)
    html = client.get(page_url(order)).text
    assert "pending" in text(html, "payment-row") and texts(html, "mark-received") != []

    response = act(client, order, "payments/received", payment_id=debit.id)

    assert "119.00 EUR received." in flashes(response.text)
    assert text(response.text, "order-status") == "paid"
    assert fresh(dbs, order.id).status == "paid"
    assert dbs.get(Payment, debit.id).status == "succeeded"
    assert (
        "119.00 EUR received (SEPA direct debit) · Maria Manager"
        in texts(response.text, "history-line")[1]
    )
    before = state(dbs, order.id)
    response = act(client, order, "payments/received", payment_id=debit.id)
    assert flashes(response.text) == [
        "Nothing was changed: this payment is succeeded, not pending."
    ]
    assert state(dbs, order.id) == before


def test_a_payment_of_another_order_is_not_marked_received(app, dbs, manager):
    order, other = take_order(dbs, manager), take_order(dbs, manager)
    debit = payments.record_payment(
        dbs, other.id, amount=Decimal("119.00"), method="sepa", now=utcnow(), status="pending"
    )
    dbs.commit()
    before = state(dbs, other.id)
    response = act(signed_in(app, manager), order, "payments/received", payment_id=debit.id)
    assert flashes(response.text) == ["Nothing was changed: no such payment on this order."]
    assert state(dbs, other.id) == before


def test_the_auto_cancel_date_is_moved_or_switched_off(app, dbs, manager, agent):
    order = take_order(dbs, agent)
    client = signed_in(app, manager)

    response = act(client, order, "auto-cancel", auto_cancel_at="2999-05-04T10:30")
    assert "Auto-cancel date moved." in flashes(response.text)
    moved = fresh(dbs, order.id).auto_cancel_at
    assert moved.isoformat() == "2999-05-04T08:30:00+00:00"  # 10:30 in Berlin, summer time
    assert (
        "auto-cancel moved to 2999-05-04 08:30 UTC · Maria Manager"
        in texts(response.text, "history-line")[0]
    )

    response = act(client, order, "auto-cancel", off="1")
    assert "Auto-cancel switched off" in flashes(response.text)[0]
    assert fresh(dbs, order.id).auto_cancel_at is None
    assert "switched off" in text(response.text, "auto-cancel")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2001-01-01T10:00", "must be in the future"),
        ("", "auto cancel at: choose a date and time"),
        ("next tuesday", "auto cancel at: not a date and time"),
        ("3100-01-01T10:00", "auto cancel at: choose a date between 2000 and 2999"),
    ],
)
def test_an_auto_cancel_date_that_makes_no_sense_is_refused(app, dbs, manager, value, message):
    order = take_order(dbs, manager)
    before = state(dbs, order.id)
    response = act(signed_in(app, manager), order, "auto-cancel", auto_cancel_at=value)
    assert flashes(response.text) == [f"Nothing was changed: {message}."]
    assert state(dbs, order.id) == before


def test_a_paid_order_has_no_auto_cancel_date_to_move(app, dbs, manager):
    order = paid_order(dbs, manager)
    client = signed_in(app, manager)
    html = client.get(page_url(order)).text
    assert texts(html, "auto-cancel-form") == []
    assert "not applicable: the order is paid" in text(html, "auto-cancel")
    before = state(dbs, order.id)
    response = act(client, order, "auto-cancel", auto_cancel_at="2999-05-04T10:30")
    assert flashes(response.text) == [
        "Nothing was changed: a paid order is never cancelled automatically."
    ]
    assert state(dbs, order.id) == before


def test_automatic_payments_are_switched_off_for_the_customer(app, dbs, manager):
    product = make_product(dbs, plans=[INSTALMENTS_3])
    order = take_order(dbs, manager, product=product, plan={"kind": "instalments"})
    client = signed_in(app, manager)
    response = act(client, order, "auto-payments", enabled="0")
    assert "Automatic payments are off for this customer." in flashes(response.text)
    assert fresh(dbs, order.id) is not None
    assert dbs.get(Contact, order.contact_id).auto_payments is False
    assert "Automatic payments for this customer: off." in text(response.text, "auto-payments")
    assert text(response.text, "auto-payments-state").startswith("off")
    assert (
        "automatic payments switched off for the customer · Maria Manager"
        in texts(response.text, "history-line")[0]
    )
    act(client, order, "auto-payments", enabled="1")
    assert fresh(dbs, order.id) and dbs.get(Contact, order.contact_id).auto_payments is True


def test_a_pending_order_shows_its_code_and_leads_back_to_the_payment_screen(
    app, dbs, manager, agent
):
    order = take_order(dbs, agent)
    client = signed_in(app, agent)
    html = client.get(page_url(order)).get_data(as_text=True)
    code = f"{order.payment_code[:4]}-{order.payment_code[4:8]}-{order.payment_code[8]}"
    assert text(html, "payment-code") == code
    assert f'href="/orders/{order.id}/taken"' in html
    payments.record_payment(
        dbs, order.id, amount=Decimal("119.00"), method="manual", now=utcnow(), actor=manager
    )
    dbs.commit()
    html = client.get(page_url(order)).get_data(as_text=True)
    assert text(html, "payment-code") == code  # kept: it is the transfer's reference
    assert f'href="/orders/{order.id}/taken"' not in html  # nothing left to pay
