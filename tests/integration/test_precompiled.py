"""Precompiled statements run on the driver's cursor give what SQLAlchemy gives: values
bound through the column types (UTCDateTime's storage format on SQLite), aware UTC
datetimes back, in the session's transaction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import bindparam, or_, select

from tests.factories import CaseFactory
from voiceapp.db import UTCDateTime
from voiceapp.models import Case
from voiceapp.precompiled import Precompiled, to_dollar_placeholders

DUE = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _due_before(dialect) -> Precompiled:
    end = bindparam("end", type_=UTCDateTime())
    statement = (
        select(Case.id, Case.due_at)
        .where(Case.due_at < end, Case.language == bindparam("language"))
        # `end` twice: qmark drivers take it once per place.
        .where(or_(Case.claimed_until.is_(None), Case.claimed_until < end))
        .order_by(Case.due_at)
        .limit(1)
    )
    return Precompiled(statement, dialect)


def test_binds_and_reads_as_sqlalchemy_does(dbs):
    on_the_hour = CaseFactory(due_at=DUE)
    CaseFactory(due_at=DUE + timedelta(minutes=1))
    CaseFactory(due_at=DUE - timedelta(minutes=1), language="en")
    dbs.flush()
    connection = dbs.connection()
    query = _due_before(connection.dialect)

    # A due time on the exact second compares equal to the bound value: the bound text
    # has SQLAlchemy's storage format (SQLite compares strings).
    assert query.run(connection, {"end": DUE, "language": "de"}) == []
    rows = query.run(connection, {"end": DUE + timedelta(seconds=1), "language": "de"})
    assert rows == [(on_the_hour.id, DUE)]
    assert rows[0][1].tzinfo is not None and rows[0][1].utcoffset() == timedelta(0)
    # The same statement as SQLAlchemy runs it agrees.
    expected = dbs.execute(
        select(Case.id, Case.due_at)
        .where(Case.due_at < DUE + timedelta(seconds=1), Case.language == "de")
        .order_by(Case.due_at)
        .limit(1)
    ).all()
    assert [tuple(r) for r in expected] == rows


def test_an_aware_time_in_another_zone_binds_as_its_utc_instant(dbs):
    case = CaseFactory(due_at=DUE)
    dbs.flush()
    connection = dbs.connection()
    berlin = DUE.astimezone(ZoneInfo("Europe/Berlin"))
    rows = _due_before(connection.dialect).run(
        connection, {"end": berlin + timedelta(seconds=1), "language": "de"}
    )
    assert [r[0] for r in rows] == [case.id]


def test_a_missing_value_is_named(dbs):
    connection = dbs.connection()
    with pytest.raises(ValueError, match="no value for language"):
        _due_before(connection.dialect).run(connection, {"end": DUE})


def test_only_plain_parameters_are_taken(dbs):
    dialect = dbs.connection().dialect
    with pytest.raises(ValueError, match="plain bound parameters"):
        Precompiled(select(Case.id).where(Case.language.in_(["de", "en"])), dialect)


def test_a_statement_runs_only_on_its_dialect(dbs):
    from sqlalchemy.dialects import postgresql, sqlite

    connection = dbs.connection()
    other = sqlite.dialect() if connection.dialect.name == "postgresql" else postgresql.dialect()
    with pytest.raises(ValueError, match="compiled for"):
        _due_before(other).run(connection, {"end": DUE, "language": "de"})


def test_every_column_of_a_wide_row_reads_as_the_orm_reads_it(dbs):
    """The team settings row (numbers, JSON, booleans, times): some types convert with
    the driver's column type (psycopg's NUMERIC), which only a run's cursor describes."""
    from voiceapp.models import TeamSettings
    from voiceapp.services.team_settings import editable_team_settings

    settings = editable_team_settings(dbs)
    dbs.commit()
    table = TeamSettings.__table__
    query = Precompiled(select(table).where(table.c.id == settings.id), dbs.connection().dialect)
    for _ in range(2):  # the first run learns the types; the second uses what it learnt
        (row,) = query.run(dbs.connection(), {})
        expected = dbs.execute(select(table).where(table.c.id == settings.id)).one()
        assert [(type(v), v) for v in row] == [(type(v), v) for v in expected]


def test_pyformat_becomes_postgresqls_numbered_placeholders():
    sql, names = to_dollar_placeholders(
        "SELECT %(end)s, %(type_0)s WHERE x < %(end)s AND y LIKE 'a%%'"
    )
    assert sql == "SELECT $1, $2 WHERE x < $1 AND y LIKE 'a%'"
    assert names == ("end", "type_0")


def test_explain_sends_the_statement_as_a_run_does(dbs):
    connection = dbs.connection()
    query = _due_before(connection.dialect)
    values = {"end": DUE, "language": "de"}
    if connection.dialect.name == "sqlite":
        plan = "\n".join(row[3] for row in query.explain(connection, values, "EXPLAIN QUERY PLAN"))
        assert "cases" in plan, plan
    else:
        plan = "\n".join(row[0] for row in query.explain(connection, values, "EXPLAIN"))
        assert "on cases" in plan, plan


def test_our_number_is_read_precompiled_and_attached_clean(dbs):
    from tests.factories import UserFactory
    from voiceapp.models import NumberOperator, PhoneNumber
    from voiceapp.services.calls.lifecycle import is_our_number, our_number

    agent = UserFactory()
    number = PhoneNumber(number="+4930901820", friendly_name="Berlin", recording_enabled=True)
    dbs.add(number)
    dbs.flush()
    dbs.add(NumberOperator(phone_number_id=number.id, user_id=agent.id))
    dbs.commit()
    dbs.expunge_all()

    found = our_number(dbs, "+4930901820")
    assert (found.id, found.friendly_name, found.recording_enabled) == (number.id, "Berlin", True)
    assert found in dbs and not dbs.dirty and not dbs.new
    assert our_number(dbs, "+4930901820") is found  # the session's own object
    assert [o.user_id for o in found.operators] == [agent.id]  # loaded when asked for
    assert is_our_number(dbs, "+4930901820") and not is_our_number(dbs, "+4930901821")
    assert our_number(dbs, "+4930901821") is None and our_number(dbs, None) is None
    found.friendly_name = "Berlin Mitte"
    dbs.commit()
    dbs.expunge_all()
    assert dbs.get(PhoneNumber, number.id).friendly_name == "Berlin Mitte"


def test_two_numbers_are_checked_for_ours_in_one_statement(dbs, monkeypatch):
    from tests.sql_capture import note_precompiled_runs
    from voiceapp.models import PhoneNumber
    from voiceapp.services.calls.lifecycle import our_number, our_numbers

    dbs.add_all(
        [PhoneNumber(number="+4930901820", friendly_name="Berlin"), PhoneNumber(number="+4940555")]
    )
    dbs.commit()
    dbs.expunge_all()
    ran = note_precompiled_runs(monkeypatch)

    both = our_numbers(dbs, "+4930901820", "+4940555")
    assert sorted(both) == ["+4930901820", "+4940555"]
    assert both["+4930901820"].friendly_name == "Berlin"
    assert our_number(dbs, "+4930901820") is both["+4930901820"]  # the session's object
    assert not dbs.dirty and not dbs.new
    one = our_numbers(dbs, "+4930901820", "+4915112345678")
    assert list(one) == ["+4930901820"]
    assert our_numbers(dbs, "+4915112345678", None) == {}  # a withheld caller: None
    assert len(ran) == 4, ran  # one statement per question (our_number's included)
    assert our_numbers(dbs, None, None) == {}  # nothing to ask: no statement
    assert len(ran) == 4, ran


def test_writes_run_with_and_without_returning(dbs):
    """An INSERT ... RETURNING gives its rows (JSON and times bound as the ORM binds
    them); an UPDATE without RETURNING gives none and still writes (psycopg has no result
    to fetch for it)."""
    from sqlalchemy import insert, update

    from voiceapp.models import CallEvent

    table = CallEvent.__table__
    columns = ("call_sid", "source", "sequence_number", "idempotency_token", "status", "params")
    connection = dbs.connection()
    add = Precompiled(
        insert(table)
        .values({name: bindparam(f"new_{name}") for name in (*columns, "received_at")})
        .returning(table.c.id, table.c.params, table.c.received_at),
        connection.dialect,
    )
    restate = Precompiled(
        update(table)
        .where(table.c.id == bindparam("event_id"))
        .values(status=bindparam("new_status")),
        connection.dialect,
    )
    values = ("CA1", "status", 2, None, "ringing", {"CallStatus": "ringing", "n": [1, "é"]})
    ((event_id, params, received_at),) = add.run(
        connection,
        {f"new_{name}": value for name, value in zip(columns, values, strict=True)}
        | {"new_received_at": DUE},
    )
    assert (params, received_at) == (values[-1], DUE)
    assert restate.run(connection, {"event_id": event_id, "new_status": "completed"}) == []
    stored = dbs.get(CallEvent, event_id)
    assert (stored.params, stored.received_at, stored.status) == (values[-1], DUE, "completed")


def test_the_cursor_is_described_on_the_first_run_only(dbs, monkeypatch):
    """psycopg builds a new description (an object per column) each time it is asked: for
    a wide row that cost more than the query, so a statement learns its result types once."""
    CaseFactory(due_at=DUE)
    dbs.flush()
    connection = dbs.connection()
    query = _due_before(connection.dialect)
    asked = []
    real = query._execute

    def execute(*args, describe=False, **kwargs):
        asked.append(describe)
        return real(*args, describe=describe, **kwargs)

    monkeypatch.setattr(query, "_execute", execute)
    for _ in range(3):
        (row,) = query.run(connection, {"end": DUE + timedelta(seconds=1), "language": "de"})
        assert row[1] == DUE  # converted to an aware datetime on every run
    assert asked == [True, False, False]


def test_a_write_leaving_out_a_python_side_default_is_refused(dbs):
    """SQLAlchemy computes a column's Python-side default or onupdate (updated_at) when it
    executes; a precompiled run would bind NULL in its place, so the statement is refused
    when it is compiled, naming the column."""
    from sqlalchemy import insert, update

    from voiceapp.models import Call

    table = Call.__table__
    dialect = dbs.connection().dialect
    with pytest.raises(ValueError, match="updated_at"):
        Precompiled(
            update(table).where(table.c.id == bindparam("call_id")).values(status="completed"),
            dialect,
        )
    with pytest.raises(ValueError, match="last_sequence"):
        Precompiled(insert(table).values(sid=bindparam("new_sid")), dialect)
    Precompiled(  # every such column given: taken
        update(table)
        .where(table.c.id == bindparam("call_id"))
        .values(status="completed", updated_at=bindparam("new_updated_at")),
        dialect,
    )


def test_insert_rows_writes_a_few_rows_by_one_statement_each_with_its_defaults(dbs, monkeypatch):
    from tests.factories import ContactFactory
    from tests.sql_capture import note_precompiled_runs
    from voiceapp.models import ContactEvent
    from voiceapp.precompiled import insert_rows

    contact = ContactFactory()
    dbs.commit()
    ran = note_precompiled_runs(monkeypatch)
    rows = [
        {"contact_id": contact.id, "kind": "note", "summary": f"line {n}", "data": {"n": n}}
        for n in range(3)
    ]
    insert_rows(dbs, ContactEvent.__table__, rows)  # occurred_at: its default, utcnow
    assert len(ran) == 1 and ran[0][0].count("(") >= 4, ran
    dbs.commit()
    stored = dbs.scalars(
        select(ContactEvent).where(ContactEvent.kind == "note").order_by(ContactEvent.id)
    ).all()
    assert [(e.summary, e.data) for e in stored] == [(f"line {n}", {"n": n}) for n in range(3)]
    assert all(e.occurred_at.tzinfo is not None for e in stored)
    with pytest.raises(ValueError, match="same columns"):
        insert_rows(dbs, ContactEvent.__table__, [rows[0], {"contact_id": contact.id}])
    insert_rows(dbs, ContactEvent.__table__, [])  # nothing to write: no statement
    assert len(ran) == 1
