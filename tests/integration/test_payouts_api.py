"""/api/payouts: create a run, list, cancel, mark paid; who may; what bad input gets."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests.factories import UserFactory
from tests.payout_helpers import earned, freelancer
from voiceapp.db import utcnow
from voiceapp.models import Commission, Payout, PayoutRun
from voiceapp.services.team_settings import update_team_settings

PAST = utcnow() - timedelta(days=1)


@pytest.fixture
def manager_api(as_user, dbs):
    manager = UserFactory(role="sales_manager")
    dbs.commit()
    return as_user(manager)


@pytest.fixture
def members(dbs):
    anna, ben = freelancer(name="Anna"), freelancer(name="Ben")
    employee = UserFactory(name="Employee", can_receive_payouts=False)
    earned(dbs, anna, "100.00", due_at=PAST)
    earned(dbs, anna, "-10.00", due_at=PAST)
    earned(dbs, ben, "20.00", due_at=PAST)
    earned(dbs, employee, "50.00", due_at=PAST)
    dbs.commit()
    return anna, ben, employee


def test_a_run_through_the_api_pays_and_says_who_was_left_out(manager_api, members):
    anna, ben, employee = members
    answer = manager_api(
        "POST",
        "/api/payouts",
        json={"member_ids": [anna.id, ben.id, employee.id], "minimum": "50", "currency": "EUR"},
    )
    assert answer.status_code == 201, answer.json
    body = answer.json
    assert [
        (p["member_id"], p["amount"], p["commission_count"], p["status"]) for p in body["payouts"]
    ] == [(anna.id, "90.00", 2, "pending")]
    assert body["minimum"] == "50.00"
    assert {(m["member_name"], m["amount"], m["reason"]) for m in body["left_out"]} == {
        ("Ben", "20.00", "below the minimum of 50.00"),
        ("Employee", "0.00", "employee: paid through payroll, not by payouts"),
    }


def test_defaults_are_the_teams_minimum_and_first_currency(manager_api, members, dbs):
    update_team_settings(dbs, minimum_payout=Decimal("25.00"), payout_currencies=["EUR", "USD"])
    dbs.commit()
    anna, ben, _employee = members
    answer = manager_api("POST", "/api/payouts", json={"member_ids": [anna.id, ben.id]})
    assert answer.status_code == 201
    assert (answer.json["minimum"], answer.json["currency"]) == ("25.00", "EUR")
    assert [p["member_id"] for p in answer.json["payouts"]] == [anna.id]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"currency": "USD"}, "currency"),
        ({"minimum": "-1"}, "minimum"),
        ({"member_ids": []}, "member_ids"),
        ({"member_ids": [987654]}, "member_ids"),
    ],
)
def test_bad_input_gets_field_errors_and_changes_nothing(manager_api, members, dbs, body, field):
    answer = manager_api(
        "POST", "/api/payouts", json={"member_ids": [members[0].id], "currency": "EUR", **body}
    )
    assert answer.status_code == 422
    assert list(answer.json["errors"]["json"]) == [field]
    dbs.rollback()
    assert dbs.scalar(select(func.count(PayoutRun.id))) == 0


def test_nobody_to_pay_is_a_422_naming_why(manager_api, members, dbs):
    _anna, _ben, employee = members
    answer = manager_api("POST", "/api/payouts", json={"member_ids": [employee.id]})
    assert answer.status_code == 422
    assert answer.json["errors"]["json"]["member_ids"] == [
        "nobody is paid: Employee: employee: paid through payroll, not by payouts"
    ]


def test_list_cancel_and_mark_paid(manager_api, members, dbs):
    anna, ben, _employee = members
    run = manager_api("POST", "/api/payouts", json={"member_ids": [anna.id, ben.id]}).json
    pa, pb = (p["id"] for p in run["payouts"])
    listed = manager_api("GET", f"/api/payouts?member_id={ben.id}").json
    assert ([p["id"] for p in listed["items"]], listed["total"]) == ([pb], 1)

    cancelled = manager_api("POST", f"/api/payouts/{pb}/cancel")
    assert (cancelled.status_code, cancelled.json["status"]) == (200, "cancelled")
    assert manager_api("POST", f"/api/payouts/{pb}/cancel").status_code == 409
    assert manager_api("POST", "/api/payouts/987654/cancel").status_code == 404

    refused = manager_api("POST", "/api/payouts/paid", json={"ids": [pa, pb]})
    assert refused.status_code == 422
    assert "ids" in refused.json["errors"]["json"]
    assert manager_api("POST", "/api/payouts/paid", json={"ids": []}).status_code == 422
    paid = manager_api("POST", "/api/payouts/paid", json={"ids": [pa]})
    assert paid.status_code == 200
    assert [(p["id"], p["status"]) for p in paid.json["items"]] == [(pa, "paid")]
    assert paid.json["items"][0]["paid_at"]
    dbs.rollback()
    assert {
        c.status for c in dbs.scalars(select(Commission).where(Commission.user_id == anna.id))
    } == {"paid"}
    assert manager_api("GET", "/api/payouts?status=cancelled").json["total"] == 1


def test_agents_get_403_and_nothing_changes(as_user, members, dbs):
    agent_api = as_user(UserFactory(role="agent"))
    anna = members[0]
    assert agent_api("GET", "/api/payouts").status_code == 403
    assert agent_api("POST", "/api/payouts", json={"member_ids": [anna.id]}).status_code == 403
    assert agent_api("POST", "/api/payouts/paid", json={"ids": [1]}).status_code == 403
    dbs.rollback()
    assert dbs.scalar(select(func.count(Payout.id))) == 0
