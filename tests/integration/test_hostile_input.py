"""No input gives a 500: NUL bytes, deeply nested JSON, integers with thousands of digits
and dates at the calendar's edges get 400/422 with a message, in the API, the panel and
the webhooks, on SQLite and on PostgreSQL (whose text type refuses NUL). A database that
refuses connections gets the app's own 503 page."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from tests.conftest import form_token, sign_in
from tests.factories import PASSWORD, CaseFactory, ContactFactory, UserFactory
from tests.twilio_helpers import new_call_sid, signed_post, status_params
from voiceapp.models import Call, Contact

NUL = "\x00"
HUGE_INT = "9" * 5000
LONG_INT = "9" * 1000
# The calendar's edges: in UTC these are before year 1 and after year 9999.
EARLIEST = "0001-01-01T00:00:00+14:00"
LATEST = "9999-12-31T23:59:59-12:00"


def _admin(client):
    user = UserFactory(role="admin")
    sign_in(client, user.email, PASSWORD)
    return user


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def _assert_refused(response, *codes):
    codes = codes or (400, 422)
    assert response.status_code in codes, (response.status_code, response.text[:500])


# --- NUL bytes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/sign-in?next=%00",
        "/sign-in?e%00mail=x",
        "/calls/recordings/RE%00abc",
        "/api/calls/CA%00abc",
        "/static/style.css%00.txt",
    ],
)
def test_a_nul_in_the_url_before_sign_in_is_a_400(client, ctx, path):
    response = client.get(path)
    _assert_refused(response, 400)
    assert "NUL" in response.text


def test_a_nul_in_the_sign_in_form_is_a_400_with_a_message(client, ctx):
    token = form_token(client, "/sign-in")
    response = client.post(
        "/sign-in", data={"email": f"a{NUL}@example.com", "password": "x", "csrf_token": token}
    )
    _assert_refused(response, 400)
    assert "NUL" in response.text


@pytest.mark.parametrize(
    "path",
    [
        "/contacts?q=a%00b",
        "/contacts?phone=%2B49%00",
        "/calls?status=a%00",
        "/cases?type=a%00",
        "/calls/recordings/RE%00abc",
        "/numbers/search?contains=1%00",
    ],
)
def test_a_nul_in_a_signed_in_url_is_a_400(client, ctx, path):
    _admin(client)
    response = client.get(path)
    _assert_refused(response, 400)
    assert "NUL" in response.text


def test_a_nul_in_a_form_field_is_a_400_and_stores_nothing(client, ctx, dbs):
    _admin(client)
    token = form_token(client, "/contacts/new")
    response = client.post(
        "/contacts/new",
        data={
            "csrf_token": token,
            "kind": "person",
            "visibility": "shared_write",
            "first_name": f"Le{NUL}na",
        },
    )
    _assert_refused(response, 400)
    assert "NUL" in response.text
    assert dbs.scalar(select(func.count()).select_from(Contact)) == 0


def test_a_multipart_part_without_a_name_is_a_400(client, ctx):
    """Found by the API fuzz: a part whose header names nothing (or breaks the line in
    its name) reaches the guard with the name None."""
    boundary = "5fd8e556f498b8fc3b0ce4888e45dd42"
    body = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\r\n\r\nnull\r\n--{boundary}--\r\n"
    )
    response = client.post(
        "/sign-in", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    _assert_refused(response, 400)
    assert "without a name" in response.text


def test_a_nul_in_a_json_string_is_a_400_and_stores_nothing(as_user, ctx, dbs):
    api = as_user(UserFactory(role="admin"))
    response = api("POST", "/api/contacts", json={"first_name": f"Le{NUL}na"})
    _assert_refused(response)
    assert "NUL" in response.json["message"]
    response = api("POST", "/api/contacts", json={f"first{NUL}": "Lena"})
    _assert_refused(response)
    assert dbs.scalar(select(func.count()).select_from(Contact)) == 0


def test_a_nul_in_an_api_query_is_a_400(as_user, ctx):
    api = as_user(UserFactory(role="admin"))
    for path in ("/api/contacts?q=a%00", "/api/calls?status=a%00", "/api/calls/CA%00x"):
        response = api("GET", path)
        _assert_refused(response, 400)
        assert "NUL" in response.json["message"], path


def test_a_signed_webhook_with_a_nul_is_a_400_and_stores_nothing(tw, ctx, dbs):
    params = status_params(new_call_sid(), "ringing", 0)
    params["From"] = f"+4915{NUL}1"
    response = signed_post(tw, "/twilio/voice/status", params)
    _assert_refused(response, 400)
    assert dbs.scalar(select(func.count()).select_from(Call)) == 0


def test_an_unsigned_webhook_with_a_nul_is_still_refused_as_unsigned(tw, ctx):
    """The signature is checked first: a stranger learns nothing about our parsing."""
    params = status_params(new_call_sid(), "ringing", 0)
    params["From"] = f"+4915{NUL}1"
    response = tw.post("/twilio/voice/status", data=params)
    assert response.status_code == 403


# --- deeply nested JSON, huge integers -----------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        _nested(100_000),
        '{"first_name": ' + _nested(5000) + "}",
        '{"first_name": "Lena", "x": ' + '{"a": ' * 3000 + "1" + "}" * 3001,
    ],
    ids=["array", "in-a-field", "objects"],
)
def test_deeply_nested_json_is_a_400(as_user, ctx, body):
    api = as_user(UserFactory(role="admin"))
    response = api("POST", "/api/contacts", data=body, content_type="application/json")
    _assert_refused(response, 400)
    assert "nested" in response.json["message"]


@pytest.mark.parametrize("number", [HUGE_INT, LONG_INT, "-" + LONG_INT, "1e400"])
def test_a_huge_json_number_is_refused(as_user, ctx, dbs, number):
    api = as_user(UserFactory(role="admin"))
    contact = ContactFactory()
    for method, path, body in [
        ("POST", "/api/contacts", '{"first_name": "A", "owner_id": %s}'),
        ("POST", "/api/cases", '{"contact_id": %s, "type": "new_order", "language": "de"}'),
        (
            "POST",
            "/api/cases",
            '{"contact_id": ' + str(contact.id) + ', "type": "x", "language": "de", '
            '"assignee_id": %s}',
        ),
        ("PUT", "/api/agents/me/presence", '{"status": %s}'),
    ]:
        response = api(method, path, data=body % number, content_type="application/json")
        _assert_refused(response)


@pytest.mark.parametrize("number", [HUGE_INT, LONG_INT])
def test_a_huge_integer_in_a_query_is_refused(as_user, ctx, number):
    api = as_user(UserFactory(role="admin"))
    for path in (
        f"/api/contacts?page={number}",
        f"/api/calls?agent_id={number}",
        f"/api/cases?assignee_id={number}",
        f"/api/notifications?per_page={number}",
    ):
        _assert_refused(api("GET", path))


@pytest.mark.parametrize("number", [HUGE_INT, LONG_INT])
def test_a_huge_integer_in_the_panel_is_refused(client, ctx, number):
    _admin(client)
    for path in (
        f"/cases/new?contact_id={number}",
        f"/calls?agent={number}",
        f"/cases?assignee_id={number}",
        f"/contacts?page={number}",
    ):
        response = client.get(path)
        assert response.status_code < 500, (path, response.status_code)


# --- dates at the calendar's edges --------------------------------------------------------


@pytest.mark.parametrize("moment", [EARLIEST, LATEST])
def test_edge_dates_in_the_api_are_a_422(as_user, ctx, dbs, moment):
    admin = UserFactory(role="admin")
    api = as_user(admin)
    contact = ContactFactory()
    case = CaseFactory(contact=contact)
    quoted = moment.replace("+", "%2B")
    for method, path, body in [
        ("GET", f"/api/calls?since={quoted}", None),
        ("GET", f"/api/calls?until={quoted}", None),
        ("GET", f"/api/cases?due_from={quoted}", None),
        ("GET", f"/api/cases?due_until={quoted}", None),
        (
            "POST",
            "/api/cases",
            {"contact_id": contact.id, "type": "new_order", "language": "de", "due_at": moment},
        ),
        ("PATCH", f"/api/cases/{case.id}", {"due_at": moment}),
        (
            "POST",
            f"/api/cases/{case.id}/outcome",
            {"outcome": "callback", "callback_at": moment},
        ),
    ]:
        response = api(method, path, json=body)
        assert response.status_code == 422, (path, response.status_code, response.text[:300])
        assert "date" in json.dumps(response.json["errors"]).lower(), path


@pytest.mark.parametrize("moment", [EARLIEST, LATEST, "0001-01-01T00:00", "9999-12-31T23:59"])
def test_edge_dates_in_the_panel_are_refused_with_a_message(client, ctx, dbs, moment):
    _admin(client)
    contact = ContactFactory()
    case = CaseFactory(contact=contact)
    day = moment[:10]
    for path in (f"/calls?from={day}", f"/calls?to={day}"):
        response = client.get(path)
        assert response.status_code < 500, (path, response.status_code)
    for name in ("due_from", "due_until"):
        response = client.get("/cases", query_string={name: moment})
        assert response.status_code < 500, (name, response.status_code)
        assert "date" in response.text.lower()
    token = form_token(client, f"/cases/{case.id}")
    response = client.post(
        f"/cases/{case.id}/outcome",
        data={"csrf_token": token, "outcome": "callback", "callback_at": moment},
    )
    _assert_refused(response)
    response = client.post(
        f"/cases/new?contact_id={contact.id}",
        data={"csrf_token": token, "type": "new_order", "language": "de", "due_at": moment},
    )
    # The form again, the due time refused on its field (a year-9999 local time has a UTC
    # time, but no case is due then either).
    assert response.status_code == 422, response.status_code
    assert "choose a date between 2000 and 2999" in response.text


# --- the database is down -----------------------------------------------------------------

REFUSING_DATABASES = {
    # Nothing listens on port 1: the connection is refused.
    "postgresql": "postgresql+psycopg://postgres@127.0.0.1:1/voiceapp?connect_timeout=2",
    # A file in a directory that does not exist cannot be opened.
    "sqlite": "sqlite:////nonexistent-voiceapp-dir/down.sqlite3",
}


@pytest.mark.parametrize("kind", sorted(REFUSING_DATABASES))
def test_a_signed_in_page_gets_our_503_page_when_the_database_is_down(client, make_app, ctx, kind):
    _admin(client)
    down = make_app(database_url=REFUSING_DATABASES[kind]).test_client()
    down.set_cookie("session", client.get_cookie("session").value)
    for path in ("/", "/cases/today", "/contacts?q=x"):
        response = down.get(path)
        assert response.status_code == 503, (path, response.status_code, response.text[:300])
        assert "The database cannot be reached" in response.text
        assert "<!doctype html>" in response.text  # our page, not the server's
        assert response.headers["Retry-After"] == "30"


@pytest.mark.parametrize("kind", sorted(REFUSING_DATABASES))
def test_the_api_answers_503_in_json_when_the_database_is_down(make_app, ctx, kind):
    down = make_app(database_url=REFUSING_DATABASES[kind]).test_client()
    response = down.get("/api/contacts", headers={"Authorization": "Bearer whatever"})
    assert response.status_code == 503
    assert "database" in response.json["message"]


# --- 405 answers say what is allowed ------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "/api/cases", {"GET", "POST"}),
        ("PUT", "/api/contacts/1", {"GET", "PATCH", "DELETE"}),
        ("DELETE", "/sign-in", {"GET", "POST"}),
        ("POST", "/cases/today", {"GET"}),
    ],
)
def test_a_405_answer_names_the_allowed_methods(client, ctx, method, path, allowed):
    response = client.open(path, method=method)
    assert response.status_code == 405
    assert allowed <= {m.strip() for m in response.headers.get("Allow", "").split(",")}
