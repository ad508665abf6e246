"""List filters that name an object the user may not see behave as if it did not exist:
a colleague's private contact given as `contact_id` (calls, cases) or found by its number
or name (contacts) answers exactly like an id or a number nobody has."""

from __future__ import annotations

import itertools

import pytest

from tests.conftest import OUR_NUMBER, sign_in
from tests.factories import PASSWORD, CaseFactory, ContactFactory, UserFactory
from voiceapp.db import utcnow
from voiceapp.models import Call

NO_SUCH_ID = 987_654
_sids = itertools.count(1)


@pytest.fixture
def people(ctx):
    owner = UserFactory(role="agent", name="Owner Agent")
    other = UserFactory(role="agent", name="Other Agent")
    manager = UserFactory(role="sales_manager", name="Mia Manager")
    private = ContactFactory(visibility="private", owner_id=owner.id, last_name="Geheim")
    shared = ContactFactory(visibility="shared_read", owner_id=owner.id, last_name="Offen")
    return owner, other, manager, private, shared


def _missed_call(dbs, contact) -> Call:
    """An unanswered inbound call (agent_id empty: every agent sees those)."""
    call = Call(
        sid=f"CA{next(_sids):032x}",
        direction="inbound",
        from_number=contact.phones[0].number,
        to_number=OUR_NUMBER,
        contact_id=contact.id,
        status="no-answer",
        missed=True,
        started_at=utcnow(),
    )
    dbs.add(call)
    dbs.commit()
    return call


def _calls_for(api, contact_id):
    response = api("GET", "/api/calls", query_string={"contact_id": contact_id})
    assert response.status_code == 200
    return response.json


def test_calls_filtered_by_a_private_contact_are_as_if_it_did_not_exist(as_user, dbs, people):
    owner, other, manager, private, shared = people
    _missed_call(dbs, private)
    _missed_call(dbs, shared)
    number = private.phones[0].number

    hidden = _calls_for(as_user(other), private.id)
    assert hidden == _calls_for(as_user(other), NO_SUCH_ID)
    assert hidden["total"] == 0 and hidden["items"] == []
    assert number not in str(hidden)
    # The filter itself still works for contacts one may see, and for those who see this one.
    assert _calls_for(as_user(other), shared.id)["total"] == 1
    assert _calls_for(as_user(owner), private.id)["items"][0]["from"] == number
    assert _calls_for(as_user(manager), private.id)["total"] == 1


def test_cases_filtered_by_a_private_contact_are_as_if_it_did_not_exist(
    as_user, client, dbs, people
):
    owner, other, manager, private, shared = people
    CaseFactory(contact=private)
    CaseFactory(contact=shared)

    def cases_for(user, contact_id):
        response = as_user(user)("GET", "/api/cases", query_string={"contact_id": contact_id})
        assert response.status_code == 200
        return response.json

    hidden = cases_for(other, private.id)
    assert hidden == cases_for(other, NO_SUCH_ID)
    assert hidden["total"] == 0
    assert cases_for(other, shared.id)["total"] == 1
    assert cases_for(owner, private.id)["total"] == 1
    assert cases_for(manager, private.id)["total"] == 1

    # The panel's list takes the same filter.
    sign_in(client, other.email, PASSWORD)
    page = client.get("/cases", query_string={"contact_id": private.id})
    assert page.status_code == 200
    assert "Geheim" not in page.text
    assert "Offen" in client.get("/cases", query_string={"contact_id": shared.id}).text


def test_contacts_found_by_number_or_name_skip_a_private_contact(as_user, client, people):
    owner, other, _manager, private, _shared = people
    number = private.phones[0].number
    for query in ({"phone": number}, {"q": "Geheim"}):
        hidden = as_user(other)("GET", "/api/contacts", query_string=query).json
        assert hidden["total"] == 0, query
        assert as_user(owner)("GET", "/api/contacts", query_string=query).json["total"] == 1

    sign_in(client, other.email, PASSWORD)
    for query in ({"phone": number}, {"q": "Geheim"}):
        page = client.get("/contacts", query_string=query)
        assert page.status_code == 200
        assert f'href="/contacts/{private.id}"' not in page.text  # the query is echoed back
