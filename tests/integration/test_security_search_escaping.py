"""Text search takes `%` and `_` literally: they are LIKE wildcards in SQL, so a search
for "%" matched every contact, and "_" any one character."""

from __future__ import annotations

import pytest

from tests.conftest import sign_in
from tests.factories import PASSWORD, ContactFactory, UserFactory


@pytest.fixture
def api(as_user, ctx):
    ContactFactory(first_name="Anna", last_name="Schmidt", company_name=None)
    ContactFactory(first_name="Bernd", last_name="Weber", company_name="A1 Handel")
    ContactFactory(first_name="Carla", last_name="Rabatt", company_name="50% Outlet")
    ContactFactory(first_name="Dana", last_name="Under_Score", company_name=None)
    ContactFactory(first_name="Emil", last_name="Back\\slash", company_name=None)
    return as_user(UserFactory())


def _names(api, q) -> list[str]:
    response = api("GET", "/api/contacts", query_string={"q": q})
    assert response.status_code == 200
    return sorted(item["first_name"] for item in response.json["items"])


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("%", ["Carla"]),
        ("%%", []),
        ("_", ["Dana"]),
        ("a_", []),
        ("r_s", ["Dana"]),
        ("0% o", ["Carla"]),
        ("\\", ["Emil"]),
        ("k\\s", ["Emil"]),
        ("anna", ["Anna"]),
    ],
)
def test_search_takes_wildcards_literally(api, q, expected):
    assert _names(api, q) == expected


def test_the_panel_search_takes_a_percent_literally(client, ctx):
    ContactFactory(first_name="Anna", last_name="Schmidt")
    ContactFactory(first_name="Carla", last_name="Rabatt", company_name="50% Outlet")
    user = UserFactory()
    sign_in(client, user.email, PASSWORD)
    page = client.get("/contacts", query_string={"q": "%"})
    assert page.status_code == 200
    assert "Rabatt" in page.text and "Schmidt" not in page.text
