"""Adding several members at once in the panel: the preview says who is new, who would
change (and what), who stays, and which lines are refused, and saves nothing; "Add"
saves it in one go; overwrite on and off; a CSV upload; and each new member's invitation
e-mail really goes out through the worker to an SMTP server, with a link that works once
and expires after 7 days."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from redis import Redis
from sqlalchemy import func, select

import workers
from tests.conftest import TEST_REDIS_URL, form_token, sign_in
from tests.factories import PASSWORD, UserFactory
from tests.http_helpers import assert_redirect
from tests.mail_helpers import body, run_worker
from voiceapp.db import utcnow
from voiceapp.models import OutgoingEmail, User
from voiceapp.services.outbox import relay_pending

URL = "/members/add-several"


@pytest.fixture
def admin(ctx):
    return UserFactory(role="admin", name="Ada Admin", email="ada@example.com")


def _post(client, **fields):
    data = {
        "csrf_token": form_token(client, URL),
        "role": "agent",
        "payout_factor_percent": "100",
        **fields,
    }
    return client.post(URL, data=data, content_type="multipart/form-data")


def _count(dbs, model) -> int:
    dbs.rollback()
    return dbs.scalar(select(func.count()).select_from(model))


def _section(html: str, testid: str) -> str:
    match = re.search(rf'data-testid="{testid}">(.*?)</(ul|table)>', html, re.S)
    return match.group(1) if match else ""


def test_the_preview_says_who_is_new_changes_or_stays_and_saves_nothing(client, dbs, admin):
    UserFactory(email="jonas@example.com", name="Jonas", role="agent", payout_factor=Decimal("1"))
    UserFactory(email="lucia@example.com", name="Lucia", role="agent", payout_factor=Decimal("0.8"))
    sign_in(client, admin.email, PASSWORD)
    users_before = _count(dbs, User)
    page = _post(
        client,
        emails="Anna Schmidt <anna@example.com>\njonas@example.com\nlucia@example.com\n"
        "not-an-email\nAnna@Example.com",
        payout_factor_percent="80",
        languages=["de"],
        overwrite="y",
        preview="1",
    )
    assert page.status_code == 200
    html = page.text
    assert "Anna Schmidt &lt;anna@example.com&gt;" in _section(html, "preview-new")
    changed = _section(html, "preview-changed")
    assert "jonas@example.com" in changed and "100 % → <strong>80 %</strong>" in changed
    assert "lucia@example.com" in _section(html, "preview-unchanged")  # already 80 %
    bad = _section(html, "preview-bad")
    assert "not-an-email" in bad and "not an e-mail address" in bad
    assert "listed twice" in bad
    assert "Add 1 and change 1" in html
    # Nothing was saved by the preview.
    assert _count(dbs, User) == users_before
    assert _count(dbs, OutgoingEmail) == 0
    assert dbs.scalar(select(User).where(User.email == "jonas@example.com")).payout_factor == 1


def test_add_saves_new_members_and_the_changes_in_one_go(client, dbs, admin):
    UserFactory(email="jonas@example.com", name="Jonas", role="agent")
    sign_in(client, admin.email, PASSWORD)
    response = _post(
        client,
        emails="anna.schmidt@example.com\njonas@example.com, Jonas Weber",
        role="sales_manager",
        payout_factor_percent="62.5",
        can_receive_payouts="y",
        languages=["de"],
        case_types=["new_order"],
        overwrite="y",
        confirm="1",
    )
    assert_redirect(response, "/members")
    assert "1 member added and invited by e-mail, 1 changed." in client.get("/members").text
    dbs.rollback()
    anna = dbs.scalar(select(User).where(User.email == "anna.schmidt@example.com"))
    assert anna.name == "Anna Schmidt"  # made from the address
    assert anna.role == "sales_manager" and anna.password_hash is None
    assert anna.payout_factor == Decimal("0.625") and anna.can_receive_payouts
    assert anna.languages == ["de"] and anna.case_types == ["new_order"]
    jonas = dbs.scalar(select(User).where(User.email == "jonas@example.com"))
    assert jonas.name == "Jonas Weber" and jonas.role == "sales_manager"
    assert jonas.payout_factor == Decimal("0.625")
    emails = dbs.scalars(select(OutgoingEmail)).all()
    assert [e.to_address for e in emails] == ["anna.schmidt@example.com"]  # only the new one


def test_with_overwrite_off_existing_members_keep_their_settings(client, dbs, admin):
    UserFactory(email="jonas@example.com", role="agent", payout_factor=Decimal("0.5"))
    sign_in(client, admin.email, PASSWORD)
    preview = _post(client, emails="jonas@example.com\nnew@example.com", preview="1")
    assert "overwrite is off" in preview.text
    assert "jonas@example.com" in _section(preview.text, "preview-unchanged")
    response = _post(client, emails="jonas@example.com\nnew@example.com", confirm="1")
    assert_redirect(response, "/members")
    dbs.rollback()
    jonas = dbs.scalar(select(User).where(User.email == "jonas@example.com"))
    assert jonas.payout_factor == Decimal("0.5")
    assert dbs.scalar(select(User).where(User.email == "new@example.com")) is not None


def test_a_csv_upload_with_roles_is_previewed_and_carried_to_add(client, dbs, admin):
    sign_in(client, admin.email, PASSWORD)
    csv = (
        "email;name;role\n"
        "mia@example.com;Mia Manager;Sales manager\n"
        "tom@example.com;Tom;\n"
        "bad-address;Nobody;agent\n"
        "eve@example.com;Eve;boss\n"
    )
    preview = _post(client, csv_file=(io.BytesIO(csv.encode()), "team.csv"), preview="1")
    assert preview.status_code == 200
    new = _section(preview.text, "preview-new")
    assert "Mia Manager" in new and "Sales manager" in new and "Tom" in new
    bad = _section(preview.text, "preview-bad")
    assert "CSV 4" in bad and "CSV 5" in bad and "role must be" in bad
    assert 'data-testid="csv-carried"' in preview.text
    carried = re.search(r'name="csv_text" type="hidden" value="([^"]*)"', preview.text)
    assert carried, "the CSV is carried to the next step"
    import html as html_lib

    response = _post(client, csv_text=html_lib.unescape(carried.group(1)), confirm="1")
    assert_redirect(response, "/members")
    dbs.rollback()
    roles = dict(dbs.execute(select(User.email, User.role).where(User.email != admin.email)).all())
    assert roles == {"mia@example.com": "sales_manager", "tom@example.com": "agent"}


def test_nothing_given_is_a_422_with_a_message(client, dbs, admin):
    sign_in(client, admin.email, PASSWORD)
    response = _post(client, emails="  \n", preview="1")
    assert response.status_code == 422
    assert "paste at least one e-mail address" in response.text


def test_an_admin_cannot_demote_themselves_through_a_bulk_overwrite(client, dbs, admin):
    sign_in(client, admin.email, PASSWORD)
    response = _post(client, emails=admin.email, overwrite="y", confirm="1", preview="1")
    assert "you cannot remove your own admin rights" in response.text
    dbs.rollback()
    assert dbs.get(User, admin.id).role == "admin"


# --- the invitation e-mail and link -------------------------------------------------------


@pytest.fixture
def mail_app(shared_app, smtp):
    app = shared_app(**smtp.settings, mail_from="Team <team@voiceapp.test>")
    workers.set_job_app(app)
    yield app
    workers.set_job_app(None)


def _invite(mail_app, smtp, dbs, admin) -> str:
    """Add anna through the panel, deliver the e-mail; the link it carries."""
    client = mail_app.test_client()
    sign_in(client, admin.email, PASSWORD)
    assert_redirect(_post(client, emails="Anna <anna@example.com>", confirm="1"), "/members")
    dbs.rollback()
    assert relay_pending(dbs, Redis.from_url(TEST_REDIS_URL)) == 1
    run_worker()
    [mail] = smtp.delivered
    assert mail.rcpt_tos == ["anna@example.com"]
    text = body(mail.message, "plain")
    assert "Ada Admin has added you" in text
    return re.search(r"http://\S+/invitation/\S+", text).group(0)


def _choose(client, path: str, password: str = "a brand new password", token=None):
    token = token or form_token(client, path)
    return client.post(path, data={"csrf_token": token, "password": password, "again": password})


def test_the_invitation_link_sets_the_password_once(mail_app, smtp, ctx, dbs, admin):
    link = _invite(mail_app, smtp, dbs, admin)
    path = link.split("localhost", 1)[1]
    client = mail_app.test_client()
    page = client.get(path)
    assert page.status_code == 200 and "Welcome, Anna" in page.text
    assert_redirect(_choose(client, path), "/sign-in")
    sign_in(client, "anna@example.com", "a brand new password")  # signs in
    other = mail_app.test_client()
    again = other.get(path)
    assert again.status_code == 404 and "does not work" in again.text


def test_the_invitation_link_expires_after_seven_days(mail_app, smtp, ctx, dbs, admin):
    link = _invite(mail_app, smtp, dbs, admin)
    path = link.split("localhost", 1)[1]
    client = mail_app.test_client()
    with time_machine.travel(utcnow() + timedelta(days=6, hours=23), tick=False):
        assert client.get(path).status_code == 200
    with time_machine.travel(utcnow() + timedelta(days=7, minutes=1), tick=False):
        assert client.get(path).status_code == 404
        response = _choose(client, path, token=form_token(client, "/sign-in"))
        assert response.status_code == 404
    dbs.rollback()
    assert dbs.scalar(select(User).where(User.email == "anna@example.com")).password_hash is None


def test_a_forged_or_mismatched_password_link_changes_nothing(client, ctx, dbs, admin):
    assert client.get("/invitation/not-a-token").status_code == 404
    invited = UserFactory(password_hash=None)
    from voiceapp.services.invitations import invitation_token

    path = "/invitation/" + invitation_token(invited, secret_key="another key")
    assert client.get(path).status_code == 404
    from tests.conftest import TEST_SECRET_KEY

    good = "/invitation/" + invitation_token(invited, secret_key=TEST_SECRET_KEY)
    response = _choose(client, good, password="short")
    assert response.status_code == 422
    dbs.rollback()
    assert dbs.get(User, invited.id).password_hash is None
