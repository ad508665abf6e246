"""/api/requests over HTTP and the real database: a website's own form sends a request
in (the requester becomes a contact), the inbox's filters, changes with optimistic
locking (409, nothing changed), replies, notes and labels."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.factories import ContactFactory, UserFactory
from tests.order_helpers import make_product
from tests.request_helpers import make_request
from voiceapp.models import (
    Contact,
    ContactEmail,
    OutgoingEmail,
    Request,
    RequestEvent,
    RequestLabel,
)


def count(dbs, model) -> int:
    dbs.rollback()
    dbs.expire_all()
    return dbs.scalar(select(func.count()).select_from(model))


def test_a_website_sends_a_request_and_the_requester_becomes_a_new_contact(ctx, dbs, as_user):
    manager = UserFactory(role="sales_manager")
    api = as_user(manager)
    response = api(
        "POST",
        "/api/requests",
        json={
            "name": "Anna Muster",
            "email": "Anna@Example.com",
            "phone": "0151 2345 6789",
            "language": "de",
            "message": "Do you deliver to Austria?",
        },
    )
    assert response.status_code == 201, response.json
    body = response.json
    assert (body["status"], body["kind"], body["stage"], body["version"]) == (
        "pending",
        "simple",
        None,
        1,
    )
    dbs.rollback()
    contact = dbs.get(Contact, body["contact_id"])
    assert contact.first_name == "Anna" and contact.last_name == "Muster"
    assert [p.number for p in contact.phones] == ["+4915123456789"]
    assert [e.email for e in contact.emails] == ["anna@example.com"]
    assert contact.visibility == "shared_write" and contact.owner_id is None


def test_the_requester_is_matched_by_phone_first_then_by_email(ctx, dbs, as_user):
    api = as_user(UserFactory(role="admin"))
    by_phone = ContactFactory()
    by_email = ContactFactory()
    dbs.add(ContactEmail(contact_id=by_email.id, email="known@example.com"))
    dbs.commit()
    number = by_phone.phones[0].number
    first = api(
        "POST",
        "/api/requests",
        json={
            "name": "X",
            "email": "new@example.com",
            "phone": number,
        },
    )
    second = api("POST", "/api/requests", json={"name": "Y", "email": "KNOWN@example.com"})
    assert first.json["contact_id"] == by_phone.id
    assert second.json["contact_id"] == by_email.id
    assert count(dbs, Contact) == 2  # nobody new
    # What the matched contact lacked is added to it.
    assert [e.email for e in dbs.get(Contact, by_phone.id).emails] == ["new@example.com"]


def test_a_product_makes_a_dossier_at_stage_new(ctx, dbs, as_user):
    product = make_product(dbs, plans=[{"kind": "single"}])
    dbs.commit()
    api = as_user(UserFactory(role="admin"))
    response = api(
        "POST",
        "/api/requests",
        json={
            "name": "Ben",
            "email": "ben@example.com",
            "product_id": product.id,
        },
    )
    assert response.status_code == 201, response.json
    assert (response.json["kind"], response.json["stage"]) == ("dossier", "new")
    assert response.json["price"] == "119.00" and response.json["plan"] == {"kind": "single"}


def test_bad_input_is_a_422_with_field_errors_and_nothing_is_stored(ctx, dbs, as_user):
    api = as_user(UserFactory(role="admin"))
    cases = [
        ({"email": "a@example.com"}, "name"),
        ({"name": "A"}, "email"),  # neither e-mail nor phone
        ({"name": "A", "phone": "12"}, "phone"),
        ({"name": "A", "email": "not an address"}, "email"),
        ({"name": "A", "email": "a@example.com", "product_id": 999}, "product_id"),
        ({"name": "A", "email": "a@example.com", "payment_method": "gold"}, "payment_method"),
    ]
    for payload, field in cases:
        response = api("POST", "/api/requests", json=payload)
        assert response.status_code == 422, (payload, response.json)
        assert field in response.json["errors"]["json"], (payload, response.json)
    assert count(dbs, Request) == 0 and count(dbs, Contact) == 0


def test_agents_may_not_send_requests_in(ctx, dbs, as_user):
    response = as_user(UserFactory(role="agent"))(
        "POST", "/api/requests", json={"name": "A", "email": "a@example.com"}
    )
    assert response.status_code == 403
    assert count(dbs, Request) == 0


def test_the_inbox_filters_by_status_label_kind_and_assignee(ctx, dbs, as_user):
    agent = UserFactory(role="agent")
    api = as_user(agent)
    vip = RequestLabel(name="VIP")
    dbs.add(vip)
    simple = make_request(dbs, name="Simple")
    dossier = make_request(dbs, name="Dossier", product_id=make_product(dbs).id)
    dbs.commit()
    dossier.labels = [vip]
    dossier.assignee_id = agent.id
    dossier.status = "in_progress"
    dbs.commit()

    def names(query):
        response = api("GET", f"/api/requests?{query}")
        assert response.status_code == 200, response.json
        return [r["name"] for r in response.json["items"]]

    assert names("") == ["Dossier", "Simple"]
    assert names("status=pending") == ["Simple"]
    assert names("label=VIP") == ["Dossier"]
    assert names(f"label={vip.id}") == ["Dossier"]
    assert names("kind=simple") == ["Simple"]
    assert names(f"assignee_id={agent.id}") == ["Dossier"]
    assert names("per_page=1&page=2") == ["Simple"]
    assert api("GET", "/api/requests?status=open").status_code == 422
    assert simple.id != dossier.id


def test_patch_based_on_an_older_version_is_refused_and_changes_nothing(ctx, dbs, as_user):
    req = make_request(dbs)
    first, second = as_user(UserFactory(role="agent")), as_user(UserFactory(role="admin"))
    read_by_first = first("GET", f"/api/requests/{req.id}").json["version"]
    read_by_second = second("GET", f"/api/requests/{req.id}").json["version"]
    ok = second(
        "PATCH",
        f"/api/requests/{req.id}",
        json={"payment_method": "sepa", "version": read_by_second},
    )
    assert ok.status_code == 200 and ok.json["version"] == read_by_second + 1
    stale = first(
        "PATCH",
        f"/api/requests/{req.id}",
        json={"payment_method": "card", "status": "declined", "version": read_by_first},
    )
    assert stale.status_code == 409
    assert "changed" in stale.json["message"]
    dbs.rollback()
    dbs.expire_all()
    row = dbs.get(Request, req.id)
    assert (row.payment_method, row.status, row.version) == ("sepa", "pending", 2)


def test_patch_adds_a_product_assigns_and_decides(ctx, dbs, as_user):
    agent, colleague = UserFactory(role="agent"), UserFactory(role="agent")
    api = as_user(agent)
    req = make_request(dbs)
    product = make_product(dbs, name="Course")
    dbs.commit()
    response = api(
        "PATCH",
        f"/api/requests/{req.id}",
        json={
            "product_id": product.id,
            "assignee_id": agent.id,
            "status": "confirmed",
        },
    )
    assert response.status_code == 200, response.json
    # Confirming works on the dossier: it is no longer new (services.requests.status_effects).
    assert (response.json["kind"], response.json["stage"], response.json["status"]) == (
        "dossier",
        "in_progress",
        "confirmed",
    )
    # Agents take requests for themselves only; nothing changes.
    refused = api("PATCH", f"/api/requests/{req.id}", json={"assignee_id": colleague.id})
    assert refused.status_code == 403
    assert api("PATCH", f"/api/requests/{req.id}", json={"status": "pending"}).status_code == 422
    # A colleague's request stays theirs: an agent neither takes nor drops it.
    theirs = make_request(dbs, email="ben@example.com")
    theirs.assignee_id = colleague.id
    dbs.commit()
    for assignee in (agent.id, None):
        moved = api("PATCH", f"/api/requests/{theirs.id}", json={"assignee_id": assignee})
        assert moved.status_code == 403, moved.json
    dbs.rollback()
    kinds = dbs.scalars(
        select(RequestEvent.kind).where(RequestEvent.request_id == req.id).order_by(RequestEvent.id)
    ).all()
    assert kinds == ["created", "assignee", "kind", "product", "status", "stage"]


def test_a_reply_is_queued_as_an_email_and_starts_work(ctx, dbs, as_user):
    req = make_request(dbs)
    api = as_user(UserFactory(role="agent", name="Jonas"))
    response = api("POST", f"/api/requests/{req.id}/messages", json={"body": "We do, yes."})
    assert response.status_code == 201, response.json
    assert response.json["outgoing"] is True
    dbs.rollback()
    dbs.expire_all()
    assert dbs.get(Request, req.id).status == "in_progress"
    email = dbs.scalars(select(OutgoingEmail)).one()
    assert email.to_address == "anna@example.com" and "/r/conversation/" in email.body_text
    assert api("POST", f"/api/requests/{req.id}/messages", json={"body": ""}).status_code == 422


def test_notes_and_labels(ctx, dbs, as_user):
    req = make_request(dbs)
    urgent, vip = RequestLabel(name="urgent"), RequestLabel(name="VIP")
    dbs.add_all([urgent, vip])
    dbs.commit()
    api = as_user(UserFactory(role="agent"))
    note = api("POST", f"/api/requests/{req.id}/notes", json={"body": "10 % discount"})
    assert note.status_code == 201 and note.json["body"] == "10 % discount"
    labelled = api(
        "PUT",
        f"/api/requests/{req.id}/labels",
        json={"label_ids": [vip.id, urgent.id], "version": 1},
    )
    assert labelled.status_code == 200, labelled.json
    assert {label["name"] for label in labelled.json["labels"]} == {"urgent", "VIP"}
    stale = api("PUT", f"/api/requests/{req.id}/labels", json={"label_ids": [], "version": 1})
    assert stale.status_code == 409
    unknown = api("PUT", f"/api/requests/{req.id}/labels", json={"label_ids": [999]})
    assert unknown.status_code == 422
    assert {lb["name"] for lb in api("GET", f"/api/requests/{req.id}").json["labels"]} == {
        "urgent",
        "VIP",
    }
