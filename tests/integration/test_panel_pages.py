"""Panel pages through the test client: forms validate like the API, refuse with readable
messages, and change nothing on bad input."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.conftest import form_token, sign_in
from tests.factories import PASSWORD, ContactFactory, OrderFactory, UserFactory
from tests.http_helpers import assert_redirect
from voiceapp.models import Contact, User


def _signed_in(client, role="agent", **kw):
    user = UserFactory(role=role, **kw)
    sign_in(client, user.email, PASSWORD)
    return user


def _contact_form(**fields):
    data = {"kind": "person", "visibility": "shared_write", "phone-0-kind": "mobile"}
    data.update(fields)
    return data


def test_the_contact_form_creates_a_contact(client, ctx, dbs):
    _signed_in(client)
    token = form_token(client, "/contacts/new")
    response = client.post(
        "/contacts/new",
        data=_contact_form(
            csrf_token=token,
            first_name="Lena",
            last_name="Gruber",
            **{"phone-0-number": "+43 664 1234567"},
            emails="lena@example.com, x@example.com",
            tags="vip; newsletter",
            country="AT",
        ),
    )
    contact = dbs.scalars(select(Contact)).one()
    page = client.get(assert_redirect(response, f"/contacts/{contact.id}"))
    assert "Contact Lena Gruber created." in page.text
    assert "Lena Gruber" in page.text
    assert "+43 664 1234567" in page.text
    assert "Contact created" in page.text
    assert [e.email for e in contact.emails] == ["lena@example.com", "x@example.com"]
    assert contact.tags == ["vip", "newsletter"]
    assert contact.timezone == "Europe/Vienna"


def test_a_bad_contact_form_shows_field_errors_and_stores_nothing(client, ctx, dbs):
    _signed_in(client)
    token = form_token(client, "/contacts/new")
    response = client.post(
        "/contacts/new",
        data=_contact_form(
            csrf_token=token, first_name="Lena", country="Nowhere", **{"phone-0-number": "12"}
        ),
    )
    assert response.status_code == 422
    assert "please correct the marked fields" in response.text
    assert "not a valid phone number" in response.text or "not a phone number" in response.text
    assert "not an ISO 3166 country code" in response.text
    # What was typed stays in the form.
    assert 'value="Lena"' in response.text
    assert dbs.scalar(select(func.count()).select_from(Contact)) == 0


def test_a_private_contact_of_another_agent_is_not_found(client, ctx):
    _signed_in(client)
    other = UserFactory()
    contact = ContactFactory(owner_id=other.id, visibility="private")
    assert client.get(f"/contacts/{contact.id}").status_code == 404
    assert client.get(f"/contacts/{contact.id}/edit").status_code == 404


def test_a_read_only_contact_cannot_be_edited_in_the_panel(client, ctx):
    _signed_in(client)
    contact = ContactFactory(owner_id=UserFactory().id, visibility="shared_read")
    page = client.get(f"/contacts/{contact.id}")
    assert page.status_code == 200
    assert "/edit" not in page.text
    assert client.get(f"/contacts/{contact.id}/edit").status_code == 403


def test_deleting_a_contact_with_orders_explains_why_not(client, ctx, dbs):
    _signed_in(client, role="sales_manager")
    contact = ContactFactory()
    OrderFactory(contact_id=contact.id)
    token = form_token(client, f"/contacts/{contact.id}")
    response = client.post(
        f"/contacts/{contact.id}/delete", data={"csrf_token": token}, follow_redirects=True
    )
    assert "Not deleted: this contact has 1 order" in response.text
    dbs.rollback()
    assert dbs.get(Contact, contact.id) is not None


def test_a_note_goes_into_the_history(client, ctx):
    user = _signed_in(client)
    contact = ContactFactory(owner_id=user.id)
    token = form_token(client, f"/contacts/{contact.id}")
    page = client.post(
        f"/contacts/{contact.id}/notes",
        data={"csrf_token": token, "note": "Prefers calls after 5 pm"},
        follow_redirects=True,
    )
    assert "Prefers calls after 5 pm" in page.text


def test_the_contacts_list_finds_by_phone_and_reports_a_bad_number(client, ctx):
    _signed_in(client)
    ContactFactory(first_name="Zoe", phones=[])
    from voiceapp.models import ContactPhone

    ContactFactory(first_name="Yara", phones=[ContactPhone(number="+4915199990000")])
    found = client.get("/contacts", query_string={"phone": "0151 9999 0000"})
    assert "Yara" in found.text and "Zoe" not in found.text
    bad = client.get("/contacts", query_string={"phone": "nonsense"})
    assert bad.status_code == 422
    assert "not a phone number" in bad.text


def test_sales_managers_read_the_members_but_only_admins_change_them(client, ctx):
    _signed_in(client, role="sales_manager")
    assert client.get("/members").status_code == 200
    assert client.get("/members/new").status_code == 403


def test_an_admin_adds_a_member_with_settings(client, ctx, dbs):
    _signed_in(client, role="admin")
    token = form_token(client, "/members/new")
    response = client.post(
        "/members/new",
        data={
            "csrf_token": token,
            "name": "Lucía García",
            "email": "Lucia@Example.com",
            "role": "agent",
            "password": "a long password",
            "active": "y",
            "payout_factor_percent": "80",
            "can_receive_payouts": "y",
            "languages": ["de", "en"],
            "case_types": ["new_order", "missed_call"],
        },
    )
    assert_redirect(response, "/members")
    assert "Member Lucía García added." in client.get("/members").text
    member = dbs.scalars(select(User).where(User.email == "lucia@example.com")).one()
    assert member.languages == ["de", "en"]
    assert member.case_types == ["new_order", "missed_call"]
    assert str(member.payout_factor) == "0.8000"
    assert member.can_receive_payouts and not member.can_approve_commissions


def test_a_bad_member_form_changes_nothing(client, ctx, dbs):
    _signed_in(client, role="admin")
    token = form_token(client, "/members/new")
    response = client.post(
        "/members/new",
        data={
            "csrf_token": token,
            "name": "X",
            "email": "x@example.com",
            "role": "agent",
            "password": "a long password",
            "payout_factor_percent": "150",
            "languages": ["spanish"],
        },
    )
    assert response.status_code == 422
    assert "not a valid choice" in response.text
    assert (
        dbs.scalar(select(func.count()).select_from(User).where(User.email == "x@example.com")) == 0
    )


def test_an_admin_cannot_lock_themself_out(client, ctx, dbs):
    admin = _signed_in(client, role="admin")
    token = form_token(client, f"/members/{admin.id}")
    response = client.post(
        f"/members/{admin.id}",
        data={
            "csrf_token": token,
            "name": admin.name,
            "email": admin.email,
            "role": "agent",
            "active": "y",
            "payout_factor_percent": "100",
        },
    )
    assert response.status_code == 422
    dbs.rollback()
    assert dbs.get(User, admin.id).role == "admin"


def test_an_api_token_made_in_the_panel_works_once_shown(client, app, ctx):
    _signed_in(client)
    created = client.post(
        "/account/tokens",
        data={"csrf_token": form_token(client, "/account/tokens"), "name": "CRM sync"},
    )
    # Post/redirect/get: the token is shown on the page the browser is sent to.
    token_page = client.get(assert_redirect(created, "/account/tokens"))
    import re

    token = re.search(r'data-testid="new-token">([^<]+)<', token_page.text).group(1)
    api = app.test_client().get("/api/contacts", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200
    assert token not in client.get("/account/tokens").text


def test_unknown_pages_get_an_html_404(client, ctx):
    _signed_in(client)
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert client.get("/api/no-such-thing").mimetype == "application/json"
