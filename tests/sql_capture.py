"""The SQL a piece of code sends, captured at the cursor: plan tests EXPLAIN exactly what
the app runs, with its parameters."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import event


def sent_selects(dbs, run: Callable[[], object]) -> tuple[object, list[tuple[str, object]]]:
    """`run()`'s result and the SELECT statements it sent, as (SQL, parameters), in order
    (BEGIN and other statements left out)."""
    engine = dbs.get_bind()
    seen: list[tuple[str, object]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _executemany):
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        result = run()
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    return result, [
        (sql, params) for sql, params in seen if sql.lstrip().upper().startswith("SELECT")
    ]
