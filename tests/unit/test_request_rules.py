"""The requests' plain rules: a reply starts work on a pending request, which status
changes are allowed, the public form's fill time, form addresses."""

from __future__ import annotations

import pytest

from voiceapp.domain.requests import (
    MAX_FILL_SECONDS,
    RequestError,
    clean_slug,
    fill_time_refused,
    kind_for,
    status_after_reply,
    status_change_refusal,
)


@pytest.mark.parametrize(
    ("status", "after"),
    [
        ("pending", "in_progress"),
        ("in_progress", "in_progress"),
        ("awaiting_reply", "awaiting_reply"),
        ("confirmed", "confirmed"),
        ("declined", "declined"),
    ],
)
def test_only_a_pending_request_moves_when_answered(status, after):
    assert status_after_reply(status) == after


@pytest.mark.parametrize(
    ("current", "wanted", "refused"),
    [
        ("pending", "in_progress", False),
        ("pending", "confirmed", False),
        ("in_progress", "declined", False),
        ("declined", "in_progress", False),  # opened again
        ("confirmed", "confirmed", False),  # no change, no refusal
        ("in_progress", "pending", True),
        ("pending", "awaiting_reply", True),  # quotes' business
        ("pending", "lost", True),
    ],
)
def test_status_changes(current, wanted, refused):
    assert (status_change_refusal(current, wanted) is not None) is refused


@pytest.mark.parametrize(
    ("elapsed", "minimum", "refused"),
    [
        (0.5, 3, True),
        (3, 3, False),
        (60, 3, False),
        (-5, 3, True),  # a start time in the future: forged or a skewed clock
        (MAX_FILL_SECONDS + 1, 3, True),  # a day-old page
        (0, 0, False),  # no minimum set
    ],
)
def test_the_fill_time(elapsed, minimum, refused):
    assert fill_time_refused(elapsed, minimum) is refused


def test_a_product_makes_a_dossier():
    assert kind_for(None) == "simple" and kind_for(7) == "dossier"


@pytest.mark.parametrize("slug", ["", "a b", "über", "x" * 61, "a/b", "Conversation"])
def test_bad_form_addresses_are_refused(slug):
    with pytest.raises(RequestError) as caught:
        clean_slug(slug)
    assert caught.value.field == "slug"


def test_a_form_address_is_lower_case():
    assert clean_slug(" Spring-Courses ") == "spring-courses"
