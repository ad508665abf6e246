"""The commission pages through the Flask test client: a selection with one's own
commission is refused on the form (422, named, nothing changes), an approver who is an
agent sees the team's on Approve, and Reassign needs its confirmation."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select

from tests.conftest import form_token, sign_in
from tests.factories import PASSWORD, UserFactory
from tests.order_helpers import make_product, take_order
from voiceapp.models import Commission
from voiceapp.services.orders.payments import record_payment

NOW = datetime(2026, 3, 2, 10, tzinfo=UTC)


def sell(dbs, seller):
    order = take_order(
        dbs, seller, product=make_product(dbs, price=Decimal("1000.00"), price_is="net")
    )
    record_payment(dbs, order.id, amount=order.total, method="demo", now=NOW)
    dbs.commit()


def statuses(dbs):
    dbs.rollback()  # a fresh read of what the app committed
    return {c.user_id: c.status for c in dbs.scalars(select(Commission))}


def test_an_approving_manager_cannot_slip_their_own_into_a_selection(client, dbs):
    manager = UserFactory(
        role="sales_manager", manager_commission_percent=Decimal("10"), can_approve_commissions=True
    )
    seller = UserFactory(role="agent", name="Sam Seller")
    dbs.commit()
    sell(dbs, seller)
    ids = [str(c.id) for c in dbs.scalars(select(Commission).order_by(Commission.id))]
    sign_in(client, manager.email, PASSWORD)
    token = form_token(client, "/commissions/approve")
    # The Approve page does not list the manager's own.
    page = client.get("/commissions/approve")
    assert "Sam Seller" in page.text and page.text.count('name="ids"') == 1
    response = client.post(
        "/commissions/decisions", data={"csrf_token": token, "ids": ids, "decision": "approve"}
    )
    assert response.status_code == 422
    assert f"your own commissions (#{ids[1]})" in response.text
    assert statuses(dbs) == {seller.id: "pending", manager.id: "pending"}
    one = client.post("/commissions/decisions", data={"csrf_token": token, "approve_one": ids[0]})
    assert one.status_code == 302
    assert statuses(dbs) == {seller.id: "approved", manager.id: "pending"}


def test_an_agent_with_the_right_approves_the_teams_and_sees_their_own_alone(client, dbs):
    approver = UserFactory(role="agent", can_approve_commissions=True)
    seller = UserFactory(role="agent", name="Sam Seller")
    dbs.commit()
    sell(dbs, seller)
    sign_in(client, approver.email, PASSWORD)
    assert "Sam Seller" in client.get("/commissions/approve").text
    assert client.get("/commissions").status_code == 200
    assert client.get(f"/commissions?member_id={seller.id}").status_code == 200
    plain = UserFactory(role="agent")
    dbs.commit()
    client.post("/sign-out", data={"csrf_token": form_token(client, "/commissions")})
    sign_in(client, plain.email, PASSWORD)
    assert client.get(f"/commissions?member_id={seller.id}").status_code == 403


def test_reassign_executes_only_when_confirmed(client, dbs):
    manager = UserFactory(role="sales_manager")
    seller = UserFactory(role="agent", name="Leo Leaver")
    dbs.commit()
    sell(dbs, seller)
    sign_in(client, manager.email, PASSWORD)
    token = form_token(client, "/commissions/reassign")
    data = {"csrf_token": token, "member_id": str(seller.id)}
    check = client.post("/commissions/reassign", data={**data, "action": "check"})
    assert "Leo Leaver</strong> has 1 pending commission:" in check.text
    unconfirmed = client.post("/commissions/reassign", data={**data, "action": "execute"})
    assert unconfirmed.status_code == 422
    assert statuses(dbs) == {seller.id: "pending"}
    done = client.post("/commissions/reassign", data={**data, "action": "execute", "confirm": "1"})
    assert done.status_code == 302
    assert statuses(dbs) == {seller.id: "reassigned"}
