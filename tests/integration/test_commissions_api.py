"""The commissions API: the seed's example end to end through the API, the list with its
filters and totals, deciding on a selection (and on one's own: refused), correcting a
decision, reassigning to the vendor, and the vendor's statement after a refund."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tests.factories import ContactFactory, UserFactory
from tests.order_helpers import make_product, take_order
from voiceapp.models import Commission, CommissionDecision
from voiceapp.services.cases.history import team_zone
from voiceapp.services.orders.payments import record_payment, refund

D = Decimal
NOW = datetime(2026, 3, 2, 10, tzinfo=UTC)


@pytest.fixture
def people(dbs):
    seller = UserFactory(role="agent", name="Sam Seller", payout_factor=D("1"))
    manager = UserFactory(
        role="sales_manager", name="Mia Manager", manager_commission_percent=D("10")
    )
    admin = UserFactory(role="admin", name="Ada Admin")
    dbs.commit()
    return seller, manager, admin


NET_1000 = D("1000.00")


def paid_order(dbs, seller, *, now=NOW, net=NET_1000):
    """A paid order of `net` EUR net (German VAT on top): 10 % of it for the seller."""
    product = make_product(dbs, price=net, price_is="net")
    order = take_order(dbs, seller, product=product, now=now)
    record_payment(dbs, order.id, amount=order.total, method="demo", now=now)
    dbs.commit()
    return order


def ids_of(dbs, user):
    return list(
        dbs.scalars(select(Commission.id).where(Commission.user_id == user.id).order_by("id"))
    )


def test_the_seeds_example_through_the_api_alone(as_user, dbs, people):
    seller, manager, admin = people
    as_admin, as_seller, as_manager = as_user(admin), as_user(seller), as_user(manager)
    product = as_admin(
        "POST",
        "/api/products",
        json={
            "name": "Closing masterclass",
            "price": "1000.00",
            "price_is": "net",
            "currency": "EUR",
            "plans": [{"kind": "single"}],
        },
    )
    assert product.status_code == 201, product.json
    contact = ContactFactory(owner_id=seller.id, country="DE", language="de")
    dbs.commit()
    order = as_seller(
        "POST",
        "/api/orders",
        json={
            "contact_id": contact.id,
            "items": [{"product_id": product.json["id"], "quantity": 1}],
            "buyer": {"first_name": "Anna", "last_name": "Muster", "country": "DE"},
        },
    )
    assert order.status_code == 201, order.json
    assert order.json["net"] == "1000.00"
    paid = as_manager(
        "POST",
        f"/api/orders/{order.json['id']}/payments",
        json={"amount": order.json["gross"], "method": "bank_transfer", "reference": "PO"},
    )
    assert paid.status_code == 201, paid.json
    assert paid.json["order_status"] == "paid"

    listed = as_admin("GET", "/api/commissions")
    assert listed.status_code == 200
    got = {(i["member"]["name"], i["reason_label"], i["amount"]) for i in listed.json["items"]}
    assert got == {
        ("Sam Seller", "sales team", "100.00"),
        ("Mia Manager", "sales manager", "10.00"),
    }
    assert {i["order"]["number"] for i in listed.json["items"]} == {order.json["number"]}
    assert listed.json["totals"] == [
        {"status": "pending", "currency": "EUR", "count": 2, "amount": "110.00"}
    ]

    # The statement's days are the team's (Berlin): between 23:00 and midnight UTC its
    # "today" is already tomorrow in UTC.
    today = datetime.now(ZoneInfo(team_zone(dbs))).date().isoformat()
    dbs.rollback()
    stated = as_admin("GET", f"/api/commissions/statement?from={today}&to={today}")
    assert stated.status_code == 200, stated.json
    [eur] = stated.json["items"]
    assert (eur["currency"], eur["net_revenue"], eur["sales_team"], eur["sales_manager"]) == (
        "EUR",
        "1000.00",
        "100.00",
        "10.00",
    )
    assert eur["vendor_keeps"] == "890.00"


def test_agents_see_only_their_own_and_asking_for_someone_elses_is_forbidden(as_user, dbs, people):
    seller, manager, admin = people
    other = UserFactory(role="agent")
    dbs.commit()
    paid_order(dbs, seller)
    paid_order(dbs, other)
    mine = as_user(seller)("GET", "/api/commissions")
    assert {i["member"]["id"] for i in mine.json["items"]} == {seller.id}
    assert mine.json["total"] == 1
    assert as_user(seller)("GET", f"/api/commissions?member_id={other.id}").status_code == 403
    assert as_user(seller)("GET", f"/api/commissions?member_id={seller.id}").status_code == 200
    everyone = as_user(admin)("GET", "/api/commissions")
    assert everyone.json["total"] == 4  # two sellers, the manager twice
    # A sales manager sees the team's, but not another manager's manager commission.
    other_manager = UserFactory(role="sales_manager")
    dbs.commit()
    seen = as_user(other_manager)("GET", "/api/commissions")
    assert {i["reason"] for i in seen.json["items"]} == {"sales_team"}
    assert as_user(manager)("GET", "/api/commissions").json["total"] == 4


def test_filters_status_due_member_and_period(as_user, dbs, people):
    seller, _manager, admin = people
    # The API's "due" is against the real clock; noon keeps the day the same in Berlin.
    now = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    paid_order(dbs, seller, now=now - timedelta(days=30))
    paid_order(dbs, seller, now=now - timedelta(days=1))
    ask = as_user(admin)

    def count(query):
        response = ask("GET", f"/api/commissions?member_id={seller.id}&{query}")
        assert response.status_code == 200, response.json
        return response.json["total"]

    assert count("") == 2
    assert count("due=true") == 1  # 14 days after the payment 30 days ago
    assert count("due=false") == 1
    day = (now - timedelta(days=30)).date().isoformat()
    assert count(f"from={day}&to={day}") == 1
    assert count("status=approved") == 0
    newest_first = ask("GET", f"/api/commissions?member_id={seller.id}").json["items"]
    assert newest_first[0]["earned_at"] > newest_first[1]["earned_at"]
    bad = ask("GET", "/api/commissions?status=maybe&due=perhaps&from=1999-12-31")
    assert bad.status_code == 422
    assert set(bad.json["errors"]["query"]) == {"status", "due", "from"}
    backwards = ask("GET", "/api/commissions?from=2026-05-01&to=2026-04-01")
    assert backwards.json["errors"]["query"] == {"to": ["the period ends before it begins"]}


def test_an_approver_decides_a_selection_and_it_is_logged(as_user, dbs, people):
    seller, _manager, admin = people
    paid_order(dbs, seller)
    paid_order(dbs, seller)
    ids = ids_of(dbs, seller)
    response = as_user(admin)(
        "POST", "/api/commissions/decisions", json={"ids": ids, "decision": "approve"}
    )
    assert response.status_code == 200, response.json
    assert response.json["decided"] == ids
    dbs.expire_all()
    assert {dbs.get(Commission, i).status for i in ids} == {"approved"}
    log = dbs.scalars(select(CommissionDecision).where(CommissionDecision.commission_id == ids[0]))
    assert [(d.before, d.after, d.user_id) for d in log] == [("pending", "approved", admin.id)]
    # Corrected later: approved -> rejected, and the page of the commission shows both.
    fix = as_user(admin)(
        "POST", "/api/commissions/decisions", json={"ids": [ids[0]], "decision": "reject"}
    )
    assert fix.status_code == 200
    detail = as_user(admin)("GET", f"/api/commissions/{ids[0]}")
    assert [(d["before"], d["after"], d["by_name"]) for d in detail.json["decisions"]] == [
        ("pending", "approved", "Ada Admin"),
        ("approved", "rejected", "Ada Admin"),
    ]
    assert detail.json["status"] == "rejected"
    assert as_user(seller)("GET", f"/api/commissions/{ids[0]}").status_code == 200
    other = UserFactory(role="agent")
    dbs.commit()
    assert as_user(other)("GET", f"/api/commissions/{ids[0]}").status_code == 404


def test_nobody_decides_on_their_own_and_then_nothing_changes(as_user, dbs, people):
    seller, manager, _admin = people
    manager.can_approve_commissions = True
    dbs.commit()
    paid_order(dbs, seller)
    everyone = ids_of(dbs, seller) + ids_of(dbs, manager)
    response = as_user(manager)(
        "POST", "/api/commissions/decisions", json={"ids": everyone, "decision": "approve"}
    )
    assert response.status_code == 422
    [message] = response.json["errors"]["json"]["ids"]
    assert f"your own commissions (#{ids_of(dbs, manager)[0]})" in message
    dbs.expire_all()
    assert {dbs.get(Commission, i).status for i in everyone} == {"pending"}
    assert dbs.scalar(select(CommissionDecision.id)) is None
    # The seller's alone, the manager may approve.
    ok = as_user(manager)(
        "POST",
        "/api/commissions/decisions",
        json={"ids": ids_of(dbs, seller), "decision": "approve"},
    )
    assert ok.status_code == 200


def test_decisions_need_the_right_known_ids_and_a_state_that_allows_them(as_user, dbs, people):
    seller, manager, admin = people
    order = paid_order(dbs, seller)
    [mine] = ids_of(dbs, seller)
    # Without the right: 403 (a sales manager too: the right is given, not a role's).
    body = {"ids": [mine], "decision": "approve"}
    assert as_user(manager)("POST", "/api/commissions/decisions", json=body).status_code == 403
    assert as_user(seller)("POST", "/api/commissions/decisions", json=body).status_code == 403
    ask = as_user(admin)
    for wrong in ({"ids": [], "decision": "approve"}, {"ids": [mine], "decision": "maybe"}):
        assert ask("POST", "/api/commissions/decisions", json=wrong).status_code == 422
    unknown = ask(
        "POST", "/api/commissions/decisions", json={"ids": [mine, 99999], "decision": "approve"}
    )
    assert unknown.status_code == 422
    assert "no such commission: #99999" in unknown.json["errors"]["json"]["ids"][0]
    refund(dbs, order.id, now=NOW + timedelta(days=1), actor=admin, reason="withdrawal")
    dbs.commit()
    final = ask("POST", "/api/commissions/decisions", json=body)
    assert final.status_code == 422
    assert final.json["errors"]["json"]["ids"] == [f"#{mine} is reversed: that is final"]


def test_reassign_checks_then_moves_pending_commissions_to_the_vendor(as_user, dbs, people):
    seller, manager, admin = people
    paid_order(dbs, seller)
    paid_order(dbs, seller, net=D("200.00"))
    url = f"/api/members/{seller.id}/reassign"
    check = as_user(manager)("POST", url + "?check=1")
    assert check.status_code == 200
    assert check.json == {
        "member_id": seller.id,
        "executed": False,
        "count": 2,
        "totals": [{"currency": "EUR", "amount": "120.00"}],
    }
    dbs.expire_all()
    assert {c.status for c in dbs.scalars(select(Commission))} == {"pending"}
    assert as_user(seller)("POST", url).status_code == 403
    assert as_user(manager)("POST", "/api/members/99999/reassign").status_code == 404
    done = as_user(manager)("POST", url)
    assert (done.json["executed"], done.json["count"]) == (True, 2)
    dbs.expire_all()
    moved = [dbs.get(Commission, i) for i in ids_of(dbs, seller)]
    assert {c.status for c in moved} == {"reassigned"}
    log = list(dbs.scalars(select(CommissionDecision)))
    assert {(d.before, d.after, d.user_id, d.note) for d in log} == {
        ("pending", "reassigned", manager.id, "reassigned to the vendor")
    }
    # The manager's own manager commissions stayed; nothing is left to move.
    assert as_user(manager)("POST", url + "?check=1").json["count"] == 0
    assert as_user(admin)("POST", f"/api/members/{manager.id}/reassign?check=1").json["count"] == 2


def test_the_statement_shows_the_vendors_loss_after_a_refund_of_a_paid_out_sale(
    as_user, dbs, people
):
    seller, manager, admin = people
    order = paid_order(dbs, seller)
    kept = paid_order(dbs, seller)
    for commission in dbs.scalars(select(Commission).where(Commission.order_id == order.id)):
        commission.status = "paid"  # paid out early (the payouts service sets this)
    dbs.commit()
    refund(dbs, order.id, now=NOW + timedelta(days=2), actor=admin, reason="withdrawal")
    dbs.commit()
    ask = as_user(admin)
    [eur] = ask("GET", "/api/commissions/statement?from=2026-03-01&to=2026-03-31").json["items"]
    assert eur["net_revenue"] == "2000.00"
    assert eur["refunded_net"] == "1000.00"
    assert (eur["sales_team"], eur["sales_manager"]) == ("200.00", "20.00")
    assert (eur["taken_back"], eur["taken_back_open"]) == ("-110.00", "-110.00")
    # 890.00 on the order kept, 110.00 paid out on the refunded one not yet recovered.
    assert eur["vendor_keeps"] == "780.00"
    assert kept.status == "paid"
    # Another period: nothing.
    assert ask("GET", "/api/commissions/statement?from=2026-04-01").json["items"] == []
    for role in (manager, seller):
        assert as_user(role)("GET", "/api/commissions/statement").status_code == 403
