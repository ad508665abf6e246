"""A case about an order: the outcome follows the order's real status (seeds 000 and 002).

"Already paid" is refused while the order is unpaid; "cancelled" cancels the pending order
the one way orders are cancelled; "completed" may keep the order or replace it, then opens
the order form; every outcome is a line of the order's history. Through the API and the
panel, on real orders taken by the order service."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from sqlalchemy import select

from tests.conftest import form_token, sign_in
from tests.factories import PASSWORD, CaseFactory, ContactFactory, UserFactory
from tests.order_helpers import INSTALMENTS_3, make_product, take_order
from voiceapp.models import Case, CaseEvent, Contact, OrderEvent
from voiceapp.services.orders import payments

# Monday 23 November 2026, 10:05 Berlin.
NOW = datetime(2026, 11, 23, 9, 5, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def agent(ctx):
    return UserFactory(role="agent", name="Jonas Becker", case_types=["new_order"])


def follow_up(dbs, order) -> Case:
    """The order's own "new order" case (opened when the order was taken)."""
    return dbs.scalars(select(Case).where(Case.order_id == order.id).order_by(Case.id)).first()


def reread(dbs, row):
    dbs.rollback()
    dbs.expire_all()
    return dbs.get(type(row), row.id)


def order_lines(dbs, order) -> list[tuple[str, str]]:
    dbs.rollback()
    events = dbs.scalars(
        select(OrderEvent).where(OrderEvent.order_id == order.id).order_by(OrderEvent.id)
    )
    return [(e.kind, e.text) for e in events]


def pay_in_full(dbs, order, *, now=NOW):
    payments.record_payment(
        dbs, order.id, amount=payments.due_now(dbs, order), method="manual", now=now
    )
    dbs.commit()


def outcome(api, case_id, **body):
    return api("POST", f"/api/cases/{case_id}/outcome", json=body)


# --- already paid ---------------------------------------------------------------------


def test_already_paid_is_refused_while_the_order_is_unpaid_and_nothing_changes(as_user, agent, dbs):
    order = take_order(dbs, agent, now=NOW)
    case = follow_up(dbs, order)
    before = order_lines(dbs, order)

    response = outcome(as_user(agent), case.id, outcome="already_paid", summary="says paid")

    assert response.status_code == 422
    message = response.json["errors"]["json"]["outcome"][0]
    assert message.startswith(f"the order {order.number} is not paid yet: 119.00 EUR due now")
    assert "0.00 EUR received" in message
    case = reread(dbs, case)
    assert (case.status, case.attempts, case.last_outcome) == ("open", 0, None)
    assert order_lines(dbs, order) == before  # no "Call outcome" line either
    assert reread(dbs, order).status == "pending"


def test_already_paid_closes_the_case_once_the_order_is_paid(as_user, agent, dbs):
    order = take_order(dbs, agent, now=NOW)
    case = follow_up(dbs, order)
    pay_in_full(dbs, order)

    response = outcome(as_user(agent), case.id, outcome="already_paid")

    assert response.status_code == 200
    assert (response.json["status"], response.json["last_outcome"]) == ("closed", "already_paid")
    assert ("call", f"Call outcome: Already paid (case #{case.id})") in order_lines(dbs, order)


def test_already_paid_is_refused_while_an_instalment_is_overdue(as_user, agent, dbs):
    product = make_product(dbs, plans=[INSTALMENTS_3])
    # Taken 40 days ago: the first instalment paid then, the second due a month later.
    taken = NOW - timedelta(days=40)
    order = take_order(dbs, agent, product=product, plan={"kind": "instalments"}, now=taken)
    pay_in_full(dbs, order, now=taken)
    assert reread(dbs, order).status == "paid"
    case = CaseFactory(
        contact=dbs.get(Contact, order.contact_id),
        order_id=order.id,
        assignee_id=agent.id,
        due_at=NOW,
    )

    response = outcome(as_user(agent), case.id, outcome="already_paid")

    assert response.status_code == 422
    message = response.json["errors"]["json"]["outcome"][0]
    assert message.startswith(
        f"the order {order.number} has a payment not received: payment 2 of 40.00 EUR, "
        "due on 2026-11-14"
    )
    assert reread(dbs, case).status == "open"

    # The instalment arrives: now the customer is right.
    payments.record_payment(dbs, order.id, amount=Decimal("40.00"), method="manual", now=NOW)
    dbs.commit()
    assert outcome(as_user(agent), case.id, outcome="already_paid").status_code == 200


def test_already_paid_on_a_case_without_an_order_closes_as_before(as_user, agent, dbs):
    case = CaseFactory(assignee_id=agent.id)
    response = outcome(as_user(agent), case.id, outcome="already_paid")
    assert (response.status_code, response.json["status"]) == (200, "closed")


# --- cancelled ------------------------------------------------------------------------


def test_cancelled_cancels_the_pending_order_the_one_way_and_closes_its_other_cases(
    as_user, agent, dbs
):
    order = take_order(dbs, agent, now=NOW)
    case = follow_up(dbs, order)
    other = CaseFactory(contact=dbs.get(Contact, order.contact_id), order_id=order.id, due_at=NOW)

    response = outcome(as_user(agent), case.id, outcome="cancelled", summary="too expensive")

    assert response.status_code == 200
    order = reread(dbs, order)
    assert order.status == "cancelled"
    assert order.cancelled_at == NOW
    assert order.cancel_reason == f"cancelled by the customer on the phone (case #{case.id})"
    lines = order_lines(dbs, order)
    assert lines[-2:] == [
        ("call", f"Call outcome: Cancellation / refusal - too expensive (case #{case.id})"),
        (
            "status",
            f"pending -> cancelled: cancelled by the customer on the phone (case #{case.id})",
        ),
    ]
    case, other = reread(dbs, case), reread(dbs, other)
    assert (case.status, case.close_reason) == ("closed", "cancelled by the customer")
    assert (other.status, other.close_reason) == ("closed", "order cancelled")
    history = [
        e.summary for e in dbs.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id))
    ]
    assert f"Order {order.number} cancelled" in history


def test_cancelled_leaves_a_paid_order_paid_and_says_to_refund_it(as_user, agent, dbs):
    order = take_order(dbs, agent, now=NOW)
    case = follow_up(dbs, order)
    pay_in_full(dbs, order)

    response = outcome(as_user(agent), case.id, outcome="cancelled")

    assert response.status_code == 200 and response.json["status"] == "closed"
    assert reread(dbs, order).status == "paid"
    kinds_and_texts = order_lines(dbs, order)
    assert kinds_and_texts[-1][0] == "note"
    assert "refunded on the order page" in kinds_and_texts[-1][1]


# --- every outcome in the order's history ---------------------------------------------


@pytest.mark.parametrize(
    ("body", "line"),
    [
        ({"outcome": "not_reached"}, "Call outcome: Not reached"),
        (
            {"outcome": "callback", "callback_at": "2026-11-24T15:00:00+00:00", "summary": "busy"},
            "Call outcome: Call back - busy",
        ),
        ({"outcome": "completed"}, "Call outcome: Conversation completed"),
        ({"outcome": "invalid_contact"}, "Call outcome: Invalid contact"),
    ],
)
def test_every_outcome_on_a_case_about_an_order_is_a_line_of_its_history(
    as_user, agent, dbs, body, line
):
    order = take_order(dbs, agent, now=NOW)
    case = follow_up(dbs, order)
    assert outcome(as_user(agent), case.id, **body).status_code == 200
    dbs.rollback()
    event = dbs.scalars(
        select(OrderEvent).where(OrderEvent.order_id == order.id, OrderEvent.kind == "call")
    ).one()
    assert event.text == f"{line} (case #{case.id})"
    assert (event.actor_id, event.at) == (agent.id, NOW)
    assert event.data["case_id"] == case.id


# --- completed, with a new order ------------------------------------------------------


def test_new_order_choices_are_checked_before_anything_changes(as_user, agent, dbs):
    api = as_user(agent)
    order = take_order(dbs, agent, now=NOW)
    case = follow_up(dbs, order)
    plain = CaseFactory(assignee_id=agent.id)

    after_not_reached = outcome(api, case.id, outcome="not_reached", new_order="keep")
    unknown = outcome(api, case.id, outcome="completed", new_order="both")
    without_order = outcome(api, plain.id, outcome="completed", new_order="keep")
    replace_with_callback = outcome(
        api,
        case.id,
        outcome="completed",
        new_order="replace",
        callback_at="2026-11-24T15:00:00+00:00",
    )

    assert after_not_reached.status_code == 422
    assert after_not_reached.json["errors"]["json"]["new_order"] == [
        "a new order follows a completed conversation only"
    ]
    assert unknown.status_code == 422 and "new_order" in unknown.json["errors"]["json"]
    assert without_order.status_code == 422
    assert "has no order" in without_order.json["errors"]["json"]["new_order"][0]
    assert replace_with_callback.status_code == 422
    assert "closes this case" in replace_with_callback.json["errors"]["json"]["callback_at"][0]
    assert reread(dbs, case).attempts == 0 and reread(dbs, plain).attempts == 0
    assert reread(dbs, order).status == "pending"


def test_a_paid_order_is_not_replaced(as_user, agent, dbs):
    order = take_order(dbs, agent, now=NOW)
    case = follow_up(dbs, order)
    pay_in_full(dbs, order)
    response = outcome(as_user(agent), case.id, outcome="completed", new_order="replace")
    assert response.status_code == 422
    assert response.json["errors"]["json"]["new_order"] == [
        f"the order {order.number} is paid: only an unpaid order is cancelled and replaced "
        "(choose save and create a new order)"
    ]
    assert reread(dbs, order).status == "paid"
    assert reread(dbs, case).status == "open"


@pytest.fixture
def panel(client, agent):
    sign_in(client, agent.email, PASSWORD)
    return client


def post_outcome(client, case_id, **fields):
    token = form_token(client, f"/cases/{case_id}")
    return client.post(
        f"/cases/{case_id}/outcome",
        data={"csrf_token": token, **fields},
        content_type="multipart/form-data",
    )


def assert_goes_to_the_order_form(response, case, order):
    assert response.status_code == 302
    target = urlsplit(response.location)
    assert target.path == "/orders/new"
    assert parse_qs(target.query) == {"case_id": [str(case.id)], "from_order": [str(order.id)]}


def test_save_and_create_a_new_order_keeps_the_old_one_and_opens_the_order_form(panel, agent, dbs):
    order = take_order(dbs, agent, now=NOW)
    case = follow_up(dbs, order)

    response = post_outcome(panel, case.id, outcome="completed", new_order="keep")

    assert_goes_to_the_order_form(response, case, order)
    assert reread(dbs, order).status == "pending"
    case = reread(dbs, case)
    assert (case.status, case.last_outcome) == ("closed", "completed")
    assert order_lines(dbs, order)[-1] == (
        "call",
        f"Call outcome: Conversation completed (a new order follows) (case #{case.id})",
    )


def test_cancel_and_create_a_new_order_cancels_the_old_one_as_replaced(panel, agent, dbs):
    order = take_order(dbs, agent, now=NOW)
    case = follow_up(dbs, order)

    response = post_outcome(panel, case.id, outcome="completed", new_order="replace")

    assert_goes_to_the_order_form(response, case, order)
    order = reread(dbs, order)
    assert (order.status, order.cancel_reason, order.cancelled_at) == (
        "cancelled",
        "replaced by a new order",
        NOW,
    )
    assert order_lines(dbs, order)[-1] == (
        "status",
        "pending -> cancelled: replaced by a new order",
    )
    assert reread(dbs, case).close_reason == "conversation completed"
    flash = panel.get("/cases/today").text
    assert f"Order {order.number} cancelled: take the new order." in flash


def test_a_refused_outcome_on_the_panel_says_why_and_changes_nothing(panel, agent, dbs):
    order = take_order(dbs, agent, now=NOW)
    case = follow_up(dbs, order)

    response = post_outcome(panel, case.id, outcome="already_paid")

    assert response.status_code == 422
    assert f"the order {order.number} is not paid yet" in response.text
    assert reread(dbs, case).status == "open"


def test_plain_save_after_a_completed_call_goes_back_to_call_today(panel, agent, dbs):
    order = take_order(dbs, agent, now=NOW)
    response = post_outcome(panel, follow_up(dbs, order).id, outcome="completed")
    assert response.status_code == 302 and response.location == "/cases/today"
    assert reread(dbs, order).status == "pending"


# --- the order on the case page and in Call today -------------------------------------


def test_the_case_page_shows_the_order_its_money_and_the_new_order_buttons(panel, agent, dbs):
    order = take_order(dbs, agent, now=NOW)
    case = follow_up(dbs, order)
    payments.record_payment(dbs, order.id, amount=Decimal("19.00"), method="manual", now=NOW)
    dbs.commit()

    page = panel.get(f"/cases/{case.id}").text

    assert f'<a href="/orders/{order.id}">{order.number}</a>' in page
    assert 'data-testid="order-status">unpaid</span>' in page
    assert 'data-testid="order-received">19.00 EUR' in page
    assert 'data-testid="order-due-now">100.00 EUR' in page
    assert 'data-testid="new-order-keep"' in page
    assert f"Cancel {order.number} and create a new order" in page


def test_a_paid_order_offers_no_replacement_and_shows_what_comes_next(panel, agent, dbs):
    product = make_product(dbs, plans=[INSTALMENTS_3])
    order = take_order(dbs, agent, product=product, plan={"kind": "instalments"}, now=NOW)
    pay_in_full(dbs, order)

    page = panel.get(f"/cases/{follow_up(dbs, order).id}").text

    assert 'data-testid="order-status">paid</span>' in page
    assert 'data-testid="order-next-due">40.00 EUR on 2026-12-23' in page
    assert 'data-testid="new-order-keep"' in page
    assert 'data-testid="new-order-replace"' not in page


def test_the_case_page_lists_the_customers_other_open_orders(panel, agent, dbs):
    contact = ContactFactory(owner_id=agent.id, country="DE")
    first = take_order(dbs, agent, contact=contact, now=NOW - timedelta(days=3))
    second = take_order(dbs, agent, contact=contact, now=NOW)
    paid = take_order(dbs, agent, contact=contact, now=NOW)
    pay_in_full(dbs, paid)
    missed = CaseFactory(contact=contact, assignee_id=agent.id, type="missed_call")

    on_order_case = panel.get(f"/cases/{follow_up(dbs, second).id}").text
    on_plain_case = panel.get(f"/cases/{missed.id}").text

    others = on_order_case.split('data-testid="other-orders"')[1].split("</div>")[0]
    assert first.number in others and second.number not in others
    assert paid.number not in others  # paid in one payment: nothing more to come
    assert "Open orders of the customer" in on_plain_case
    assert first.number in on_plain_case and second.number in on_plain_case


def test_call_today_marks_each_case_about_an_order_with_its_status(panel, agent, dbs, as_user):
    unpaid = take_order(dbs, agent, now=NOW - timedelta(days=2))
    paid = take_order(dbs, agent, now=NOW - timedelta(days=2))
    pay_in_full(dbs, paid)
    plain = CaseFactory(assignee_id=agent.id, type="new_order")

    page = panel.get("/cases/today").text
    api = as_user(agent)("GET", "/api/cases?view=today").json

    def row(case_id):
        return page.split(f'data-case-id="{case_id}"')[1].split("</tr>")[0]

    assert 'data-testid="order-status">unpaid<' in row(follow_up(dbs, unpaid).id)
    assert 'data-testid="order-status">paid<' in row(follow_up(dbs, paid).id)
    assert "order-status" not in row(plain.id)
    by_id = {item["id"]: item["order_status"] for item in api["items"]}
    assert by_id == {
        follow_up(dbs, unpaid).id: "pending",
        follow_up(dbs, paid).id: "paid",
        plain.id: None,
    }


def test_all_cases_shows_the_status_of_a_cancelled_order(panel, agent, dbs, as_user):
    order = take_order(dbs, agent, now=NOW)
    case = follow_up(dbs, order)
    outcome(as_user(agent), case.id, outcome="cancelled")

    page = panel.get("/cases?status=closed").text
    listed = as_user(agent)("GET", "/api/cases?status=closed").json["items"]

    assert 'data-testid="order-status">cancelled<' in page.split(f'data-case-id="{case.id}"')[1]
    assert [(c["id"], c["order_status"]) for c in listed] == [(case.id, "cancelled")]
    assert reread(dbs, order).status == "cancelled"
