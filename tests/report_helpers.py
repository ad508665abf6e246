"""Two days of a team counted by hand, for the reports' tests. The team works in
Europe/Berlin; the report covers Saturday 29 and Sunday 30 March 2025, the night the
clocks went forward: the period runs from 23:00 UTC on the 28th (midnight CET) to 22:00
UTC on the 30th (midnight CEST). A call at 23:30 local on the 30th (21:30 UTC) is in it;
one at midnight on the 31st (22:00 UTC) is not, nor one at 23:30 on the 28th (22:30
UTC). "Now" is Wednesday 2 April.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import update

from tests.factories import CaseFactory, ContactFactory, UserFactory
from tests.integration.test_dashboard import add_call, pay
from tests.order_helpers import make_product, take_order
from voiceapp.models import Call, CaseEvent
from voiceapp.services.team_settings import editable_team_settings

ZONE = "Europe/Berlin"
NOW = datetime(2025, 4, 2, 8, 0, tzinfo=UTC)


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 3, day, hour, minute, tzinfo=UTC)


def outcome(dbs, actor, case, key: str, at: datetime, *, closes: bool = False) -> None:
    """`actor` records outcome `key` on `case` at `at` (closing it when `closes`)."""
    dbs.add(
        CaseEvent(
            case_id=case.id,
            kind="outcome",
            summary=key,
            at=at,
            actor_id=actor.id,
            data={"outcome": key},
        )
    )
    if closes:  # as services.cases.calling closes it
        case.status, case.closed_at, case.closed_by_id = "closed", at, actor.id


def hand_counted_team(dbs) -> dict:
    editable_team_settings(dbs).timezone = ZONE
    anna = UserFactory(name="Anna Agent", role="agent")
    ben = UserFactory(name="Ben Agent", role="agent")
    mia = UserFactory(name="Mia Manager", role="sales_manager")
    ada = UserFactory(name="Ada Admin", role="admin")
    fay = UserFactory(name="Fay Former", role="agent", active=False)
    c1, c2, c3 = ContactFactory(), ContactFactory(), ContactFactory()

    # Anna's calls. Outside: 23:30 on the 28th, midnight on the 31st.
    add_call(dbs, anna, "outbound", utc(28, 22, 30), c1, talk=999)
    add_call(dbs, anna, "outbound", utc(30, 22), c1, talk=999)
    # In: midnight on the 29th (the first instant), a call not answered, 23:30 on the
    # DST Sunday (taken).
    add_call(dbs, anna, "outbound", utc(28, 23), c1, talk=60)
    add_call(dbs, anna, "outbound", utc(29, 10), c1, answered=False)
    add_call(dbs, anna, "inbound", utc(30, 21, 30), c2, talk=300)
    # Customers nobody took, whose calls rang Anna (the 29th), Ben (the 30th), and Ben
    # before the period.
    add_call(dbs, None, "inbound", utc(29, 12), c3, answered=False, leg_agent=anna)
    add_call(dbs, None, "inbound", utc(30, 9), c3, answered=False, leg_agent=ben)
    add_call(dbs, None, "inbound", utc(28, 22, 30), c3, answered=False, leg_agent=ben)
    dbs.flush()
    dbs.execute(
        update(Call)
        .where(Call.parent_sid.is_(None), Call.direction == "inbound", Call.agent_id.is_(None))
        .values(missed=True)
    )
    # A call Anna took while Ben's browser rang too: taken by her, missed by nobody.
    dbs.add(
        Call(
            sid="CAtaken",
            direction="inbound",
            from_number="+4915112345678",
            to_number="+4930901820",
            agent_id=anna.id,
            contact_id=c2.id,
            status="completed",
            started_at=utc(30, 10),
            answered_at=utc(30, 10, 1),
            duration=100,
        )
    )
    for sid, agent, answered in (("CAtaken-anna", anna, True), ("CAtaken-ben", ben, False)):
        dbs.add(
            Call(
                sid=sid,
                parent_sid="CAtaken",
                direction="inbound",
                from_number="+4930901820",
                to_number="client:x",
                agent_id=agent.id,
                contact_id=c2.id,
                status="completed" if answered else "no-answer",
                started_at=utc(30, 10),
                answered_at=utc(30, 10, 1) if answered else None,
                duration=80 if answered else 0,
            )
        )
    # Fay, before she left: one call in the period.
    add_call(dbs, fay, "outbound", utc(29, 15), c1, talk=30)

    # Cases and outcomes. A: opened and closed by Anna on the 29th. B: opened before the
    # period, worked twice by Anna (the second at 23:45 on the DST Sunday), due only after
    # the period (overdue now, not by the period's end); her callback at 00:30 on the 31st
    # is outside. C: opened at 23:50 on the Sunday, due before its midnight (overdue).
    # D: Ben's, opened and closed as an invalid contact.
    a = CaseFactory(contact=c1, assignee_id=anna.id, created_at=utc(29, 8), due_at=utc(29, 9))
    b = CaseFactory(contact=c2, assignee_id=anna.id, created_at=utc(28, 22), due_at=utc(30, 23))
    c = CaseFactory(
        contact=c3, assignee_id=anna.id, created_at=utc(30, 21, 50), due_at=utc(30, 21, 55)
    )
    d = CaseFactory(contact=c3, assignee_id=ben.id, created_at=utc(30, 8), due_at=utc(30, 8))
    outcome(dbs, anna, a, "completed", utc(29, 9), closes=True)
    outcome(dbs, anna, b, "not_reached", utc(29, 11))
    outcome(dbs, anna, b, "not_reached", utc(30, 21, 45))
    outcome(dbs, anna, b, "callback", utc(30, 22, 30))
    outcome(dbs, ben, d, "invalid_contact", utc(30, 8, 30), closes=True)
    del c
    dbs.commit()

    # Orders (119.00 gross, 100.00 net), each opening a "new order" case for the seller due
    # a day later: on the 29th (paid at once; its case due in the period, overdue), at
    # 23:40 on the Sunday (unpaid; its case due after), and one in dollars taken at 23:30
    # on the 28th (outside) but paid on the 29th (revenue in the period; its case due
    # on the 29th, overdue).
    eur, usd = make_product(dbs), make_product(dbs, name="Dollar course", currency="USD")
    paid = take_order(dbs, anna, product=eur, now=utc(29, 10))
    pay(dbs, paid, utc(29, 10, 5))
    take_order(dbs, anna, product=eur, now=utc(30, 21, 40))
    dollars = take_order(dbs, anna, product=usd, now=utc(28, 22, 30))
    pay(dbs, dollars, utc(29, 9))
    dbs.commit()
    return {"anna": anna, "ben": ben, "mia": mia, "ada": ada, "fay": fay}
