"""Requests in the panel and on the customer's side, over HTTP and the real database:
the public form and its spam defences, the inbox, a request's page (marks it read),
optimistic locking with two signed-in sessions, the customer's signed link."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_from, sign_in
from tests.factories import PASSWORD, ContactFactory, UserFactory
from tests.order_helpers import make_product
from tests.request_helpers import make_form, make_request, send_form
from voiceapp.db import utcnow
from voiceapp.models import Case, Contact, Request, RequestEvent, RequestLabel, RequestMessage
from voiceapp.services.requests import conversation


def fresh(dbs):
    dbs.rollback()
    dbs.expire_all()
    return dbs


def count(dbs, model) -> int:
    return fresh(dbs).scalar(select(func.count()).select_from(model))


def member_client(app, dbs, role="agent", **kwargs):
    user = UserFactory(role=role, **kwargs)
    client = app.test_client()
    sign_in(client, user.email, PASSWORD)
    return user, client


# --- the public form --------------------------------------------------------------------


def test_the_public_form_stores_a_request_and_thanks(client, ctx, dbs):
    form = make_form(dbs)
    product = make_product(
        dbs,
        plans=[{"kind": "single"}, {"kind": "subscription", "amount": "9.90", "every": "month"}],
    )
    dbs.commit()
    response = send_form(client, form, product=f"{product.id}:1", payment_method="sepa")
    assert response.status_code == 200
    assert "we have your request" in response.text
    req = fresh(dbs).scalars(select(Request)).one()
    assert (req.kind, req.stage, req.status, req.source, req.form_id) == (
        "dossier",
        "new",
        "pending",
        "form",
        form.id,
    )
    assert req.plan == {"kind": "subscription", "amount": "9.90", "every": "month"}
    assert req.payment_method == "sepa" and req.ip_address == "127.0.0.1"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": ""}, "name"),
        ({"email": "", "phone": ""}, "email"),
        ({"phone": "123"}, "phone"),
        ({"product": "999"}, "product_id"),
    ],
)
def test_bad_input_shows_the_form_again_with_the_message_and_stores_nothing(
    client, ctx, dbs, fields, field
):
    form = make_form(dbs)
    response = send_form(client, form, **fields)
    assert response.status_code == 422
    assert f'data-field="{field}"' in response.text
    assert 'value="Anna Muster"' in response.text or fields.get("name") == ""
    assert count(dbs, Request) == 0 and count(dbs, Contact) == 0


def test_the_honeypot_thanks_a_robot_and_stores_nothing(client, ctx, dbs):
    form = make_form(dbs)
    response = send_form(client, form, website="http://spam.example")
    assert response.status_code == 200 and "we have your request" in response.text
    assert count(dbs, Request) == 0


@pytest.mark.parametrize("seconds_ago", [0, -60, 2 * 24 * 3600])
def test_a_form_sent_too_fast_or_with_a_strange_start_is_refused(client, ctx, dbs, seconds_ago):
    form = make_form(dbs)
    response = send_form(client, form, seconds_ago=seconds_ago)
    assert response.status_code == 422
    assert "That was quick" in response.text
    assert count(dbs, Request) == 0


def test_a_forged_start_time_is_refused(client, ctx, dbs):
    form = make_form(dbs)
    response = send_form(client, form, start="eyJ0IjoxfQ.forged")
    assert response.status_code == 422 and count(dbs, Request) == 0


def test_requests_per_address_are_limited(make_app, ctx, dbs):
    app = make_app(request_form_rate_limit="2 per minute")
    client = app.test_client()
    form = make_form(dbs)
    assert send_form(client, form).status_code == 200
    assert send_form(client, form).status_code == 200
    refused = send_form(client, form)
    assert refused.status_code == 429 and "Too many requests" in refused.text
    assert count(dbs, Request) == 2
    # Reading the form is not limited.
    assert client.get(f"/r/{form.slug}").status_code == 200


def test_an_unknown_or_inactive_form_is_a_readable_404(client, ctx, dbs):
    make_form(dbs, slug="closed", active=False)
    for slug in ("nothing-here", "closed"):
        response = client.get(f"/r/{slug}")
        assert response.status_code == 404 and "does not exist or is closed" in response.text


# --- the inbox and the request page -----------------------------------------------------


def test_the_inbox_counts_each_status_and_filters(app, ctx, dbs):
    _agent, client = member_client(app, dbs)
    make_request(dbs, name="Pending one")
    other = make_request(dbs, name="Working on it")
    other.status = "in_progress"
    dbs.commit()
    page = client.get("/requests")
    assert page.status_code == 200
    assert re.search(r'data-testid="count-pending">1<', page.text)
    assert re.search(r'data-testid="count-in_progress">1<', page.text)
    assert "Pending one" in page.text and "Working on it" not in page.text
    in_progress = client.get("/requests?status=in_progress&kind=dossier")
    assert "Working on it" not in in_progress.text and "No in progress requests" in in_progress.text


def test_opening_a_request_reads_the_customers_message(app, ctx, dbs):
    _agent, client = member_client(app, dbs)
    req = make_request(dbs)
    with app.test_request_context():
        conversation.customer_reply(dbs, req, "Any news?", now=utcnow())
    dbs.commit()
    assert "unread-marker" in client.get("/requests").text
    page = client.get(f"/requests/{req.id}")
    assert page.status_code == 200 and "Any news?" in page.text
    assert 'data-testid="new-customer-message"' in page.text
    assert not fresh(dbs).get(Request, req.id).unread
    assert "unread-marker" not in client.get("/requests").text
    assert fresh(dbs).get(Request, req.id).version == 1  # reading changes no version


def test_a_change_from_an_older_page_is_refused_with_a_flash_two_sessions(app, ctx, dbs):
    req = make_request(dbs)
    _first, first = member_client(app, dbs)
    _second, second = member_client(app, dbs, role="sales_manager")
    page_first = first.get(f"/requests/{req.id}").text
    page_second = second.get(f"/requests/{req.id}").text
    token_first, token_second = csrf_from(page_first), csrf_from(page_second)
    done = second.post(
        f"/requests/{req.id}/status",
        data={
            "csrf_token": token_second,
            "version": "1",
            "status": "declined",
            "message": "",
        },
    )
    assert done.status_code == 302
    refused = first.post(
        f"/requests/{req.id}/details",
        data={
            "csrf_token": token_first,
            "version": "1",
            "payment_method": "card",
        },
        follow_redirects=True,
    )
    assert "Someone else changed this request" in refused.text
    row = fresh(dbs).get(Request, req.id)
    assert (row.status, row.payment_method, row.version) == ("declined", None, 2)
    # Labels too: the first session's label form is older.
    label = RequestLabel(name="VIP")
    dbs.add(label)
    dbs.commit()
    refused = first.post(
        f"/requests/{req.id}/labels",
        data={
            "csrf_token": token_first,
            "version": "1",
            "label_ids": str(label.id),
        },
        follow_redirects=True,
    )
    assert "Someone else changed this request" in refused.text
    assert fresh(dbs).get(Request, req.id).labels == []


def test_status_actions_notes_and_a_callback_case_are_logged(app, ctx, dbs):
    agent, client = member_client(app, dbs, name="Jonas", languages=["de"])
    req = make_request(dbs, phone="+4915112345678", language="de")
    token = csrf_from(client.get(f"/requests/{req.id}").text)
    client.post(f"/requests/{req.id}/notes", data={"csrf_token": token, "body": "VIP customer"})
    client.post(
        f"/requests/{req.id}/status",
        data={
            "csrf_token": token,
            "version": "1",
            "status": "confirmed",
            "message": "Confirmed: see you on Monday.",
        },
    )
    opened = client.post(
        f"/requests/{req.id}/callback-case", data={"csrf_token": token}, follow_redirects=True
    )
    assert "Callback case #" in opened.text
    fresh(dbs)
    case = dbs.scalars(select(Case)).one()
    assert (case.type, case.assignee_id, case.contact_id) == (
        "callback_request",
        agent.id,
        req.contact_id,
    )
    row = dbs.get(Request, req.id)
    assert row.status == "confirmed" and row.decided_at is not None
    events = dbs.scalars(
        select(RequestEvent).where(RequestEvent.request_id == req.id).order_by(RequestEvent.id)
    ).all()
    assert [(e.kind, e.actor_id) for e in events] == [
        ("created", None),
        ("note", agent.id),
        ("message", agent.id),
        ("status", agent.id),  # pending -> in progress, by the answer
        ("status", agent.id),
        ("callback_case", agent.id),
    ]
    assert dbs.scalars(select(RequestMessage.body)).all() == ["Confirmed: see you on Monday."]


def test_the_contact_page_lists_the_open_requests(app, ctx, dbs):
    _agent, client = member_client(app, dbs)
    contact = ContactFactory()
    req = make_request(dbs, phone=contact.phones[0].number, message="Need a quote")
    closed = make_request(dbs, phone=contact.phones[0].number)
    closed.status = "declined"
    dbs.commit()
    page = client.get(f"/contacts/{contact.id}")
    assert f'href="/requests/{req.id}"' in page.text
    assert f'href="/requests/{closed.id}"' not in page.text


def test_labels_and_forms_are_managed_on_their_tabs(app, ctx, dbs):
    _admin, admin = member_client(app, dbs, role="admin")
    token = csrf_from(admin.get("/requests/labels").text)
    assert (
        admin.post(
            "/requests/labels", data={"csrf_token": token, "name": "VIP", "color": "red"}
        ).status_code
        == 302
    )
    again = admin.post("/requests/labels", data={"csrf_token": token, "name": "vip"})
    assert again.status_code == 422 and "there is a label with this name" in again.text
    saved = admin.post(
        "/requests/forms",
        data={"csrf_token": token, "slug": "Courses", "title": "Book a course", "active": "on"},
    )
    assert saved.status_code == 302
    assert admin.get("/r/courses").status_code == 200
    bad = admin.post("/requests/forms", data={"csrf_token": token, "slug": "a b", "title": "x"})
    assert bad.status_code == 422 and 'data-field="slug"' in bad.text
    _agent, agent = member_client(app, dbs)
    assert agent.get("/requests/forms").status_code == 403
    assert agent.get("/requests/labels").status_code == 403


# --- the customer's page ----------------------------------------------------------------


def link_of(app, req) -> str:
    with app.test_request_context():
        return conversation.customer_link(req).removeprefix("http://localhost")


def test_the_customer_answers_on_their_page_and_the_team_sees_it_unread(app, client, ctx, dbs):
    req = make_request(dbs)
    path = link_of(app, req)
    page = client.get(path)
    assert page.status_code == 200 and "Your request #" in page.text
    sent = client.post(path, data={"csrf_token": csrf_from(page.text), "body": "Thanks!"})
    assert sent.status_code == 302
    row = fresh(dbs).get(Request, req.id)
    assert row.unread and row.customer_wrote_at is not None
    assert "Thanks!" in client.get(path).text
    empty = client.post(path, data={"csrf_token": csrf_from(page.text), "body": " "})
    assert empty.status_code == 422 and count(dbs, RequestMessage) == 1


def test_forged_mangled_and_revoked_links_are_a_readable_404(app, client, ctx, dbs):
    req = make_request(dbs)
    other = make_request(dbs, email="ben@example.com")
    path = link_of(app, req)
    token = path.rsplit("/", 1)[1]
    payload, _, signature = token.rpartition(".")
    assert client.get(f"/r/conversation/{payload}.{signature[::-1]}").status_code == 404
    assert client.get("/r/conversation/nonsense").status_code == 404
    # Someone else's request id under this request's signature.
    assert other.id != req.id
    _agent, member = member_client(app, dbs)
    token_form = csrf_from(member.get(f"/requests/{req.id}").text)
    member.post(f"/requests/{req.id}/new-link", data={"csrf_token": token_form})
    revoked = client.get(path)
    assert revoked.status_code == 404 and "This link does not work" in revoked.text
    assert client.get(link_of(app, fresh(dbs).get(Request, req.id))).status_code == 200
