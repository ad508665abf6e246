"""Looking a contact up by phone number: every written form of a number finds the same
contact, and the query find_by_phone sends is served by ix_contact_phones_number, so it
stays fast with millions of rows (figures: bench/bench_contact_lookup.py).

The plan tests EXPLAIN the exact SQL and parameters find_by_phone sends, captured as it
runs (a precompiled statement), after checking that it is the service's own
phone_lookup_statement.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from tests.factories import ContactFactory, UserFactory
from tests.sql_capture import explain, note_precompiled_runs
from voiceapp.db import utcnow
from voiceapp.domain.phones import normalize_phone
from voiceapp.models import ContactPhone
from voiceapp.precompiled import Precompiled
from voiceapp.services import accounts
from voiceapp.services.contacts import find_by_phone, phone_lookup_statement

NUMBER = "+4915112345678"
WRITTEN_FORMS = ["+49 151 1234 5678", "0151 12345678", "tel:+49-151-12345678", "0049 151 12345678"]
SQLITE_INDEX_SEARCH = re.compile(
    r"^SEARCH contact_phones USING (COVERING )?INDEX ix_contact_phones_number \(number=\?\)"
)


def _seed(target_numbers: list[str]) -> int:
    """A few other contacts, so that "found" means the filter worked, and the target."""
    ContactFactory.create_batch(5)
    ContactFactory(phones=[ContactPhone(number="+4930901820", kind="work")])
    target = ContactFactory(
        phones=[
            ContactPhone(number=n, kind="mobile", position=i) for i, n in enumerate(target_numbers)
        ]
    )
    return target.id


@pytest.fixture
def lookup(dbs, monkeypatch):
    """(SQL, parameters) of the contact query find_by_phone sends to the database."""
    contact_id = _seed([NUMBER])
    dbs.commit()
    ran = note_precompiled_runs(monkeypatch)
    found = find_by_phone(dbs, NUMBER)
    assert [c.id for c in found] == [contact_id]
    assert len(ran) == 1, ran
    return ran[0]


def test_find_by_phone_sends_the_phone_lookup_statement(dbs, lookup):
    sql, params = lookup
    assert sql == Precompiled(phone_lookup_statement(), dbs.get_bind().dialect).sql
    assert NUMBER in (params.values() if isinstance(params, dict) else params)


def test_sqlite_lookup_searches_the_number_index(dbs, lookup):
    if dbs.get_bind().dialect.name != "sqlite":
        pytest.skip("SQLite query plan")
    sql, params = lookup
    plan = explain(dbs.connection(), sql, params).split("\n")
    assert any(SQLITE_INDEX_SEARCH.match(step) for step in plan), plan
    # SCAN is a walk over a whole table or index: a million rows for each inbound call.
    assert not [step for step in plan if step.startswith("SCAN")], plan


def test_postgresql_lookup_uses_the_number_index(dbs, lookup):
    if dbs.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL query plan")
    sql, params = lookup
    # On a nearly empty table a sequential scan is cheapest; with it priced out, the planner
    # shows whether the index can serve the query at all.
    dbs.execute(text("SET LOCAL enable_seqscan = off"))
    plan = explain(dbs.connection(), sql, params)
    assert "ix_contact_phones_number" in plan, plan
    assert "Seq Scan on contact_phones" not in plan, plan


@pytest.mark.parametrize("written", WRITTEN_FORMS)
def test_service_finds_the_contact_by_any_written_form(dbs, written):
    contact_id = _seed([NUMBER])
    assert [c.id for c in find_by_phone(dbs, normalize_phone(written, "DE"))] == [contact_id]


def test_a_contact_holding_the_number_twice_is_found_once(dbs):
    contact_id = _seed(["+4930901820", NUMBER])
    contact = find_by_phone(dbs, NUMBER)[0]
    dbs.add(ContactPhone(contact_id=contact.id, number=NUMBER, kind="work", position=2))
    dbs.commit()
    assert [c.id for c in find_by_phone(dbs, NUMBER)] == [contact_id]


# --- GET /api/contacts?phone= ---------------------------------------------------------


@pytest.fixture
def api(dbs):
    """The contact to find, and the headers of an agent's bearer token."""
    contact_id = _seed([NUMBER])
    _row, token = accounts.create_api_token(
        dbs, UserFactory(role="agent"), name="lookup test", now=utcnow()
    )
    dbs.commit()
    return {"Authorization": f"Bearer {token}"}, contact_id


@pytest.mark.parametrize("written", WRITTEN_FORMS)
def test_api_finds_the_contact_by_any_written_form(client, api, written):
    headers, contact_id = api
    response = client.get("/api/contacts", query_string={"phone": written}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json["total"] == 1
    [item] = response.json["items"]
    assert item["id"] == contact_id
    assert NUMBER in [p["number"] for p in item["phones"]]


@pytest.mark.parametrize("written", ["12", "not a number", "+49 151"])
def test_api_rejects_an_invalid_phone_with_a_query_field_error(client, api, written):
    headers, _contact_id = api
    response = client.get("/api/contacts", query_string={"phone": written}, headers=headers)
    assert response.status_code == 422, response.text
    errors = response.json["errors"]
    assert list(errors) == ["query"]
    assert list(errors["query"]) == ["phone"]
    assert "phone number" in errors["query"]["phone"][0]


def test_api_lookup_needs_a_bearer_token(client, api):
    response = client.get("/api/contacts", query_string={"phone": NUMBER})
    assert response.status_code == 401
