"""/api/contacts: create, read, change, delete, look up; per-object rights; 422 on bad
input with nothing changed; 409 for a contact with orders."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import func, select

from tests.factories import ContactFactory, OrderFactory, UserFactory
from voiceapp.domain.contacts import can_view_contact
from voiceapp.models import Contact, ContactEvent, ContactPhone


@pytest.fixture
def agent(ctx):
    return UserFactory(role="agent")


def _count(dbs, model) -> int:
    dbs.rollback()  # end the read snapshot: see what the requests committed
    return dbs.scalar(select(func.count()).select_from(model))


def test_create_a_contact_with_numbers_in_any_format(as_user, agent, dbs):
    api = as_user(agent)
    response = api(
        "POST",
        "/api/contacts",
        json={
            "first_name": "Anna",
            "last_name": "Müller",
            "phones": [
                {"number": "0151 12345678", "kind": "mobile"},
                {"number": "tel:+49-30-901820", "kind": "work"},
            ],
            "emails": ["Anna.Mueller@Example.com"],
            "country": "de",
            "language": "DE",
            "tags": ["vip", " vip ", "newsletter"],
        },
    )
    assert response.status_code == 201, response.json
    body = response.json
    assert body["phones"] == [
        {"number": "+4915112345678", "kind": "mobile", "invalid": False},
        {"number": "+4930901820", "kind": "work", "invalid": False},
    ]
    assert body["emails"] == ["anna.mueller@example.com"]
    assert body["country"] == "DE" and body["language"] == "de"
    assert body["tags"] == ["vip", "newsletter"]
    assert body["kind"] == "person"
    assert body["owner_id"] == agent.id
    assert body["visibility"] == "shared_write"
    assert body["timezone"] == "Europe/Berlin"
    events = dbs.scalars(select(ContactEvent).where(ContactEvent.contact_id == body["id"])).all()
    assert [e.kind for e in events] == ["created"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"first_name": "A", "phones": [{"number": "12"}]}, "phones"),
        ({"first_name": "A", "phones": [{"number": "+4915112345678", "kind": "fax"}]}, "phones"),
        ({"first_name": "A", "emails": ["not-an-email"]}, "emails"),
        ({"first_name": "A", "country": "XX"}, "country"),
        ({"first_name": "A", "language": "german"}, "language"),
        ({"first_name": "A", "visibility": "public"}, "visibility"),
        ({"first_name": "A", "kind": "robot"}, "kind"),
        ({"first_name": "A", "currency": "euro"}, "currency"),
        ({"first_name": "A", "shoe_size": 44}, "shoe_size"),
        ({"kind": "company", "first_name": "A"}, "company_name"),
        ({"first_name": 42}, "first_name"),
        ({"tags": "vip", "first_name": "A"}, "tags"),
        ({}, "_schema"),
    ],
)
def test_bad_input_answers_422_with_field_errors_and_stores_nothing(
    as_user, agent, dbs, payload, field
):
    response = as_user(agent)("POST", "/api/contacts", json=payload)
    assert response.status_code == 422
    assert field in response.json["errors"]["json"]
    assert _count(dbs, Contact) == 0


def test_an_unknown_owner_is_a_field_error(as_user, ctx):
    manager = UserFactory(role="sales_manager")
    response = as_user(manager)("POST", "/api/contacts", json={"first_name": "A", "owner_id": 999})
    assert response.status_code == 422
    assert response.json["errors"]["json"]["owner_id"]


def test_lookup_finds_one_contact_by_any_written_form(as_user, agent):
    contact = ContactFactory(phones=[ContactPhone(number="+4915112345678", kind="mobile")])
    ContactFactory()  # someone else
    api = as_user(agent)
    for written in ["+49 151 1234 5678", "0151 12345678", "tel:+49-151-12345678"]:
        response = api("GET", "/api/contacts", query_string={"phone": written})
        assert response.status_code == 200
        assert [c["id"] for c in response.json["items"]] == [contact.id], written
        assert response.json["total"] == 1


def test_an_invalid_phone_query_is_a_422_on_the_query(as_user, agent):
    response = as_user(agent)("GET", "/api/contacts", query_string={"phone": "abc"})
    assert response.status_code == 422
    assert "phone" in response.json["errors"]["query"]


def test_search_by_name_company_city_and_email(as_user, agent):
    anna = ContactFactory(first_name="Anna", last_name="Schmidt", city="Köln")
    firm = ContactFactory(kind="company", company_name="Solar Ibérica", first_name=None)
    api = as_user(agent)

    def ids(q):
        return [c["id"] for c in api("GET", "/api/contacts", query_string={"q": q}).json["items"]]

    assert ids("schmi") == [anna.id]
    assert ids("SOLAR") == [firm.id]
    assert ids("köln") == [anna.id]
    assert ids("nobody") == []


def test_lists_are_paged_with_the_total(as_user, agent):
    ContactFactory.create_batch(7)
    api = as_user(agent)
    first = api("GET", "/api/contacts", query_string={"per_page": 3, "page": 1}).json
    third = api("GET", "/api/contacts", query_string={"per_page": 3, "page": 3}).json
    assert first["total"] == third["total"] == 7
    assert len(first["items"]) == 3 and len(third["items"]) == 1
    bad = api("GET", "/api/contacts", query_string={"per_page": 1000})
    assert bad.status_code == 422
    assert "per_page" in bad.json["errors"]["query"]


def test_an_agent_never_sees_another_agents_private_contact(as_user, agent):
    other = UserFactory(role="agent")
    private = ContactFactory(owner_id=other.id, visibility="private")
    api = as_user(agent)
    assert api("GET", f"/api/contacts/{private.id}").status_code == 404
    assert api("PATCH", f"/api/contacts/{private.id}", json={"city": "X"}).status_code == 404
    assert api("DELETE", f"/api/contacts/{private.id}").status_code == 404
    assert api("GET", "/api/contacts").json["total"] == 0
    number = private.phones[0].number
    assert api("GET", "/api/contacts", query_string={"phone": number}).json["total"] == 0
    # The same answer as for a contact that does not exist: existence does not leak.
    missing = api("GET", "/api/contacts/999999")
    assert missing.status_code == 404
    assert missing.json["message"] == api("GET", f"/api/contacts/{private.id}").json["message"]


def test_managers_see_private_contacts(as_user, ctx):
    owner = UserFactory(role="agent")
    private = ContactFactory(owner_id=owner.id, visibility="private")
    manager = UserFactory(role="sales_manager")
    shown = as_user(manager)("GET", f"/api/contacts/{private.id}")
    assert shown.status_code == 200
    assert (shown.json["id"], shown.json["visibility"]) == (private.id, "private")


def test_list_visibility_matches_the_domain_rule_for_every_combination(as_user, ctx):
    """The SQL filter and domain.can_view_contact must agree."""
    agent_a, agent_b = UserFactory(role="agent"), UserFactory(role="agent")
    manager = UserFactory(role="sales_manager")
    contacts = [
        ContactFactory(owner_id=owner, visibility=visibility)
        for owner, visibility in itertools.product(
            [agent_a.id, agent_b.id, None], ["private", "shared_read", "shared_write"]
        )
    ]
    for viewer in (agent_a, agent_b, manager):
        listed = {
            c["id"]
            for c in as_user(viewer)("GET", "/api/contacts", query_string={"per_page": 200}).json[
                "items"
            ]
        }
        expected = {
            c.id
            for c in contacts
            if can_view_contact(
                role=viewer.role, user_id=viewer.id, owner_id=c.owner_id, visibility=c.visibility
            )
        }
        assert listed == expected


def test_a_read_only_shared_contact_cannot_be_changed_by_others(as_user, agent, dbs):
    owner = UserFactory(role="agent")
    contact = ContactFactory(owner_id=owner.id, visibility="shared_read", city="Berlin")
    api = as_user(agent)
    shown = api("GET", f"/api/contacts/{contact.id}")
    assert shown.status_code == 200
    assert (shown.json["id"], shown.json["city"]) == (contact.id, "Berlin")
    response = api("PATCH", f"/api/contacts/{contact.id}", json={"city": "Hamburg"})
    assert response.status_code == 403
    dbs.rollback()
    assert dbs.get(Contact, contact.id).city == "Berlin"


def test_patch_changes_only_the_given_fields_and_replaces_lists(as_user, agent, dbs):
    contact = ContactFactory(owner_id=agent.id, city="Berlin", first_name="Anna", country=None)
    response = as_user(agent)(
        "PATCH",
        f"/api/contacts/{contact.id}",
        json={"city": "Hamburg", "phones": [{"number": "+34 612 345 678", "kind": "home"}]},
    )
    assert response.status_code == 200
    assert response.json["city"] == "Hamburg"
    assert response.json["first_name"] == "Anna"
    assert response.json["phones"] == [{"number": "+34612345678", "kind": "home", "invalid": False}]
    # With no address country, the zone follows the (only) number now.
    assert response.json["timezone"] == "Europe/Madrid"
    history = as_user(agent)("GET", f"/api/contacts/{contact.id}/history").json
    assert history["total"] == 1
    assert history["items"][0]["kind"] == "updated"
    assert "city" in history["items"][0]["summary"]


def test_a_bad_patch_changes_nothing(as_user, agent, dbs):
    contact = ContactFactory(owner_id=agent.id, city="Berlin")
    response = as_user(agent)(
        "PATCH", f"/api/contacts/{contact.id}", json={"city": "Hamburg", "country": "ZZ"}
    )
    assert response.status_code == 422
    dbs.rollback()
    assert dbs.get(Contact, contact.id).city == "Berlin"


def test_only_owner_or_manager_changes_owner_or_visibility(as_user, agent):
    owner = UserFactory(role="agent")
    contact = ContactFactory(owner_id=owner.id, visibility="shared_write")
    api = as_user(agent)
    assert (
        api("PATCH", f"/api/contacts/{contact.id}", json={"visibility": "private"}).status_code
        == 403
    )
    assert (
        api("PATCH", f"/api/contacts/{contact.id}", json={"owner_id": agent.id}).status_code == 403
    )
    assert (
        as_user(owner)("PATCH", f"/api/contacts/{contact.id}", json={"owner_id": agent.id}).json[
            "owner_id"
        ]
        == agent.id
    )


def test_a_contact_with_orders_cannot_be_deleted(as_user, ctx, dbs):
    manager = UserFactory(role="sales_manager")
    contact = ContactFactory()
    OrderFactory(contact_id=contact.id)
    response = as_user(manager)("DELETE", f"/api/contacts/{contact.id}")
    assert response.status_code == 409
    assert "1 order" in response.json["message"]
    assert _count(dbs, Contact) == 1


def test_delete_a_contact(as_user, agent, dbs):
    contact = ContactFactory(owner_id=agent.id)
    response = as_user(agent)("DELETE", f"/api/contacts/{contact.id}")
    assert response.status_code == 204
    assert _count(dbs, Contact) == 0
    assert _count(dbs, ContactPhone) == 0


def test_an_agent_cannot_delete_a_shared_contact_of_someone_else(as_user, agent, dbs):
    contact = ContactFactory(owner_id=UserFactory().id, visibility="shared_write")
    assert as_user(agent)("DELETE", f"/api/contacts/{contact.id}").status_code == 403
    assert _count(dbs, Contact) == 1


def test_history_is_newest_first_and_paged(as_user, agent, dbs):
    contact = ContactFactory(owner_id=agent.id)
    api = as_user(agent)
    for city in ["A", "B", "C"]:
        api("PATCH", f"/api/contacts/{contact.id}", json={"city": city})
    history = api("GET", f"/api/contacts/{contact.id}/history", query_string={"per_page": 2}).json
    assert history["total"] == 3
    assert len(history["items"]) == 2
    times = [item["occurred_at"] for item in history["items"]]
    assert times == sorted(times, reverse=True)


def test_a_patched_phone_still_needs_its_number(as_user, agent, dbs):
    contact = ContactFactory(owner_id=agent.id)
    response = as_user(agent)(
        "PATCH", f"/api/contacts/{contact.id}", json={"phones": [{"kind": "mobile"}]}
    )
    assert response.status_code == 422
    assert "number" in response.json["errors"]["json"]["phones"]["0"]


def test_numbers_past_the_database_range_are_refused_not_crashed(as_user, agent):
    api = as_user(agent)
    assert api("GET", "/api/contacts/99999999999999999999").status_code == 404
    assert api("DELETE", "/api/contacts/2147483648").status_code == 404
    page = api("GET", "/api/contacts", query_string={"page": 2**40})
    assert page.status_code == 422
    owner = api("POST", "/api/contacts", json={"first_name": "A", "owner_id": 2**40})
    assert owner.status_code == 422
    calls = api("GET", "/api/calls", query_string={"agent_id": 2**40})
    assert calls.status_code == 422
