"""The dashboard's figures (services.dashboard) and GET /api/dashboard, against a team whose
day was counted by hand. The team works in Europe/Berlin and "now" is Sunday 30 March 2025,
23:45 local time: the night the clocks went forward, so the local day began at 23:00 UTC
the day before and ends at 22:00 UTC. A call at 23:30 local (21:30 UTC) is today's; one at
00:30 local on the 31st (22:30 UTC, which a fixed +01:00 would put at 23:30 today) is not.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from tests.factories import CaseFactory, ContactFactory, UserFactory
from tests.order_helpers import make_product, take_order
from voiceapp.domain.dashboard import period_for
from voiceapp.models import AgentPresence, Call, CallReview, CaseEvent, Commission, Payment
from voiceapp.services.dashboard import dashboard
from voiceapp.services.orders.payments import record_payment
from voiceapp.services.team_settings import editable_team_settings

D = Decimal
ZONE = "Europe/Berlin"
NOW = datetime(2025, 3, 30, 21, 45, tzinfo=UTC)  # 23:45 CEST, Sunday
_sids = itertools.count(1)


def utc(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=UTC)


def add_call(dbs, agent, direction, at, contact, *, answered=True, talk=0, leg_agent=None, **state):
    """A call as Twilio reports it: the top-level call and the leg where the member and
    the customer were (or were not) connected. `state`: the top-level call's status,
    missed or voicemail. Returns the top-level call's sid."""
    sid = f"CA{next(_sids):032x}"
    agent_id = agent.id if agent is not None else None
    dbs.add(
        Call(
            sid=sid,
            direction=direction,
            from_number="+4915112345678",
            to_number="+4930901820",
            agent_id=agent_id if answered or direction == "outbound" else None,
            contact_id=contact.id,
            status=state.pop("status", "completed"),
            started_at=at,
            answered_at=at + timedelta(seconds=5) if answered else None,
            duration=talk + 20,
            **state,
        )
    )
    leg_of = leg_agent or agent
    if leg_of is not None:
        dbs.add(
            Call(
                sid=f"CA{next(_sids):032x}",
                parent_sid=sid,
                direction=direction,
                from_number="+4930901820",
                to_number="client:agent" if direction == "inbound" else "+4915112345678",
                agent_id=leg_of.id,
                contact_id=contact.id,
                status="completed" if answered else "no-answer",
                started_at=at + timedelta(seconds=1),
                answered_at=at + timedelta(seconds=5) if answered else None,
                duration=talk if answered else 0,
            )
        )
    return sid


def add_outcome(dbs, actor, at, outcome):
    """An outcome recorded on an open case nobody holds (no case figure changes)."""
    case = CaseFactory(contact=ContactFactory())
    dbs.add(
        CaseEvent(
            case_id=case.id,
            kind="outcome",
            summary=outcome,
            at=at,
            actor_id=actor.id,
            data={"outcome": outcome},
        )
    )


def review(dbs, sid, agent, reviewer, score, at):
    dbs.add(
        CallReview(
            call_sid=sid, agent_id=agent.id, reviewer_id=reviewer.id, score=score, created_at=at
        )
    )


def closed_by_outcome(dbs, actor, at, *, assignee=None, earlier=None):
    """A case closed at `at` by `actor`'s outcome (and an earlier outcome by `earlier`
    that did not close it), as services.cases.calling leaves it."""
    case = CaseFactory(
        contact=ContactFactory(),
        assignee_id=(assignee or actor).id,
        status="closed",
        closed_at=at,
        closed_by_id=actor.id,
        due_at=at - timedelta(hours=2),
    )
    if earlier is not None:
        dbs.add(
            CaseEvent(
                case_id=case.id,
                kind="outcome",
                summary="Not reached",
                at=at - timedelta(hours=1),
                actor_id=earlier.id,
                data={"outcome": "not_reached"},
            )
        )
    dbs.add(
        CaseEvent(
            case_id=case.id,
            kind="outcome",
            summary="Conversation completed",
            at=at,
            actor_id=actor.id,
            data={"outcome": "completed"},
        )
    )
    return case


def pay(dbs, order, at):
    record_payment(dbs, order.id, amount=order.total, method="demo", now=at)


@pytest.fixture
def world(dbs):
    settings = editable_team_settings(dbs)
    settings.timezone = ZONE
    anna = UserFactory(name="Anna Agent", role="agent")
    ben = UserFactory(name="Ben Agent", role="agent")
    mia = UserFactory(name="Mia Manager", role="sales_manager")
    admin = UserFactory(name="Ada Admin", role="admin")
    UserFactory(name="Gone Member", role="agent", active=False, removed_at=utc(1, 9))
    UserFactory(name="Off Member", role="agent", active=False)
    c1, c2, c3 = ContactFactory(), ContactFactory(), ContactFactory()

    # Anna, today: three calls made (two answered), one inbound taken at 23:30 local.
    first = add_call(dbs, anna, "outbound", utc(29, 23, 30), c1, talk=120)  # 00:30 local
    add_call(dbs, anna, "outbound", utc(30, 8), c1, answered=False)
    add_call(dbs, anna, "outbound", utc(30, 12), c1, talk=45)  # c1 again: one customer
    add_call(dbs, anna, "inbound", utc(30, 21, 30), c2, talk=300)  # 23:30 local, today
    # Ben's browser rang for a call Anna took, unanswered: nothing for Ben.
    add_call(dbs, None, "inbound", utc(30, 21, 30), c2, answered=False, leg_agent=ben)
    # Yesterday (23:30 local on the 29th): this week and month, not today.
    saturday = add_call(dbs, anna, "outbound", utc(29, 22, 30), c3, talk=30)
    # 00:30 local on Monday 31st: this month only (after the week's Sunday).
    add_call(dbs, anna, "inbound", utc(30, 22, 30), c1, talk=60)
    # Missed calls nobody took count for nobody, only in the team's missed: at 11:00
    # local, at 23:40 local (a voicemail, today), at 00:10 local on the 31st (not today).
    add_call(dbs, None, "inbound", utc(30, 9), c3, answered=False, missed=True)
    add_call(
        dbs,
        None,
        "inbound",
        utc(30, 21, 40),
        c3,
        answered=False,
        missed=True,
        voicemail=True,
        status="in-progress",
    )
    add_call(dbs, None, "inbound", utc(30, 22, 10), c3, answered=False, missed=True)
    # Waiting now: one caller ringing the team for two minutes; one "ringing" for three
    # hours lost its last callback and waits no more.
    add_call(dbs, None, "inbound", NOW - timedelta(minutes=2), c2, answered=False, status="ringing")
    add_call(dbs, None, "inbound", NOW - timedelta(hours=3), c2, answered=False, status="ringing")
    # Ben took one inbound call today.
    bens = add_call(dbs, ben, "inbound", utc(30, 10), c2, talk=200)

    dbs.flush()  # the calls first: a review names its call by sid
    # Reviews: Anna's first call today by Mia (4) and Ada (5), her Saturday call (2, but
    # reviewed today: it counts on Saturday's call), Ben's call (3).
    review(dbs, first, anna, mia, 4, utc(30, 9))
    review(dbs, first, anna, admin, 5, utc(30, 10))
    review(dbs, saturday, anna, mia, 2, utc(30, 9))
    review(dbs, bens, ben, mia, 3, utc(30, 11))
    # Outcomes on cases that change no case figure: a callback at 23:30 local today, one
    # at 00:15 local on the 31st.
    add_outcome(dbs, anna, utc(30, 21, 30), "callback")
    add_outcome(dbs, anna, utc(30, 22, 15), "callback")

    # Cases. Anna: due today at 17:00 (overdue) and at 23:50 (not yet), overdue since
    # the 20th, due in April; one she closed today; one she worked but Ben closed; one
    # the system closed (paid) while assigned to her.
    for due in (utc(30, 15), utc(30, 21, 50), utc(20, 9), utc(2, 9, month=4)):
        CaseFactory(contact=ContactFactory(), assignee_id=anna.id, due_at=due)
    CaseFactory(contact=ContactFactory(), assignee_id=ben.id, due_at=utc(28, 9))
    closed_by_outcome(dbs, anna, utc(30, 11))
    closed_by_outcome(dbs, ben, utc(30, 14), assignee=anna, earlier=anna)
    CaseFactory(
        contact=ContactFactory(), assignee_id=anna.id, status="closed", closed_at=utc(30, 13)
    )
    dbs.commit()

    # Orders: 119.00 gross = 100.00 net each. Taking one opens a "new order" case for
    # the seller, due a day later. Anna took one today (paid today), one on
    # the 10th (paid today, 59.50 refunded today), one in USD today (paid today).
    eur = make_product(dbs)
    usd = make_product(dbs, name="Course in dollars", currency="USD")
    today_order = take_order(dbs, anna, product=eur, now=utc(30, 9))
    pay(dbs, today_order, utc(30, 9, 5))
    earlier = take_order(dbs, anna, product=eur, now=utc(10, 9))
    pay(dbs, earlier, utc(30, 10))
    dbs.add(
        Payment(
            order_id=earlier.id,
            kind="refund",
            method="manual",
            amount=D("59.50"),
            currency="EUR",
            created_at=utc(30, 16),
        )
    )
    dbs.add(
        Payment(
            order_id=today_order.id,
            method="sepa",
            status="pending",
            amount=D("119.00"),
            currency="EUR",
            created_at=utc(30, 17),
        )
    )
    dollars = take_order(dbs, anna, product=usd, now=utc(30, 11))
    pay(dbs, dollars, utc(30, 11, 5))
    # A commission rejected today is not hers; one taken back today (negative) is.
    for amount, status in ((D("99.00"), "rejected"), (D("-5.00"), "approved")):
        dbs.add(
            Commission(
                key=f"manual:{amount}",
                user_id=anna.id,
                order_id=earlier.id,
                reason="sales_team",
                amount=amount,
                currency="EUR",
                base_net=amount * 10,
                status=status,
                earned_at=utc(30, 18),
                due_at=utc(30, 18),
            )
        )
    dbs.add(AgentPresence(user_id=anna.id, status="online", updated_at=NOW))
    dbs.add(AgentPresence(user_id=ben.id, status="busy", updated_at=NOW))
    dbs.commit()
    return {"anna": anna, "ben": ben, "mia": mia, "admin": admin}


def figures(dbs, user, kind=None, *, team=False, **days):
    period = period_for(kind, now=NOW, zone=ZONE, **days)
    return dashboard(dbs, user, period, now=NOW, with_team=team)


def counts(row) -> dict:
    keys = (
        "calls_made",
        "calls_made_reached",
        "calls_taken",
        "customers_reached",
        "talk_seconds",
        "cases_done",
        "cases_due",
        "cases_overdue",
        "orders",
    )
    return {k: getattr(row, k) for k in keys}


def test_anna_today_counted_by_hand(world, dbs):
    me = figures(dbs, world["anna"], "today").personal
    assert counts(me) == {
        "calls_made": 3,
        "calls_made_reached": 2,
        "calls_taken": 1,
        "customers_reached": 2,
        "talk_seconds": 120 + 45 + 300,
        "cases_done": 1,
        "cases_due": 2,
        # 17:00 today, the 20th, and the order of the 10th's "new order" case (the 11th).
        "cases_overdue": 3,
        "orders": 2,
    }
    assert me.reach_rate == D("66.7")
    # 100 + 100 - 50 (the refund's net part); the pending debit is not money yet.
    assert me.revenue == {"EUR": D("150.00"), "USD": D("100.00")}
    # 10 % of each payment's net: 10 + 10 EUR, 10 USD; -5 taken back, 99 rejected.
    assert me.commission == {"EUR": D("15.00"), "USD": D("10.00")}


def test_the_week_adds_saturday_and_the_month_the_first_hour_of_the_31st(world, dbs):
    week = figures(dbs, world["anna"], "week")
    assert (week.period.first_day, week.period.last_day) == (date(2025, 3, 24), date(2025, 3, 30))
    assert (week.personal.calls_made, week.personal.customers_reached) == (4, 3)
    assert week.personal.talk_seconds == 120 + 45 + 300 + 30
    month = figures(dbs, world["anna"], "month").personal
    assert (month.calls_made, month.calls_taken, month.talk_seconds) == (4, 2, 555)
    # 17:00 and 23:50 today, the 20th, and the three orders' "new order" cases (due a day
    # after each order: the 11th, and twice on the 31st).
    assert (month.cases_due, month.orders) == (6, 3)


def test_a_chosen_day_after_the_clocks_changed_holds_only_its_own_calls(world, dbs):
    board = figures(dbs, world["anna"], first=date(2025, 3, 31), last=date(2025, 3, 31))
    assert board.period.start == utc(30, 22)  # CEST midnight
    me = board.personal
    assert (me.calls_taken, me.calls_made, me.talk_seconds, me.customers_reached) == (1, 0, 60, 1)
    assert me.reach_rate is None
    assert me.cases_due == 2  # today's two orders' "new order" cases
    assert me.cases_overdue == 3  # overdue is "now", whatever the period


def test_the_team_has_one_row_per_active_member_with_presence(world, dbs):
    board = figures(dbs, world["mia"], "today", team=True)
    rows = {row.name: row for row in board.team}
    assert list(rows) == ["Ada Admin", "Anna Agent", "Ben Agent", "Mia Manager"]
    assert {name: row.presence for name, row in rows.items()} == {
        "Ada Admin": "offline",
        "Anna Agent": "online",
        "Ben Agent": "busy",
        "Mia Manager": "offline",
    }
    assert counts(rows["Anna Agent"]) == counts(figures(dbs, world["anna"], "today").personal)
    assert counts(rows["Ben Agent"]) == {
        "calls_made": 0,
        "calls_made_reached": 0,
        "calls_taken": 1,
        "customers_reached": 1,
        "talk_seconds": 200,
        "cases_done": 1,
        "cases_due": 0,
        "cases_overdue": 1,
        "orders": 0,
    }
    assert rows["Ben Agent"].revenue == {} and rows["Ben Agent"].commission == {}
    assert board.personal.user_id == world["mia"].id


def test_agents_get_no_team(world, dbs):
    assert figures(dbs, world["anna"], "today").team is None


def test_reviews_count_for_the_calls_of_the_period_with_their_mean_score(world, dbs):
    today = figures(dbs, world["mia"], "today", team=True)
    rows = {row.name: row for row in today.team}
    anna, ben = rows["Anna Agent"], rows["Ben Agent"]
    # Saturday's call was reviewed today but is not today's call.
    assert (anna.reviews, anna.review_score) == (2, D("4.5"))
    assert (ben.reviews, ben.review_score) == (1, D("3.0"))
    assert (rows["Mia Manager"].reviews, rows["Mia Manager"].review_score) == (0, None)
    week = figures(dbs, world["anna"], "week").personal
    assert (week.reviews, week.review_score) == (3, D("3.7"))  # 11 / 3


def test_the_team_sees_calls_waiting_now_and_missed_today(world, dbs):
    board = figures(dbs, world["admin"], "month", team=True)
    # Waiting: the caller ringing for two minutes, not the one whose callback was lost.
    assert board.calls_waiting == 1
    # Today's local day: 11:00 and the 23:40 voicemail; 00:10 on the 31st is tomorrow's.
    assert board.missed_today == 2
    agent = figures(dbs, world["anna"], "today")
    assert (agent.calls_waiting, agent.missed_today) == (None, None)


def by_day(charts) -> dict:
    return {
        d.day.isoformat(): (d.made, d.reached, d.taken, d.missed)
        for d in charts.days
        if d.made or d.taken or d.missed
    }


def by_hour(charts) -> dict:
    return {
        h.hour: (h.made, h.reached, h.taken, h.missed)
        for h in charts.hours
        if h.made or h.taken or h.missed
    }


def outcomes(charts) -> dict:
    return {o.outcome: o.count for o in charts.outcomes}


def test_an_agents_charts_are_their_own_in_local_hours(world, dbs):
    charts = figures(dbs, world["anna"], "today").charts
    assert charts.scope == "personal"
    assert [d.day for d in charts.days] == [date(2025, 3, 30)]
    # (made, reached, taken, missed): no missed calls in an agent's own charts.
    assert by_day(charts) == {"2025-03-30": (3, 2, 1, None)}
    assert charts.days[0].reach_rate == D("66.7")
    # 00:30 CET (before the clocks went forward), 10:00, 14:00 and 23:30 CEST.
    assert by_hour(charts) == {
        0: (1, 1, 0, None),
        10: (1, 0, 0, None),
        14: (1, 1, 0, None),
        23: (0, 0, 1, None),
    }
    assert len(charts.hours) == 24
    # The outcome she recorded at 11:00 UTC closed a case; 13:00 was Ben's case; 23:30.
    assert outcomes(charts) == {"completed": 1, "not_reached": 1, "callback": 1}
    assert [o.label for o in charts.outcomes] == [
        "Conversation completed",
        "Not reached",
        "Call back",
    ]


def test_the_teams_charts_add_the_members_and_the_calls_nobody_took(world, dbs):
    charts = figures(dbs, world["mia"], "today", team=True).charts
    assert charts.scope == "team"
    # Anna's three made, her 23:30 and Ben's 12:00 taken, missed at 11:00 and 23:40.
    assert by_day(charts) == {"2025-03-30": (3, 2, 2, 2)}
    assert by_hour(charts) == {
        0: (1, 1, 0, 0),
        10: (1, 0, 0, 0),
        11: (0, 0, 0, 1),
        12: (0, 0, 1, 0),
        14: (1, 1, 0, 0),
        23: (0, 0, 1, 1),
    }
    assert outcomes(charts) == {"completed": 2, "not_reached": 1, "callback": 1}


def test_a_month_of_charts_puts_each_call_on_its_local_day_across_the_dst_night(world, dbs):
    charts = figures(dbs, world["mia"], "month", team=True).charts
    assert len(charts.days) == 31
    # Saturday 23:30 CET is the 29th; 00:30 and 00:10 CEST on the 31st (22:30 and 22:10
    # UTC, which a fixed +01:00 would put at 23:xx on the 30th) are the 31st's.
    assert by_day(charts) == {
        "2025-03-29": (1, 1, 0, 0),
        "2025-03-30": (3, 2, 2, 2),
        "2025-03-31": (0, 0, 1, 1),
    }
    hours = by_hour(charts)
    assert hours[0] == (1, 1, 1, 1)  # today's 00:30 made; the 31st's 00:30 and 00:10
    assert hours[23] == (1, 1, 1, 1)  # Saturday's 23:30 made; today's 23:30 and 23:40
    saturday = next(d for d in charts.days if d.day == date(2025, 3, 29))
    assert saturday.reach_rate == D("100.0")
    assert next(d for d in charts.days if d.day == date(2025, 3, 1)).reach_rate is None
    assert outcomes(charts) == {"completed": 2, "not_reached": 1, "callback": 2}
    # The team's calls made are the table's made, added up.
    board = figures(dbs, world["mia"], "month", team=True)
    assert sum(d.made for d in charts.days) == sum(row.calls_made for row in board.team)


# --- the API ------------------------------------------------------------------------------


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_api_gives_a_manager_the_team_and_amounts_as_strings(world, as_user, frozen):
    answer = as_user(world["mia"])("GET", "/api/dashboard?period=today")
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["period"]["from"] == body["period"]["to"] == "2025-03-30"
    assert body["period"]["zone"] == ZONE
    anna = next(row for row in body["team"] if row["name"] == "Anna Agent")
    assert anna["revenue"] == {"EUR": "150.00", "USD": "100.00"}
    assert anna["commission"] == {"EUR": "15.00", "USD": "10.00"}
    assert (anna["reach_rate"], anna["presence"], anna["talk_seconds"]) == ("66.7", "online", 465)
    assert body["personal"]["name"] == "Mia Manager"


def test_api_gives_a_manager_the_teams_charts_calls_waiting_and_missed(world, as_user, frozen):
    body = as_user(world["mia"])("GET", "/api/dashboard?period=today").get_json()
    assert (body["calls_waiting"], body["missed_today"]) == (1, 2)
    charts = body["charts"]
    assert charts["scope"] == "team"
    assert charts["days"] == [
        {
            "day": "2025-03-30",
            "made": 3,
            "reached": 2,
            "taken": 2,
            "missed": 2,
            "reach_rate": "66.7",
        }
    ]
    assert charts["hours"][23] == {
        "hour": 23,
        "made": 0,
        "reached": 0,
        "taken": 1,
        "missed": 1,
        "reach_rate": None,
    }
    assert charts["hours"][0]["reach_rate"] == "100.0"
    assert charts["outcomes"][0] == {
        "outcome": "completed",
        "label": "Conversation completed",
        "count": 2,
    }
    anna = next(row for row in body["team"] if row["name"] == "Anna Agent")
    assert (anna["reviews"], anna["review_score"]) == (2, "4.5")


def test_api_gives_an_admin_the_team_too(world, as_user, frozen):
    body = as_user(world["admin"])("GET", "/api/dashboard?period=month").get_json()
    assert len(body["team"]) == 4


def test_api_gives_an_agent_only_their_own_figures(world, as_user, frozen):
    body = as_user(world["anna"])("GET", "/api/dashboard").get_json()
    assert "team" not in body
    assert "calls_waiting" not in body and "missed_today" not in body
    # Her own charts: her calls, no missed ones.
    assert body["charts"]["scope"] == "personal"
    assert body["charts"]["days"][0]["taken"] == 1
    assert body["charts"]["days"][0]["missed"] is None
    assert {o["outcome"]: o["count"] for o in body["charts"]["outcomes"]} == {
        "completed": 1,
        "not_reached": 1,
        "callback": 1,
    }
    assert body["period"]["kind"] == "today"
    assert body["personal"]["calls_made"] == 3
    assert body["personal"]["commission"] == {"EUR": "15.00", "USD": "10.00"}


def test_api_chosen_days(world, as_user, frozen):
    body = as_user(world["anna"])("GET", "/api/dashboard?from=2025-03-24&to=2025-03-30").get_json()
    assert body["period"]["kind"] == "custom"
    assert body["personal"]["calls_made"] == 4


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("period=year", "period"),
        ("from=2025-03-30&to=2025-03-01", "to"),
        ("from=2025-03-01", "to"),
        ("to=2025-03-01", "from"),
        ("period=week&from=2025-03-01&to=2025-03-02", "period"),
        ("from=2024-01-01&to=2025-03-01", "to"),
        ("from=0001-01-01&to=0001-01-02", "from"),
        ("from=yesterday&to=2025-03-01", "from"),
    ],
)
def test_api_refuses_a_bad_period(world, as_user, query, field):
    answer = as_user(world["anna"])("GET", f"/api/dashboard?{query}")
    assert answer.status_code == 422
    assert field in answer.get_json()["errors"]["query"]


def test_a_new_team_has_zeros_not_errors(dbs, as_user):
    admin = UserFactory(role="admin")
    body = as_user(admin)("GET", "/api/dashboard?period=week").get_json()
    assert body["personal"]["calls_made"] == 0 and body["personal"]["revenue"] == {}
    assert body["personal"]["reach_rate"] is None
    assert [row["name"] for row in body["team"]] == [admin.name]


# --- the home page ------------------------------------------------------------------------


def test_home_page_shows_a_bad_period_again_with_its_message(world, client, frozen):
    from tests.conftest import sign_in
    from tests.factories import PASSWORD

    sign_in(client, world["anna"].email, PASSWORD)
    page = client.get("/?from=2025-03-30&to=2025-03-01")
    assert page.status_code == 422
    assert "the last day is before the first" in page.text
    assert 'value="2025-03-30"' in page.text  # the form keeps what was typed
    assert 'data-kpi="calls_made">3<' in page.text  # today's figures meanwhile
    assert 'data-testid="team"' not in page.text


def test_home_page_shows_a_manager_the_team(world, client, frozen):
    from tests.conftest import sign_in
    from tests.factories import PASSWORD

    sign_in(client, world["mia"].email, PASSWORD)
    page = client.get("/?period=week")
    assert page.status_code == 200
    assert 'data-testid="team"' in page.text
    assert page.text.count("<tr data-member=") == 4
    assert "150.00 EUR" in page.text and "100.00 USD" in page.text


def test_home_page_shows_a_manager_the_team_now_reviews_and_the_charts_figures(
    world, client, frozen
):
    from tests.conftest import sign_in
    from tests.factories import PASSWORD

    sign_in(client, world["mia"].email, PASSWORD)
    page = client.get("/?period=today").text
    assert 'data-now="calls_waiting">1<' in page and 'data-now="missed_today">2<' in page
    anna_row = page[page.index("Anna Agent</td>") :].split("</tr>")[0]
    assert '>4.5 <span class="muted">(2)</span></td>' in anna_row  # score (reviews)
    assert "The team's calls" in page
    # The charts' figures as tables: the day (made, taken, missed), its reach rate, the
    # 23 o'clock bucket and the outcomes.
    assert (
        '<td>Sun 30 Mar</td><td class="num">3</td><td class="num">2</td><td class="num">2</td>'
        in page
    )
    # One day: the reach rate by hour (reached, made, rate) for the hours with calls made.
    assert (
        '<td>10:00</td><td class="num">0</td><td class="num">1</td><td class="num">0.0 %</td>'
        in page
    )
    assert (
        '<td>14:00</td><td class="num">1</td><td class="num">1</td><td class="num">100.0 %' in page
    )
    assert (
        '<td>23:00</td><td class="num">0</td><td class="num">1</td><td class="num">1</td>' in page
    )
    assert '<td>Conversation completed</td><td class="num">2</td>' in page
    assert 'data-api="/api/dashboard?period=today"' in page


def test_home_page_charts_of_an_agent_are_their_own(world, client, frozen):
    from tests.conftest import sign_in
    from tests.factories import PASSWORD

    sign_in(client, world["anna"].email, PASSWORD)
    page = client.get("/?from=2025-03-29&to=2025-03-31").text
    assert "Your calls" in page and 'data-testid="team-now"' not in page
    assert '<th class="num">Missed</th>' not in page
    assert '<td>Mon 31 Mar</td><td class="num">0</td><td class="num">1</td></tr>' in page
    # Three days: the reach rate per day.
    assert (
        '<td>Sat 29 Mar</td><td class="num">1</td><td class="num">1</td><td class="num">100.0 %'
        in page
    )
    assert (
        '<td>Mon 31 Mar</td><td class="num">0</td><td class="num">0</td><td class="num">\u2013</td>'
        in page
    )
    assert 'data-api="/api/dashboard?from=2025-03-29&amp;to=2025-03-31"' in page
    assert 'data-kpi="review_score">3.7<' in page  # 4, 5 and 2 over the three days
