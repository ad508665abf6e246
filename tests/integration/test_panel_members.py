"""Member settings in the panel: case types and languages are chosen from the team's (with
their labels), not typed as comma-separated keys; the list shows labels too."""

from __future__ import annotations

import re

from sqlalchemy import select

from tests.conftest import form_token, sign_in
from tests.factories import PASSWORD, UserFactory
from tests.http_helpers import assert_redirect
from voiceapp.models import User
from voiceapp.services.team_settings import editable_team_settings


def _admin(client):
    admin = UserFactory(role="admin")
    sign_in(client, admin.email, PASSWORD)
    return admin


def _team(dbs, languages=("de", "en", "es")):
    settings = editable_team_settings(dbs)
    settings.languages = list(languages)
    dbs.commit()


def _checkboxes(html: str, name: str) -> dict[str, bool]:
    """value -> checked, for the checkboxes named `name`."""
    boxes = re.findall(rf'<input[^>]*name="{name}"[^>]*>', html)
    return {re.search(r'value="([^"]*)"', b).group(1): "checked" in b for b in boxes}


def test_the_member_form_offers_the_teams_case_types_and_languages_by_label(client, ctx, dbs):
    _team(dbs)
    _admin(client)
    member = UserFactory(role="agent", case_types=["new_order"], languages=["es"])
    page = client.get(f"/members/{member.id}").text
    assert _checkboxes(page, "case_types") == {
        "new_order": True,
        "payment_reminder": False,
        "cancellation": False,
        "debt_collection": False,
        "callback_request": False,
        "missed_call": False,
        "voicemail": False,
    }
    assert "New order follow-up" in page and "Payment reminder" in page
    assert _checkboxes(page, "languages") == {"de": False, "en": False, "es": True}
    assert "Spanish" in page
    assert "comma separated" not in page


def test_an_admin_saves_the_chosen_case_types_and_languages(client, ctx, dbs):
    _team(dbs)
    _admin(client)
    member = UserFactory(role="agent", case_types=["new_order"], languages=["es"])
    token = form_token(client, f"/members/{member.id}")
    response = client.post(
        f"/members/{member.id}",
        data={
            "csrf_token": token,
            "name": member.name,
            "email": member.email,
            "role": "agent",
            "active": "y",
            "payout_factor_percent": "100",
            "case_types": ["payment_reminder", "missed_call"],
            "languages": ["de", "en"],
        },
    )
    assert_redirect(response, "/members")
    dbs.refresh(member)
    assert member.case_types == ["payment_reminder", "missed_call"]
    assert member.languages == ["de", "en"]


def test_a_case_type_or_language_the_team_does_not_have_is_refused(client, ctx, dbs):
    _team(dbs)
    _admin(client)
    member = UserFactory(role="agent", case_types=["new_order"], languages=["de"])
    token = form_token(client, f"/members/{member.id}")
    response = client.post(
        f"/members/{member.id}",
        data={
            "csrf_token": token,
            "name": member.name,
            "email": member.email,
            "role": "agent",
            "active": "y",
            "payout_factor_percent": "100",
            "case_types": ["new_order", "no_such_type"],
            "languages": ["xx"],
        },
    )
    assert response.status_code == 422
    assert 'data-field="case_types"' in response.text
    assert 'data-field="languages"' in response.text
    dbs.refresh(member)
    assert (member.case_types, member.languages) == (["new_order"], ["de"])


def test_a_members_setting_the_team_dropped_stays_offered_and_kept(client, ctx, dbs):
    """A case type removed from the team (or a language no longer in the IVR) still shows,
    checked, on the member's form, so saving another field does not silently drop it."""
    _team(dbs, languages=("de", "en"))
    _admin(client)
    member = UserFactory(role="agent", case_types=["old_campaign"], languages=["it"])
    page = client.get(f"/members/{member.id}").text
    assert _checkboxes(page, "case_types")["old_campaign"] is True
    assert _checkboxes(page, "languages")["it"] is True
    token = form_token(client, f"/members/{member.id}")
    response = client.post(
        f"/members/{member.id}",
        data={
            "csrf_token": token,
            "name": "Renamed",
            "email": member.email,
            "role": "agent",
            "active": "y",
            "payout_factor_percent": "100",
            "case_types": ["old_campaign"],
            "languages": ["it"],
        },
    )
    assert_redirect(response, "/members")
    assert "Member Renamed saved." in client.get("/members").text
    dbs.refresh(member)
    assert (member.name, member.case_types, member.languages) == (
        "Renamed",
        ["old_campaign"],
        ["it"],
    )


def test_the_member_list_shows_labels_not_keys(client, ctx, dbs):
    _team(dbs)
    _admin(client)
    UserFactory(role="agent", case_types=["new_order", "missed_call"], languages=["es"])
    page = client.get("/members").text
    assert "New order follow-up, Missed call" in page
    assert "new_order" not in page
    assert "Spanish" in page
    assert dbs.scalars(select(User)).all()
