"""/api/members and /api/team/commission-settings: who reads what (payout factors for
sales managers and admins, manager commissions for admins only: the key is left out),
admins' changes through the member settings path, and 422 with field errors."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.factories import UserFactory
from voiceapp.models import TeamSettings, User


@pytest.fixture
def people(ctx):
    return {
        "admin": UserFactory(role="admin", name="Ada Admin"),
        "manager": UserFactory(
            role="sales_manager", name="Max Manager", manager_commission_percent=Decimal("10")
        ),
        "agent": UserFactory(
            role="agent",
            name="Jonas Agent",
            payout_factor=Decimal("0.8"),
            can_receive_payouts=True,
            languages=["de"],
        ),
    }


def _fresh(dbs, user) -> User:
    dbs.rollback()
    return dbs.get(User, user.id, populate_existing=True)


def test_an_admin_reads_factors_as_percent_and_manager_commissions(as_user, people):
    answer = as_user(people["admin"])("GET", "/api/members")
    assert answer.status_code == 200
    by_name = {m["name"]: m for m in answer.json["items"]}
    assert answer.json["total"] == 3
    jonas = by_name["Jonas Agent"]
    assert jonas["payout_factor_percent"] == "80.00"
    assert jonas["employment"] == "freelancer"
    assert jonas["languages"] == ["de"]
    assert by_name["Max Manager"]["manager_commission_percent"] == "10.00"
    assert by_name["Max Manager"]["employment"] == "employee"
    assert by_name["Ada Admin"]["manager_commission_percent"] is None


def test_a_sales_manager_sees_payout_factors_but_no_manager_commission_key(as_user, people):
    call = as_user(people["manager"])
    items = call("GET", "/api/members").json["items"]
    assert all("manager_commission_percent" not in m for m in items)
    assert {m["name"]: m["payout_factor_percent"] for m in items}["Jonas Agent"] == "80.00"
    one = call("GET", f"/api/members/{people['manager'].id}").json
    assert "manager_commission_percent" not in one
    assert one["payout_factor_percent"] == "100.00"


def test_agents_may_not_read_members_or_commission_settings(as_user, people):
    call = as_user(people["agent"])
    assert call("GET", "/api/members").status_code == 403
    assert call("GET", f"/api/members/{people['agent'].id}").status_code == 403
    assert call("GET", "/api/team/commission-settings").status_code == 403


def test_an_admin_changes_a_members_settings(as_user, people, dbs):
    agent = people["agent"]
    answer = as_user(people["admin"])(
        "PATCH",
        f"/api/members/{agent.id}",
        json={
            "payout_factor_percent": "62.5",
            "sales_manager": True,
            "manager_commission_percent": "7.5",
            "can_receive_payouts": False,
            "can_approve_commissions": True,
            "payouts_held": True,
            "case_types": ["new_order", "payment_reminder"],
            "languages": ["en"],
        },
    )
    assert answer.status_code == 200, answer.json
    assert answer.json["role"] == "sales_manager"
    assert answer.json["employment"] == "employee"
    assert answer.json["payout_factor_percent"] == "62.50"
    assert answer.json["manager_commission_percent"] == "7.50"
    stored = _fresh(dbs, agent)
    assert stored.payout_factor == Decimal("0.625")
    assert stored.role == "sales_manager"
    assert stored.payouts_held and stored.can_approve_commissions
    assert stored.case_types == ["new_order", "payment_reminder"]
    assert stored.languages == ["en"]
    back = as_user(people["admin"])(
        "PATCH", f"/api/members/{agent.id}", json={"sales_manager": False}
    )
    assert back.json["role"] == "agent"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"payout_factor_percent": "100.01"}, "payout_factor_percent"),
        ({"payout_factor_percent": "-1"}, "payout_factor_percent"),
        ({"payout_factor_percent": "50.125"}, "payout_factor_percent"),
        ({"payout_factor_percent": 0.5}, "payout_factor_percent"),
        ({"manager_commission_percent": "101"}, "manager_commission_percent"),
        ({"case_types": ["no_such_type"]}, "case_types"),
        ({"languages": ["xx"]}, "languages"),
        ({"can_receive_payouts": "maybe"}, "can_receive_payouts"),
    ],
)
def test_bad_member_settings_answer_422_naming_the_field_and_change_nothing(
    as_user, people, dbs, body, field
):
    agent = people["agent"]
    answer = as_user(people["admin"])(
        "PATCH", f"/api/members/{agent.id}", json={**body, "payouts_held": True}
    )
    assert answer.status_code == 422
    assert list(answer.json["errors"]["json"]) == [field]
    stored = _fresh(dbs, agent)
    assert stored.payout_factor == Decimal("0.8") and not stored.payouts_held


def test_an_admins_role_is_not_changed_through_sales_manager(as_user, people, dbs):
    other_admin = UserFactory(role="admin")
    answer = as_user(people["admin"])(
        "PATCH", f"/api/members/{other_admin.id}", json={"sales_manager": True}
    )
    assert answer.status_code == 422
    assert "admin" in answer.json["errors"]["json"]["sales_manager"][0]
    assert _fresh(dbs, other_admin).role == "admin"


def test_admins_cannot_switch_themselves_off(as_user, people, dbs):
    admin = people["admin"]
    answer = as_user(admin)("PATCH", f"/api/members/{admin.id}", json={"active": False})
    assert answer.status_code == 422
    assert "switch yourself off" in answer.json["errors"]["json"]["active"][0]
    assert _fresh(dbs, admin).active


def test_switching_a_member_off_ends_their_api_access(as_user, people):
    agent_call = as_user(people["agent"])
    as_user(people["admin"])("PATCH", f"/api/members/{people['agent'].id}", json={"active": False})
    assert agent_call("GET", "/api/contacts").status_code == 401


def test_only_admins_change_members_and_before_the_body_is_read(as_user, people, dbs):
    call = as_user(people["manager"])
    answer = call("PATCH", f"/api/members/{people['agent'].id}", json={"payouts_held": "bad"})
    assert answer.status_code == 403
    answer = call("PATCH", "/api/team/commission-settings", json={"withdrawal_days": 3})
    assert answer.status_code == 403


def test_an_unknown_member_is_404(as_user, people):
    assert as_user(people["admin"])("GET", "/api/members/999999").status_code == 404


# --- commission settings ------------------------------------------------------------------


def test_commission_settings_read_with_their_defaults(as_user, people):
    answer = as_user(people["manager"])("GET", "/api/team/commission-settings")
    assert answer.status_code == 200
    assert answer.json == {
        "team_share_percent": "10.00",
        "approval_required": True,
        "share_across_team": False,
        "withdrawal_days": 14,
        "payout_currencies": ["EUR"],
        "minimum_payout": "0.00",
    }


def test_an_admin_changes_commission_settings(as_user, people, dbs):
    answer = as_user(people["admin"])(
        "PATCH",
        "/api/team/commission-settings",
        json={
            "team_share_percent": "12.5",
            "approval_required": False,
            "share_across_team": True,
            "withdrawal_days": 30,
            "payout_currencies": ["eur", "CHF"],
            "minimum_payout": "50",
        },
    )
    assert answer.status_code == 200, answer.json
    assert answer.json["team_share_percent"] == "12.50"
    assert answer.json["payout_currencies"] == ["EUR", "CHF"]
    assert answer.json["minimum_payout"] == "50.00"
    dbs.rollback()
    row = dbs.get(TeamSettings, 1)
    assert row.commission_team_share_percent == Decimal("12.5")
    assert row.commission_share_across_team and not row.commission_approval_required
    assert row.commission_withdrawal_days == 30
    assert row.minimum_payout == Decimal("50")
    # A PATCH changes only what it names.
    again = as_user(people["admin"])(
        "PATCH", "/api/team/commission-settings", json={"withdrawal_days": 0}
    )
    assert again.json["withdrawal_days"] == 0 and again.json["team_share_percent"] == "12.50"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"team_share_percent": "100.5"}, "team_share_percent"),
        ({"team_share_percent": "abc"}, "team_share_percent"),
        ({"withdrawal_days": 366}, "withdrawal_days"),
        ({"withdrawal_days": "14"}, "withdrawal_days"),
        ({"payout_currencies": []}, "payout_currencies"),
        ({"payout_currencies": ["XYZ"]}, "payout_currencies"),
        ({"payout_currencies": ["DEM"]}, "payout_currencies"),
        ({"payout_currencies": ["KWD"]}, "payout_currencies"),
        ({"minimum_payout": "-1"}, "minimum_payout"),
        ({"minimum_payout": "1.234"}, "minimum_payout"),
    ],
)
def test_bad_commission_settings_answer_422_and_store_nothing(as_user, people, dbs, body, field):
    answer = as_user(people["admin"])(
        "PATCH", "/api/team/commission-settings", json={"withdrawal_days": 7, **body}
    )
    assert answer.status_code == 422
    assert list(answer.json["errors"]["json"]) == [field]
    dbs.rollback()
    assert dbs.get(TeamSettings, 1) is None  # nothing saved, not even the good field
