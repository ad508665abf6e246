"""API authentication: bearer tokens stored hashed and acting with their user's role; the
panel session works for the softphone, with CSRF on changes."""

from __future__ import annotations

from sqlalchemy import select

from tests.conftest import csrf_from, sign_in
from tests.factories import PASSWORD, UserFactory
from voiceapp.db import utcnow
from voiceapp.models import ApiToken, User
from voiceapp.services.accounts import create_api_token


def _token_for(dbs, user) -> str:
    _row, token = create_api_token(dbs, user, name="test", now=utcnow())
    dbs.commit()
    return token


def test_no_credentials_answer_401_with_a_bearer_challenge(client):
    response = client.get("/api/contacts")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "Bearer" in response.json["message"]


def test_a_wrong_token_answers_401(client):
    response = client.get("/api/contacts", headers={"Authorization": "Bearer va_nope"})
    assert response.status_code == 401
    assert response.json["message"] == "invalid or revoked API token"


def test_a_malformed_authorization_header_answers_401(client):
    response = client.get("/api/contacts", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert response.status_code == 401


def test_a_valid_token_acts_as_its_user(client, dbs):
    user = UserFactory()
    token = _token_for(dbs, user)
    response = client.get("/api/contacts", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.json == {"items": [], "total": 0, "page": 1, "per_page": 50}


def test_tokens_are_stored_only_as_a_hash(dbs):
    user = UserFactory()
    token = _token_for(dbs, user)
    row = dbs.scalars(select(ApiToken)).one()
    assert token not in (row.token_hash, row.prefix)
    assert len(row.token_hash) == 64
    assert token.startswith(row.prefix)


def test_a_revoked_token_stops_working(client, dbs):
    user = UserFactory()
    token = _token_for(dbs, user)
    row = dbs.scalars(select(ApiToken)).one()
    row.revoked_at = utcnow()
    dbs.commit()
    response = client.get("/api/contacts", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


def test_a_switched_off_users_token_stops_working(client, dbs):
    user = UserFactory()
    token = _token_for(dbs, user)
    user.active = False
    dbs.commit()
    response = client.get("/api/contacts", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


def test_the_panel_session_reads_the_api(client, ctx):
    user = UserFactory()
    sign_in(client, user.email, PASSWORD)
    assert client.get("/api/contacts").status_code == 200


def test_a_session_request_that_changes_something_needs_the_csrf_header(client, ctx):
    user = UserFactory()
    sign_in(client, user.email, PASSWORD)
    body = {"first_name": "Ada"}
    refused = client.post("/api/contacts", json=body)
    assert refused.status_code == 403
    assert "CSRF" in refused.json["message"]
    token = csrf_from(client.get("/").text)
    accepted = client.post("/api/contacts", json=body, headers={"X-CSRFToken": token})
    assert accepted.status_code == 201
    assert accepted.json["first_name"] == "Ada" and accepted.json["owner_id"] == user.id


def test_bearer_requests_need_no_csrf_token(client, dbs):
    user = UserFactory()
    token = _token_for(dbs, user)
    response = client.post(
        "/api/contacts", json={"first_name": "Ada"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 201
    assert response.json["first_name"] == "Ada" and response.json["owner_id"] == user.id


def test_the_openapi_document_is_public_and_describes_contacts(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    spec = response.json
    assert spec["openapi"].startswith("3.")
    assert "/api/contacts" in spec["paths"]
    assert "/api/contacts/{contact_id}" in spec["paths"]
    assert set(spec["paths"]["/api/contacts/{contact_id}"]) >= {"get", "patch", "delete"}
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_a_token_is_resolved_in_one_indexed_statement(dbs, monkeypatch):
    """Every API request resolves its token: one SELECT (the user joined, run on the
    driver as a precompiled statement), served by the unique index on token_hash, not a
    token query plus a lazy load of the user; the user it gives is the session's own."""
    from sqlalchemy import text

    from tests.sql_capture import explain, note_precompiled_runs, sent_selects
    from voiceapp.services.accounts import resolve_api_token

    user = UserFactory(case_types=["new_order"], languages=["de", "en"])
    token = _token_for(dbs, user)
    used = dbs.scalars(select(ApiToken)).one()
    used.last_used_at = utcnow()  # used a moment ago: no bookkeeping write due
    dbs.commit()
    dbs.expunge_all()  # nothing in the identity map: what a fresh request would send
    ran = note_precompiled_runs(monkeypatch)
    resolved, selects = sent_selects(dbs, lambda: resolve_api_token(dbs, token, now=utcnow()))
    assert (len(ran), selects) == (1, []), (ran, selects)
    assert resolved is not None and resolved.id == user.id
    # Every column came with that statement, converted as the ORM converts them, and the
    # object is the session's, clean: reading it sends nothing, changing it is saved.
    _, later = sent_selects(
        dbs, lambda: (resolved.email, resolved.case_types, resolved.languages, resolved.active)
    )
    assert later == []
    assert (resolved.email, resolved.case_types, resolved.languages, resolved.active) == (
        user.email,
        ["new_order"],
        ["de", "en"],
        True,
    )
    assert resolved in dbs and not dbs.dirty
    assert dbs.get(User, user.id) is resolved
    resolved.name = "Renamed"
    dbs.commit()
    dbs.expunge_all()
    assert dbs.get(User, user.id).name == "Renamed"

    sql, params = ran[0]
    connection = dbs.connection()
    if connection.dialect.name == "sqlite":
        plan = explain(connection, sql, params)
        # The unique constraint's index (SQLite names it sqlite_autoindex_api_tokens_N).
        assert "SEARCH api_tokens USING INDEX" in plan and "(token_hash=?)" in plan, plan
        assert "SCAN" not in plan, plan
    else:
        dbs.execute(text("SET LOCAL enable_seqscan = off"))
        plan = explain(connection, sql, params)
        assert "Scan using uq_api_tokens_token_hash" in plan, plan
        assert "Seq Scan" not in plan, plan


def test_a_token_used_after_a_minute_notes_when_and_a_deactivated_member_is_refused(dbs):
    from datetime import timedelta

    from voiceapp.services.accounts import resolve_api_token

    user = UserFactory()
    token = _token_for(dbs, user)
    row = dbs.scalars(select(ApiToken)).one()
    now = utcnow()
    row.last_used_at = now - timedelta(minutes=2)
    dbs.commit()
    assert resolve_api_token(dbs, token, now=now) is not None
    dbs.commit()
    dbs.expire_all()
    assert dbs.get(ApiToken, row.id).last_used_at == now
    user = dbs.get(User, user.id)
    user.active = False
    dbs.commit()
    dbs.expunge_all()
    assert resolve_api_token(dbs, token, now=now) is None
    assert resolve_api_token(dbs, token + "x", now=now) is None


def test_a_token_revoked_between_two_requests_fails_the_second_at_once(client, dbs):
    from voiceapp.services.accounts import revoke_api_token

    user = UserFactory()
    token = _token_for(dbs, user)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/contacts", headers=headers).status_code == 200
    row = dbs.scalars(select(ApiToken)).one()
    assert revoke_api_token(dbs, user, row.id, now=utcnow())
    dbs.commit()
    assert client.get("/api/contacts", headers=headers).status_code == 401


def test_the_team_settings_ride_along_with_the_token(dbs, app, monkeypatch):
    """The token's statement also reads the team settings row, which nearly every API
    request needs next: get_team_settings then reads nothing more in that transaction.
    A change of settings is seen by the very next transaction, and a session that holds
    the settings for change keeps its own."""
    from tests.sql_capture import note_precompiled_runs
    from voiceapp.services.accounts import resolve_api_token
    from voiceapp.services.team_settings import get_team_settings, update_team_settings

    token = _token_for(dbs, UserFactory())
    update_team_settings(dbs, timezone="America/New_York", languages=["de", "en"])
    dbs.commit()
    dbs.expunge_all()
    ran = note_precompiled_runs(monkeypatch)
    assert resolve_api_token(dbs, token, now=utcnow()) is not None
    assert get_team_settings(dbs).timezone == "America/New_York"
    # JSON columns are read as text and parsed when the row changed: values, not text
    assert get_team_settings(dbs).languages == ["de", "en"]
    assert len(ran) == 1, ran
    dbs.rollback()

    with app.app_context():  # another request changes the settings
        from voiceapp import db

        other = db.session()
        update_team_settings(other, timezone="Asia/Tokyo", languages=["fr"])
        other.commit()
    assert resolve_api_token(dbs, token, now=utcnow()) is not None
    assert get_team_settings(dbs).timezone == "Asia/Tokyo"
    assert get_team_settings(dbs).languages == ["fr"]
    assert len(ran) == 2, ran
    dbs.rollback()

    held = update_team_settings(dbs, timezone="Europe/Lisbon")  # not committed
    assert resolve_api_token(dbs, token, now=utcnow()) is not None
    assert get_team_settings(dbs) is held


def test_a_settings_row_differing_only_in_a_json_value_is_not_taken_for_the_copy(dbs):
    """The process keeps one copy of the settings while the row read equals the one it
    was made from; the JSON columns, read as text, take part in that comparison."""
    from voiceapp.models import TeamSettings
    from voiceapp.services import team_settings

    team_settings.update_team_settings(dbs, languages=["de"])
    dbs.commit()
    connection = dbs.connection()
    (row,) = team_settings._settings_query(connection.dialect).run(connection, {})
    copy = team_settings._from_row(row)
    assert copy.languages == ["de"]
    assert team_settings._from_row(tuple(row)) is copy  # the same row: the same copy
    position = [column.key for column in TeamSettings.__table__.columns].index("languages")
    changed = list(row)
    changed[position] = '["fr"]'
    anew = team_settings._from_row(tuple(changed))
    assert anew is not copy
    assert anew.languages == ["fr"]
