"""The SQL a piece of code sends, captured at the cursor: plan tests EXPLAIN exactly what
the app runs, with its parameters."""

from __future__ import annotations

import ctypes
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from psycopg.pq import Trace
from sqlalchemy import event


def sent_selects(dbs, run: Callable[[], object]) -> tuple[object, list[tuple[str, object]]]:
    """`run()`'s result and the SELECT statements it sent, as (SQL, parameters), in order
    (BEGIN and other statements left out)."""
    return sent_statements(dbs, run, "SELECT")


def sent_statements(
    dbs, run: Callable[[], object], verb: str
) -> tuple[object, list[tuple[str, object]]]:
    """`run()`'s result and the statements starting with `verb` (SELECT, UPDATE ...) it
    sent, as (SQL, parameters), in order."""
    engine = dbs.get_bind()
    seen: list[tuple[str, object]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _executemany):
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        result = run()
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    return result, [(sql, params) for sql, params in seen if sql.lstrip().upper().startswith(verb)]


def note_precompiled_runs(monkeypatch) -> list[tuple[str, object]]:
    """A list that gets (SQL, driver parameters) of every Precompiled statement run from
    now on (each still runs as it is). They run on the driver's cursor, below
    SQLAlchemy's events, so sent_selects does not see them."""
    from voiceapp.precompiled import Precompiled

    ran: list[tuple[str, object]] = []
    real_run = Precompiled.run

    def noted_run(self, connection, values):
        ran.append((self.sql, self.driver_params(values)))
        return real_run(self, connection, values)

    monkeypatch.setattr(Precompiled, "run", noted_run)
    return ran


def explain(connection, sql: str, params) -> str:
    """The plan of a statement as it was sent (from sent_selects or note_precompiled_runs),
    one line per node: SQLite's EXPLAIN QUERY PLAN, PostgreSQL's EXPLAIN. Precompiled
    statements reach psycopg with $1 placeholders (a RawCursor), the others in pyformat."""
    if connection.dialect.name == "sqlite":
        return "\n".join(
            row[3] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params)
        )
    if isinstance(params, tuple):
        import psycopg

        with psycopg.RawCursor(connection.connection.dbapi_connection) as cursor:
            cursor.execute(f"EXPLAIN {sql}", params)
            return "\n".join(row[0] for row in cursor.fetchall())
    return "\n".join(row[0] for row in connection.exec_driver_sql(f"EXPLAIN {sql}", params))


@contextmanager
def traced_round_trips(engine, trace_file: Path) -> Iterator[Callable[[], list[str]]]:
    """While open, libpq traces every connection `engine` hands out (PostgreSQL, psycopg) to
    `trace_file`; yields a function giving the round trips traced so far, each as the
    messages the client sent before waiting (its statements, BEGIN and COMMIT included).

    A round trip ends with the server's ReadyForQuery. psycopg prepares a statement on its
    fifth run on a connection with a Parse of its own (a round trip that happens once per
    connection and statement); those are left out, so the count does not depend on how
    warm the pool's connections are."""
    traced: list[tuple[object, int]] = []

    def trace(dbapi_connection, _record, _proxy):
        if all(dbapi_connection is not seen for seen, _fd in traced):
            # Each connection writes through a descriptor of its own, closed once libpq
            # stops writing to it.
            descriptor = os.dup(trace_out.fileno())
            dbapi_connection.pgconn.trace(descriptor)
            dbapi_connection.pgconn.set_trace_flags(Trace.SUPPRESS_TIMESTAMPS)
            traced.append((dbapi_connection, descriptor))

    def round_trips() -> list[str]:
        # libpq writes the trace through a C stream that it does not flush: flush them all.
        ctypes.CDLL(None).fflush(None)
        trips, sent = [], []
        for line in trace_file.read_text().splitlines():
            if not line.startswith(("F\t", "B\t")):
                continue  # the rest of a statement written over several lines
            direction, _length, message, *rest = line.split("\t")
            if direction == "F":
                sent.append(f"{message} {rest[0].strip() if rest else ''}".strip())
            elif message == "ReadyForQuery":
                if [m.split(" ")[0] for m in sent] != ["Parse", "Sync"]:
                    trips.append(" | ".join(m for m in sent if m != "Sync"))
                sent = []
        return trips

    with trace_file.open("w") as trace_out:
        event.listen(engine, "checkout", trace)
        try:
            yield round_trips
        finally:
            event.remove(engine, "checkout", trace)
            for dbapi_connection, descriptor in traced:
                dbapi_connection.pgconn.untrace()
                os.close(descriptor)
