"""The SQL a piece of code sends, captured at the cursor: plan tests EXPLAIN exactly what
the app runs, with its parameters."""

from __future__ import annotations

from collections.abc import Callable

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
