"""The members list per role, removing a member (history kept, sessions and tokens ended),
and the commission settings page."""

from __future__ import annotations

import re
from decimal import Decimal

from sqlalchemy import select

from tests.conftest import form_token, sign_in
from tests.factories import PASSWORD, ContactFactory, OrderFactory, UserFactory
from tests.http_helpers import assert_redirect
from voiceapp.db import utcnow
from voiceapp.models import ApiToken, Order, TeamSettings, User, UserSession
from voiceapp.services.accounts import create_api_token


def test_a_sales_manager_reads_the_list_with_factors_but_no_manager_commission(client, ctx):
    UserFactory(
        role="sales_manager",
        name="Max",
        manager_commission_percent=Decimal("12.50"),
        payout_factor=Decimal("0.8"),
        can_receive_payouts=True,
        payouts_held=True,
    )
    UserFactory(role="agent", name="Jonas", payout_factor=Decimal("0.125"))
    viewer = UserFactory(role="sales_manager", name="Viewer")
    sign_in(client, viewer.email, PASSWORD)
    page = client.get("/members")
    assert page.status_code == 200
    html = page.text
    assert "80 %" in html and "12.5 %" in html
    assert "12.50 %" not in html  # the manager commission is for admins
    assert "Freelancer (receives payouts)" in html and "Employee (payroll)" in html
    assert 'data-testid="payouts-held"' in html
    assert "Add member" not in html and 'href="/members/' not in html  # read-only
    assert client.get("/members/add-several").status_code == 403


def test_an_admin_sees_manager_commissions_and_edits_in_percent(client, ctx, dbs):
    admin = UserFactory(role="admin")
    max_ = UserFactory(
        role="sales_manager", name="Max", manager_commission_percent=Decimal("12.50")
    )
    sign_in(client, admin.email, PASSWORD)
    assert "(12.50 %)" in client.get("/members").text
    form = client.get(f"/members/{max_.id}").text
    assert re.search(r"name=\"payout_factor_percent\"[^>]*value=\"100.00\"", form)
    response = client.post(
        f"/members/{max_.id}",
        data={
            "csrf_token": form_token(client, f"/members/{max_.id}"),
            "name": "Max",
            "email": max_.email,
            "role": "sales_manager",
            "active": "y",
            "payout_factor_percent": "37.5",
            "languages": "de",
        },
    )
    assert_redirect(response, "/members")
    dbs.rollback()
    assert dbs.get(User, max_.id, populate_existing=True).payout_factor == Decimal("0.375")


def test_removing_a_member_keeps_their_history_and_ends_their_access(client, app, ctx, dbs):
    admin = UserFactory(role="admin")
    agent = UserFactory(role="agent", name="Leaving Agent")
    order = OrderFactory(contact_id=ContactFactory().id, seller_id=agent.id)
    _row, token = create_api_token(dbs, agent, name="crm", now=utcnow())
    dbs.commit()
    agent_client = app.test_client()
    sign_in(agent_client, agent.email, PASSWORD)

    sign_in(client, admin.email, PASSWORD)
    confirm = client.get(f"/members/{agent.id}/remove")
    assert confirm.status_code == 200 and "Remove Leaving Agent?" in confirm.text
    dbs.rollback()
    assert dbs.get(User, agent.id).removed_at is None  # asking changes nothing
    response = client.post(
        f"/members/{agent.id}/remove",
        data={"csrf_token": form_token(client, f"/members/{agent.id}/remove")},
    )
    assert_redirect(response, "/members")

    dbs.rollback()
    gone = dbs.get(User, agent.id, populate_existing=True)
    assert gone.removed_at is not None and not gone.active
    assert dbs.get(Order, order.id).seller_id == agent.id  # the history still names them
    assert all(
        s.ended_at for s in dbs.scalars(select(UserSession).where(UserSession.user_id == agent.id))
    )
    assert dbs.scalar(select(ApiToken).where(ApiToken.user_id == agent.id)).revoked_at
    assert (
        client.get("/api/contacts", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    )
    assert agent_client.get("/").status_code == 302  # signed out

    listed = client.get("/members").text
    assert f'data-member="{agent.email}"' not in listed
    removed = client.get("/members?removed=1").text
    assert f'data-member="{agent.email}"' in removed and "removed 20" in removed


def test_admins_cannot_remove_themselves(client, ctx, dbs):
    admin = UserFactory(role="admin")
    sign_in(client, admin.email, PASSWORD)
    page = client.get(f"/members/{admin.id}/remove")
    assert "You cannot remove yourself" in page.text
    response = client.post(
        f"/members/{admin.id}/remove",
        data={"csrf_token": form_token(client, "/members")},
    )
    assert response.status_code == 422
    dbs.rollback()
    assert dbs.get(User, admin.id).removed_at is None


def test_the_commission_settings_page_saves_and_explains(client, ctx, dbs):
    admin = UserFactory(role="admin")
    sign_in(client, admin.email, PASSWORD)
    page = client.get("/settings/commissions")
    assert "1,000.00 EUR net" in page.text and "890.00 EUR" in page.text
    assert 'value="14"' in page.text and 'value="EUR"' in page.text
    response = client.post(
        "/settings/commissions",
        data={
            "csrf_token": form_token(client, "/settings/commissions"),
            "team_share_percent": "12.5",
            "share_across_team": "y",
            "withdrawal_days": "30",
            "payout_currencies": "eur, chf",
            "minimum_payout": "50",
        },
    )
    assert_redirect(response, "/settings/commissions")
    assert "Commission settings saved." in client.get("/settings/commissions").text
    dbs.rollback()
    row = dbs.get(TeamSettings, 1)
    assert row.commission_team_share_percent == Decimal("12.5")
    assert not row.commission_approval_required and row.commission_share_across_team
    assert row.commission_withdrawal_days == 30 and row.payout_currencies == ["EUR", "CHF"]


def test_bad_commission_settings_show_the_form_again_and_save_nothing(client, ctx, dbs):
    admin = UserFactory(role="admin")
    sign_in(client, admin.email, PASSWORD)
    response = client.post(
        "/settings/commissions",
        data={
            "csrf_token": form_token(client, "/settings/commissions"),
            "team_share_percent": "150",
            "approval_required": "y",
            "withdrawal_days": "many",
            "payout_currencies": "",
            "minimum_payout": "10",
        },
    )
    assert response.status_code == 422
    for field in ("team_share_percent", "withdrawal_days", "payout_currencies"):
        assert f'data-field="{field}"' in response.text
    assert 'value="150"' in response.text  # what was typed stays
    dbs.rollback()
    assert dbs.get(TeamSettings, 1) is None
