"""The admin page for e-mail templates, and the member setting for e-mail reminders."""

from __future__ import annotations

from sqlalchemy import select

from tests.conftest import form_token, sign_in
from tests.factories import PASSWORD, UserFactory
from tests.http_helpers import assert_redirect
from voiceapp.domain.email_templates import DEFAULT_TEMPLATES
from voiceapp.models import EmailTemplate, User


def signed_in(client, role="admin"):
    user = UserFactory(role=role)
    sign_in(client, user.email, PASSWORD)
    return user


def template_form(token: str, **fields) -> dict:
    data = {
        "csrf_token": token,
        "name": "Offer follow-up",
        "subject": "Your offer, {$first_name}",
        "body_text": "Hello {$name},\nhere is your offer.\n{$agent_name}",
        "body_html": "<p>Hello {$name},</p>",
        "active": "y",
    }
    data.update(fields)
    return data


def test_email_templates_are_for_admins_only(client, ctx):
    signed_in(client, role="sales_manager")
    assert client.get("/email-templates").status_code == 403
    assert client.get("/email-templates/new").status_code == 403
    assert client.post("/email-templates/new", data={}).status_code in (400, 403)


def test_the_list_shows_the_shipped_templates_and_the_admin_navigation_links_it(client, ctx, dbs):
    signed_in(client)
    page = client.get("/email-templates")
    assert page.status_code == 200
    for template in DEFAULT_TEMPLATES:
        assert template["name"] in page.text
    assert 'href="/email-templates">E-mail templates</a>' in client.get("/").text
    assert dbs.scalar(select(EmailTemplate).where(EmailTemplate.key == "not_reached"))


def test_an_admin_creates_a_template(client, ctx, dbs):
    signed_in(client)
    token = form_token(client, "/email-templates/new")
    response = client.post("/email-templates/new", data=template_form(token, key="offer_follow_up"))
    assert_redirect(response, "/email-templates")
    assert "Template Offer follow-up added." in client.get("/email-templates").text
    template = dbs.scalars(
        select(EmailTemplate).where(EmailTemplate.key == "offer_follow_up")
    ).one()
    assert template.subject == "Your offer, {$first_name}"
    assert template.body_html == "<p>Hello {$name},</p>"
    assert template.active


def test_an_admin_edits_a_template_and_switches_it_off(client, ctx, dbs):
    signed_in(client)
    client.get("/email-templates")  # the shipped ones are added
    dbs.rollback()
    template = dbs.scalars(select(EmailTemplate).where(EmailTemplate.key == "not_reached")).one()
    url = f"/email-templates/{template.id}"
    token = form_token(client, url)
    data = template_form(token, subject="Sorry we missed you, {$first_name}", body_html="")
    del data["active"]
    assert_redirect(client.post(url, data=data), "/email-templates")
    dbs.rollback()
    template = dbs.get(EmailTemplate, template.id, populate_existing=True)
    assert template.subject == "Sorry we missed you, {$first_name}"
    assert template.body_html is None
    assert not template.active


def test_unknown_variables_are_refused_with_the_known_ones_and_nothing_changes(client, ctx, dbs):
    signed_in(client)
    client.get("/email-templates")
    dbs.rollback()
    template = dbs.scalars(select(EmailTemplate).where(EmailTemplate.key == "not_reached")).one()
    before = (template.subject, template.body_text, template.body_html)
    url = f"/email-templates/{template.id}"
    token = form_token(client, url)
    response = client.post(
        url,
        data=template_form(
            token,
            subject="Hello {$frist_name}",
            body_text="Hello {$name}, pay at {$paymnet_url} or {$iban}",
        ),
    )
    assert response.status_code == 422
    assert "Unknown variable {$frist_name}. Known variables: {$name}, {$first_name}," in (
        response.text
    )
    assert "Unknown variables {$iban}, {$paymnet_url}. Known variables:" in response.text
    assert "{$payment_url}" in response.text
    dbs.rollback()
    template = dbs.get(EmailTemplate, template.id, populate_existing=True)
    assert (template.subject, template.body_text, template.body_html) == before

    token = form_token(client, "/email-templates/new")
    response = client.post(
        "/email-templates/new",
        data=template_form(token, key="typo", body_html="<p>{$Name}</p>"),
    )
    assert response.status_code == 422
    assert "Unknown variable {$Name}." in response.text
    assert dbs.scalar(select(EmailTemplate).where(EmailTemplate.key == "typo")) is None


def test_a_template_key_is_unique(client, ctx, dbs):
    signed_in(client)
    client.get("/email-templates")
    token = form_token(client, "/email-templates/new")
    response = client.post("/email-templates/new", data=template_form(token, key="not_reached"))
    assert response.status_code == 422
    assert "another template has this key" in response.text


def test_an_admin_sets_e_mail_reminders_for_a_member(client, ctx, dbs):
    signed_in(client)
    member = UserFactory(name="Camille Martin")
    url = f"/members/{member.id}"
    page = client.get(url)
    assert "Also by mail: reminders, customers" in page.text
    data = {
        "csrf_token": form_token(client, url),
        "name": member.name,
        "email": member.email,
        "role": "agent",
        "active": "y",
        "payout_factor_percent": "100",
        "notify_by_email": "y",
    }
    assert_redirect(client.post(url, data=data), "/members")
    dbs.rollback()
    assert dbs.get(User, member.id, populate_existing=True).notify_by_email is True
    assert '<span class="tag">e-mail reminders</span>' in client.get("/members").text

    del data["notify_by_email"]
    data["csrf_token"] = form_token(client, url)
    assert_redirect(client.post(url, data=data), "/members")
    dbs.rollback()
    assert dbs.get(User, member.id, populate_existing=True).notify_by_email is False
