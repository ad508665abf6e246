"""The calls report (services.reports) and GET /api/reports/calls, against the two days
counted by hand in tests.report_helpers (a DST weekend in Europe/Berlin)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from openpyxl import load_workbook

from tests.factories import UserFactory
from tests.report_helpers import NOW, ZONE, hand_counted_team
from voiceapp.domain.dashboard import period_for
from voiceapp.services.reports.tables import build_report, members_for
from voiceapp.services.team_settings import editable_team_settings

D = Decimal
DAYS = "from=2025-03-29&to=2025-03-30"


@pytest.fixture
def world(dbs):
    return hand_counted_team(dbs)


def report(dbs, ids=None, first=date(2025, 3, 29), last=date(2025, 3, 30)):
    period = period_for(None, now=NOW, zone=ZONE, first=first, last=last)
    return build_report(dbs, period, members_for(dbs, ids), now=NOW)


def rows(table) -> dict:
    return {
        row["member"]: {k: v for k, v in row.items() if k not in ("member", "member_id")}
        for row in table.rows
    }


ANNA_CALLS = {
    "calls_made": 2,
    "calls_answered": 1,
    "reach_rate": D("50.0"),
    "calls_taken": 2,
    "calls_missed": 1,
    "customers_reached": 2,
    "talk_seconds": 60 + 300 + 80,
}


def test_calls_per_member_counted_by_hand(world, dbs):
    calls = rows(report(dbs).tables["calls"])
    assert list(calls) == ["Ada Admin", "Anna Agent", "Ben Agent", "Mia Manager"]
    assert calls["Anna Agent"] == ANNA_CALLS
    assert calls["Ben Agent"] == {
        "calls_made": 0,
        "calls_answered": 0,
        "reach_rate": None,
        "calls_taken": 0,
        "calls_missed": 1,
        "customers_reached": 0,
        "talk_seconds": 0,
    }
    assert calls["Mia Manager"]["calls_missed"] == 0


def test_outcomes_cases_funnel_and_revenue_counted_by_hand(world, dbs):
    tables = report(dbs, [world["anna"].id, world["ben"].id]).tables
    outcomes = rows(tables["outcomes"])
    assert outcomes["Anna Agent"] == {
        "completed": 1,
        "not_reached": 2,
        "callback": 0,
        "already_paid": 0,
        "cancelled": 0,
        "invalid_contact": 0,
        "total": 3,
    }
    assert outcomes["Ben Agent"]["invalid_contact"] == outcomes["Ben Agent"]["total"] == 1
    cases = rows(tables["cases"])
    # Opened: A, C and the two orders' cases of the period. Overdue by the period's end:
    # C, the paid order's case and the dollar order's case (B is due after).
    assert cases["Anna Agent"] == {"cases_opened": 4, "cases_closed": 1, "cases_overdue": 3}
    assert cases["Ben Agent"] == {"cases_opened": 1, "cases_closed": 1, "cases_overdue": 0}
    funnel = rows(tables["funnel"])
    assert funnel["Anna Agent"] == {
        "calls": 4,
        "reached": 3,
        "orders": 2,
        "paid_orders": 1,
        "reached_rate": D("75.0"),
        "order_rate": D("66.7"),
        "paid_rate": D("50.0"),
    }
    assert funnel["Ben Agent"]["reached_rate"] is None
    assert [(r["member"], r["currency"], r["revenue"]) for r in tables["revenue"].rows] == [
        ("Anna Agent", "EUR", D("100.00")),
        ("Anna Agent", "USD", D("100.00")),
    ]


def test_a_former_member_is_reported_when_chosen(world, dbs):
    calls = rows(report(dbs, [world["fay"].id]).tables["calls"])
    assert calls == {"Fay Former": calls["Fay Former"]}
    assert (calls["Fay Former"]["calls_made"], calls["Fay Former"]["talk_seconds"]) == (1, 30)


def test_the_day_after_the_clocks_changed_holds_only_its_own_calls(world, dbs):
    day = report(dbs, [world["anna"].id], date(2025, 3, 31), date(2025, 3, 31))
    anna = rows(day.tables["calls"])["Anna Agent"]
    assert (anna["calls_made"], anna["talk_seconds"]) == (1, 999)


# --- the API ------------------------------------------------------------------------------


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_api_json_has_one_key_per_table(world, as_user, frozen):
    answer = as_user(world["mia"])("GET", f"/api/reports/calls?{DAYS}")
    assert answer.status_code == 200
    body = answer.get_json()
    assert sorted(body) == ["calls", "cases", "funnel", "outcomes", "period", "revenue"]
    assert (body["period"]["from"], body["period"]["to"]) == ("2025-03-29", "2025-03-30")
    anna = next(row for row in body["calls"] if row["member"] == "Anna Agent")
    assert anna == {
        "member_id": world["anna"].id,
        "member": "Anna Agent",
        **ANNA_CALLS,
        "reach_rate": "50.0",
    }
    assert body["revenue"][0] == {
        "member_id": world["anna"].id,
        "member": "Anna Agent",
        "currency": "EUR",
        "revenue": "100.00",
    }
    assert len(body["outcomes"]) == 4


def test_api_xlsx_opens_with_typed_cells(world, as_user, frozen):
    ids = f"agent_id={world['ben'].id}&agent_id={world['anna'].id}"
    answer = as_user(world["ada"])("GET", f"/api/reports/calls?{DAYS}&{ids}&format=xlsx")
    assert answer.status_code == 200
    assert answer.mimetype.endswith("spreadsheetml.sheet")
    assert (
        'filename="calls-report-2025-03-29-to-2025-03-30.xlsx"'
        in answer.headers["Content-Disposition"]
    )
    book = load_workbook(io.BytesIO(answer.data))
    assert book.sheetnames == ["Calls", "Outcomes", "Cases", "Funnel", "Revenue"]
    calls = book["Calls"]
    assert calls.freeze_panes == "A5"
    assert (calls["B2"].value, calls["D2"].value) == (datetime(2025, 3, 29), datetime(2025, 3, 30))
    assert calls["B2"].is_date and calls["F2"].value == ZONE
    header = [cell.value for cell in calls[4]]
    assert header == [
        "Member",
        "Made",
        "Answered",
        "Reach rate",
        "Taken",
        "Missed",
        "Customers reached",
        "Talk time",
    ]
    assert all(cell.font.bold for cell in calls[4])
    anna = [cell for cell in calls[5]]  # members by name: Anna, then Ben
    assert [cell.value for cell in anna] == [
        "Anna Agent",
        2,
        1,
        pytest.approx(0.5),
        2,
        1,
        2,
        timedelta(seconds=440),
    ]
    assert anna[3].number_format == "0.0%" and anna[7].number_format == "[h]:mm:ss"
    assert isinstance(anna[1].value, int)
    assert calls["A6"].value == "Ben Agent" and calls["D6"].value is None
    revenue = book["Revenue"]
    assert [c.value for c in revenue[5][:3]] == ["Anna Agent", "EUR", 100]
    assert revenue["C5"].number_format == '#,##0.00 "EUR"'
    assert revenue["C6"].value == 100 and revenue["C6"].number_format == '#,##0.00 "USD"'
    funnel = book["Funnel"]
    assert [c.value for c in funnel[5]][:5] == ["Anna Agent", 4, 3, 2, 1]
    assert calls.column_dimensions["A"].width == 28


def test_api_csv_holds_the_table_asked_for(world, as_user, frozen):
    ask = as_user(world["mia"])
    answer = ask("GET", f"/api/reports/calls?{DAYS}&agent_id={world['anna'].id}&format=csv")
    assert answer.mimetype == "text/csv"
    assert (
        "calls-report-calls-2025-03-29-to-2025-03-30.csv" in answer.headers["Content-Disposition"]
    )
    (anna,) = list(csv.DictReader(io.StringIO(answer.text)))
    assert anna == {
        "Member": "Anna Agent",
        "Made": "2",
        "Answered": "1",
        "Reach rate (%)": "50.0",
        "Taken": "2",
        "Missed": "1",
        "Customers reached": "2",
        "Talk time (seconds)": "440",
    }
    funnel = ask("GET", f"/api/reports/calls?{DAYS}&format=csv&table=funnel").text
    by_name = {row["Member"]: row for row in csv.DictReader(io.StringIO(funnel))}
    assert by_name["Anna Agent"]["Paid / orders (%)"] == "50.0"
    assert by_name["Ben Agent"]["Reached / calls (%)"] == ""


def test_a_name_like_a_formula_is_written_as_text(dbs, as_user, frozen):
    editable_team_settings(dbs).timezone = ZONE
    sly = UserFactory(name='=HYPERLINK("http://x")', role="agent")
    mia = UserFactory(role="sales_manager")
    ask = as_user(mia)
    text = ask("GET", f"/api/reports/calls?{DAYS}&agent_id={sly.id}&format=csv").text
    assert "'=HYPERLINK" in text
    data = ask("GET", f"/api/reports/calls?{DAYS}&agent_id={sly.id}&format=xlsx").data
    cell = load_workbook(io.BytesIO(data))["Calls"]["A5"]
    assert cell.data_type == "s" and cell.value.startswith("'=")


def test_agents_may_not_read_reports(world, as_user):
    answer = as_user(world["anna"])("GET", f"/api/reports/calls?{DAYS}")
    assert answer.status_code == 403
    assert as_user(world["anna"])("GET", "/api/reports/calls?from=x").status_code == 403


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2025-03-30&to=2025-03-01", "to"),
        ("from=2025-03-01", "to"),
        ("to=2025-03-01", "from"),
        ("from=2024-01-01&to=2025-03-01", "to"),
        ("from=yesterday&to=2025-03-01", "from"),
        ("from=0001-01-01&to=0001-01-02", "from"),
        (f"{DAYS}&agent_id=999", "agent_id"),
        (f"{DAYS}&agent_id=abc", "agent_id"),
        (f"{DAYS}&format=pdf", "format"),
        (f"{DAYS}&table=calls", "table"),
        (f"{DAYS}&format=csv&table=nope", "table"),
    ],
)
def test_api_refuses_bad_input_with_the_field(world, as_user, query, field):
    answer = as_user(world["mia"])("GET", f"/api/reports/calls?{query}")
    assert answer.status_code == 422
    assert field in answer.get_json()["errors"]["query"]


def test_a_new_team_reports_zeros(dbs, as_user):
    admin = UserFactory(role="admin", name="Only Admin")
    body = as_user(admin)("GET", f"/api/reports/calls?{DAYS}").get_json()
    assert [row["calls_made"] for row in body["calls"]] == [0]
    assert body["revenue"] == []
