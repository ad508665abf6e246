"""domain.reviews: scores, criteria edits that keep keys stable, the retention cutoff."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from voiceapp.domain.reviews import (
    criteria_problems,
    criterion_key,
    edit_criteria,
    retention_cutoff,
    score_problem,
)

CURRENT = [{"key": "greeting", "label": "Greeting"}, {"key": "offer", "label": "Offer"}]


@pytest.mark.parametrize("value", [1, 3, 5])
def test_whole_numbers_from_one_to_five_are_scores(value):
    assert score_problem(value) is None


@pytest.mark.parametrize("value", [0, 6, -1, 2.5, "3", None, True])
def test_anything_else_is_not_a_score(value):
    assert score_problem(value) is not None


def test_criteria_problems_name_unknown_keys_and_bad_values_and_allow_leaving_some_out():
    assert criteria_problems({"greeting": 4}, ["greeting", "offer"]) == {}
    assert criteria_problems({"charm": 4, "offer": 7}, ["greeting", "offer"]) == {
        "charm": ["not one of the team's review criteria"],
        "offer": ["a score is from 1 to 5"],
    }


def test_renaming_keeps_the_key_and_removing_drops_it():
    result, problems = edit_criteria(CURRENT, [("greeting", "Warm welcome"), ("offer", "")])
    assert problems == []
    assert result == [{"key": "greeting", "label": "Warm welcome"}]


def test_a_new_criterion_gets_a_key_from_its_label_never_a_removed_ones():
    result, _ = edit_criteria(CURRENT, [("greeting", "Greeting"), ("", "Offer")])
    # "offer" was removed in the same edit: its old scores must not read as the new one's.
    assert result[1] == {"key": "offer_2", "label": "Offer"}
    assert criterion_key("Besoins trouvés !") == "besoins_trouves"


def test_an_edit_refers_only_to_criteria_that_exist_and_labels_stay_unique():
    assert edit_criteria(CURRENT, [("ghost", "Ghost")])[1]
    assert edit_criteria(CURRENT, [("greeting", "Offer"), ("offer", "offer")])[1] == [
        "Two criteria have the same label."
    ]


def test_retention_cutoff_is_days_before_now_or_none_for_forever():
    now = datetime(2025, 4, 6, 12, 0, tzinfo=UTC)
    assert retention_cutoff(now, 90) == datetime(2025, 1, 6, 12, 0, tzinfo=UTC)
    assert retention_cutoff(now, None) is None
