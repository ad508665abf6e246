"""The task rules: a valid task, its reminder time, overdue, the order of My tasks, the
team's day, and who may see, change or delete one."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from voiceapp.domain.tasks import (
    CHANGE,
    DELETE,
    SEE,
    TaskError,
    TaskFacts,
    assign_refusal,
    check_remind_minutes,
    clean_title,
    done_today,
    is_overdue,
    local_due,
    minutes_before,
    my_tasks_order,
    reminder_time,
    task_refusal,
)

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
BERLIN = "Europe/Berlin"


def test_a_title_is_trimmed_and_its_inner_spaces_collapsed():
    assert clean_title("  Send   the\ncontract  ") == "Send the contract"


@pytest.mark.parametrize("title", [None, "", "   ", "\n\t"])
def test_a_task_without_a_title_is_refused(title):
    with pytest.raises(TaskError) as refused:
        clean_title(title)
    assert (refused.value.field, refused.value.message) == ("title", "a task needs a title")


def test_a_title_longer_than_200_characters_is_refused():
    assert clean_title("x" * 200) == "x" * 200
    with pytest.raises(TaskError, match="at most 200"):
        clean_title("x" * 201)


@pytest.mark.parametrize("minutes", [-1, 7 * 24 * 60 + 1])
def test_a_reminder_offset_outside_a_week_is_refused(minutes):
    with pytest.raises(TaskError) as refused:
        check_remind_minutes(minutes)
    assert refused.value.field == "remind_minutes_before"


@pytest.mark.parametrize("minutes", [None, 0, 15, 7 * 24 * 60])
def test_no_reminder_or_one_up_to_a_week_ahead_is_accepted(minutes):
    assert check_remind_minutes(minutes) == minutes


def test_the_due_time_is_read_on_the_teams_clock():
    # 10 March: Berlin is at +01:00.
    assert local_due(date(2026, 3, 10), time(15, 30), BERLIN) == datetime(
        2026, 3, 10, 14, 30, tzinfo=UTC
    )


def test_23_30_on_the_night_the_clocks_go_forward_is_23_30_summer_time():
    # 29 March 2026: Berlin switches to +02:00 at 02:00; 23:30 that day is 21:30 UTC,
    # still 29 March in Berlin (a +01:00 reading would put it at 22:30 UTC).
    due = local_due(date(2026, 3, 29), time(23, 30), BERLIN)
    assert due == datetime(2026, 3, 29, 21, 30, tzinfo=UTC)


def test_23_30_on_the_night_the_clocks_go_back_is_23_30_winter_time():
    due = local_due(date(2026, 10, 25), time(23, 30), BERLIN)
    assert due == datetime(2026, 10, 25, 22, 30, tzinfo=UTC)


def test_a_time_the_clocks_skip_lands_an_hour_later_in_summer_time():
    due = local_due(date(2026, 3, 29), time(2, 30), BERLIN)
    assert due == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # 03:30 CEST


def test_the_reminder_goes_out_the_chosen_minutes_before_the_due_time():
    due = NOW + timedelta(hours=3)
    assert reminder_time(due, 0, NOW) == due
    assert reminder_time(due, 30, NOW) == due - timedelta(minutes=30)


def test_a_reminder_whose_time_has_passed_goes_out_at_once():
    due = NOW + timedelta(minutes=10)
    assert reminder_time(due, 30, NOW) == NOW


def test_no_reminder_when_none_was_asked_for_or_the_task_is_already_past_due():
    assert reminder_time(NOW + timedelta(hours=1), None, NOW) is None
    assert reminder_time(NOW - timedelta(minutes=1), 0, NOW) is None
    assert reminder_time(NOW, 0, NOW) is None


def test_the_offset_of_a_pending_reminder_is_read_back_in_minutes():
    due = NOW + timedelta(hours=3)
    assert minutes_before(due, due - timedelta(minutes=15)) == 15
    assert minutes_before(due, due) == 0
    assert minutes_before(due, None) is None


def test_an_open_task_past_its_due_time_is_overdue_a_done_one_never():
    past = NOW - timedelta(seconds=1)
    assert is_overdue(past, None, NOW) is True
    assert is_overdue(NOW, None, NOW) is False
    assert is_overdue(NOW + timedelta(hours=1), None, NOW) is False
    assert is_overdue(past, NOW, NOW) is False


def test_my_tasks_show_the_overdue_first_longest_overdue_on_top_then_by_due_time():
    tasks = [
        (5, NOW + timedelta(hours=2)),
        (4, NOW - timedelta(minutes=5)),
        (3, NOW + timedelta(minutes=30)),
        (2, NOW - timedelta(days=2)),
        (1, NOW + timedelta(minutes=30)),
    ]
    ordered = sorted(tasks, key=lambda t: my_tasks_order(t[1], t[0], NOW))
    assert [task_id for task_id, _due in ordered] == [2, 4, 1, 3, 5]


def test_done_today_is_the_teams_day_not_utcs():
    late_evening = datetime(2026, 3, 10, 23, 30, tzinfo=UTC)  # 00:30 on the 11th in Berlin
    assert done_today(datetime(2026, 3, 10, 23, 5, tzinfo=UTC), late_evening, BERLIN) is True
    assert done_today(datetime(2026, 3, 10, 22, 55, tzinfo=UTC), late_evening, BERLIN) is False
    assert done_today(None, late_evening, BERLIN) is False


AGENT, OTHER = 7, 8


def facts(assignee=AGENT, creator=None, visible=True) -> TaskFacts:
    return TaskFacts(assignee_id=assignee, created_by_id=creator, contact_visible=visible)


@pytest.mark.parametrize("role", ["admin", "sales_manager"])
def test_managers_and_admins_may_do_anything_to_any_task(role):
    for action in (SEE, CHANGE, DELETE):
        assert task_refusal(action, role, 1, facts(OTHER, OTHER, visible=False)) is None


def test_an_agent_sees_and_changes_the_tasks_given_to_them_but_deletes_only_their_own():
    given = facts(assignee=AGENT, creator=OTHER)
    assert task_refusal(SEE, "agent", AGENT, given) is None
    assert task_refusal(CHANGE, "agent", AGENT, given) is None
    assert task_refusal(DELETE, "agent", AGENT, given) == (
        "only the member who added a task, or a manager, may delete it"
    )
    added = facts(assignee=OTHER, creator=AGENT)
    assert all(task_refusal(a, "agent", AGENT, added) is None for a in (SEE, CHANGE, DELETE))


def test_an_agent_does_not_see_a_colleagues_task_nor_one_on_a_contact_hidden_from_them():
    assert task_refusal(SEE, "agent", AGENT, facts(OTHER, OTHER)) == "task not found"
    assert task_refusal(SEE, "agent", AGENT, facts(AGENT, AGENT, visible=False)) == (
        "task not found"
    )


def test_an_unknown_action_is_a_programming_error():
    with pytest.raises(ValueError):
        task_refusal("archive", "admin", 1, facts())


def test_only_managers_and_admins_give_tasks_to_others():
    assert assign_refusal("agent", AGENT, AGENT) is None
    assert assign_refusal("agent", AGENT, OTHER) == "only managers assign tasks to other members"
    assert assign_refusal("sales_manager", AGENT, OTHER) is None
    assert assign_refusal("admin", AGENT, OTHER) is None
