"""The Payouts pages: create with a preview, bad input shown again (422), the run's
files, cancel (X) and mark paid; the menu link for managers and admins only."""

from __future__ import annotations

import io
from datetime import timedelta

from openpyxl import load_workbook
from sqlalchemy import func, select

from tests.conftest import form_token, sign_in
from tests.factories import PASSWORD, UserFactory
from tests.payout_helpers import earned, freelancer
from voiceapp.db import utcnow
from voiceapp.models import Payout, PayoutRun

PAST = utcnow() - timedelta(days=1)


def _setup(client, dbs, role="sales_manager"):
    user = UserFactory(role=role)
    anna = freelancer(name="Anna Freelancer")
    employee = UserFactory(name="Erik Employee", can_receive_payouts=False)
    earned(dbs, anna, "80.00", due_at=PAST)
    earned(dbs, anna, "5.00", due_at=utcnow() + timedelta(days=3))
    dbs.commit()
    sign_in(client, user.email, PASSWORD)
    return anna, employee


def test_preview_then_create_then_download_cancel_and_pay(client, dbs):
    anna, employee = _setup(client, dbs)
    page = client.get("/payouts/new")
    assert page.status_code == 200
    assert "Employee (payroll)" in page.text
    assert f'value="{employee.id}" disabled' in page.text
    token = form_token(client, "/payouts/new")
    form = {"csrf_token": token, "member_ids": [str(anna.id)], "minimum": "0.00", "currency": "EUR"}
    preview = client.post("/payouts/new", data={**form, "action": "preview"})
    assert preview.status_code == 200
    assert "80.00" in preview.text and "to be paid" in preview.text
    assert dbs.scalar(select(func.count(PayoutRun.id))) == 0

    early = {**form, "include_not_due": "y", "action": "create"}
    created = client.post("/payouts/new", data=early)
    assert created.status_code == 302
    run_page = client.get(created.headers["Location"])
    assert "85.00 EUR" in run_page.text and "Anna Freelancer" in run_page.text
    dbs.rollback()  # a fresh snapshot (SQLite): the app committed since
    run_id = dbs.scalar(select(PayoutRun.id))
    csv_file = client.get(f"/payouts/runs/{run_id}/export.csv")
    assert csv_file.headers["Content-Type"].startswith("text/csv")
    assert "Anna Freelancer" in csv_file.text and "85.00" in csv_file.text
    xlsx = client.get(f"/payouts/runs/{run_id}/export.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert sheet.cell(row=2, column=5).value == 85

    payout_id = dbs.scalar(select(Payout.id))
    listed = client.get("/payouts")
    assert f'name="ids" value="{payout_id}"' in listed.text
    paid = client.post("/payouts/paid", data={"csrf_token": token, "ids": [str(payout_id)]})
    assert paid.status_code == 302
    dbs.rollback()
    assert dbs.get(Payout, payout_id).status == "paid"
    refused = client.post(f"/payouts/{payout_id}/cancel", data={"csrf_token": token})
    assert refused.status_code == 303
    dbs.rollback()
    assert dbs.get(Payout, payout_id).status == "paid"


def test_cancel_releases_the_payout(client, dbs):
    anna, _employee = _setup(client, dbs)
    token = form_token(client, "/payouts/new")
    client.post(
        "/payouts/new",
        data={"csrf_token": token, "member_ids": [str(anna.id)], "minimum": "0", "currency": "EUR"},
    )
    dbs.rollback()
    payout_id = dbs.scalar(select(Payout.id))
    assert (
        client.post(f"/payouts/{payout_id}/cancel", data={"csrf_token": token}).status_code == 302
    )
    dbs.rollback()
    assert dbs.get(Payout, payout_id).status == "cancelled"
    assert "cancelled" in client.get("/payouts?status=cancelled").text


def test_bad_input_shows_the_form_again_with_messages(client, dbs):
    anna, employee = _setup(client, dbs)
    token = form_token(client, "/payouts/new")
    bad = client.post(
        "/payouts/new",
        data={
            "csrf_token": token,
            "member_ids": [str(anna.id)],
            "minimum": "-5",
            "currency": "EUR",
        },
    )
    assert bad.status_code == 422
    assert "must not be negative" in bad.text
    nobody = client.post(
        "/payouts/new",
        data={
            "csrf_token": token,
            "member_ids": [str(employee.id)],
            "minimum": "0",
            "currency": "EUR",
        },
    )
    assert nobody.status_code == 422
    assert "Nobody would be paid" in nobody.text and "paid through payroll" in nobody.text
    none_chosen = client.post(
        "/payouts/new", data={"csrf_token": token, "minimum": "0", "currency": "EUR"}
    )
    assert none_chosen.status_code == 422
    assert dbs.scalar(select(func.count(PayoutRun.id))) == 0


def test_the_commission_tabs_name_payouts_for_managers_not_agents(client, dbs):
    manager = UserFactory(role="sales_manager")
    agent = UserFactory(role="agent")
    dbs.commit()
    sign_in(client, manager.email, PASSWORD)
    assert 'href="/payouts"' in client.get("/commissions").text
    other = client.application.test_client()
    sign_in(other, agent.email, PASSWORD)
    assert 'href="/payouts"' not in other.get("/commissions").text
    assert other.get("/payouts").status_code == 403
