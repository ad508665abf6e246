"""Statements built with SQLAlchemy Core, compiled once, run on the driver's own cursor.

For the few reads on a hot path (an agent's Call today, asked for every few seconds by
every agent), SQLAlchemy's per-execution work (cache key, execution context, Row objects)
costs as much as the database. A `Precompiled` statement is compiled once per dialect to
the driver's own SQL and paramstyle; each run converts the values with the same type
processors SQLAlchemy would use (UTCDateTime included), runs it on the cursor of the
session's connection, in its transaction, and returns plain tuples with result values
converted the same way.

Only statements with plain bound values qualify (no expanding IN lists, no
literal_execute parameters): `Precompiled` refuses the others when it compiles them.
Writes qualify too (an INSERT or UPDATE, with or without RETURNING): a webhook's few
writes are its hot path. A statement returning nothing gives no rows.

On psycopg the statement is also turned, once, into PostgreSQL's own `$1` placeholders
and run on a `RawCursor`, which sends it as it is. psycopg's ordinary cursor parses the
`%(name)s` placeholders on every run, and keeps the result in a cache only for statements
under 4 KB: Call today's is longer, and the parsing cost about 0.2 ms a request.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Select, Table, bindparam
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import instance_state
from sqlalchemy.sql.dml import UpdateBase

from voiceapp.db import begin_if_needed, dialect_insert, mark_written

# What psycopg's pyformat reads in SQLAlchemy's SQL: a named placeholder, or a doubled %.
_PYFORMAT = re.compile(r"%\(([^)]+)\)s|%%")


def to_dollar_placeholders(sql: str) -> tuple[str, tuple[str, ...]]:
    """pyformat SQL -> the same with $1, $2 ... (a name used twice keeps its number) and
    the names in their numbers' order."""
    numbers: dict[str, int] = {}

    def replace(match: re.Match) -> str:
        name = match.group(1)
        if name is None:
            return "%"
        if name not in numbers:
            numbers[name] = len(numbers) + 1
        return f"${numbers[name]}"

    return _PYFORMAT.sub(replace, sql), tuple(numbers)


class Precompiled:
    def __init__(self, statement: Select | UpdateBase, dialect: Dialect):
        compiled = statement.compile(dialect=dialect)
        if compiled.literal_execute_params or compiled.post_compile_params:
            raise ValueError("Precompiled takes only plain bound parameters")
        # A column left out of an INSERT or UPDATE whose Python-side default or onupdate
        # SQLAlchemy would compute at execution (updated_at, say): a run here would bind
        # NULL instead. Such a column must be given.
        prefetch = [
            *getattr(compiled, "insert_prefetch", ()),
            *getattr(compiled, "update_prefetch", ()),
        ]
        if prefetch:
            names = ", ".join(sorted(column.key for column in prefetch))
            raise ValueError(f"Precompiled needs a value for {names} (a Python-side default)")
        self.sql = str(compiled)
        self.dialect_name = dialect.name
        # Values fixed in the statement (a limit of 1, say), bound on every run.
        self._fixed = {
            name: bind.value
            for name, bind in compiled.binds.items()
            if not bind.required and bind.callable is None
        }
        self._required = frozenset(compiled.binds) - frozenset(self._fixed)
        self._bind_processors: dict[str, Callable] = {}
        for name, bind in compiled.binds.items():
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                self._bind_processors[name] = processor
        # qmark drivers (sqlite3) take a tuple in the order the names appear.
        self._positions = tuple(compiled.positiontup) if compiled.positional else None
        self._raw_cursor = None
        if dialect.driver == "psycopg" and dialect.paramstyle == "pyformat":
            import psycopg

            self.sql, self._positions = to_dollar_placeholders(self.sql)
            self._raw_cursor = psycopg.RawCursor
        self._dialect = dialect
        columns = (
            statement.selected_columns
            if isinstance(statement, Select)
            else statement.exported_columns  # what RETURNING gives, if anything
        )
        self._result_types = [col.type.dialect_impl(dialect) for col in columns]
        # Made on the first run: some take the driver's type of the column, as SQLAlchemy
        # gives them (psycopg's NUMERIC, say), known only from a cursor's description.
        self._result_processors: list[tuple[int, Callable]] | None = None

    def driver_params(self, values: Mapping[str, Any]) -> dict | tuple:
        """`values` as the driver takes them: converted by the types' bind processors,
        as a tuple in order for positional placeholders."""
        if missing := self._required - values.keys():
            raise ValueError(f"no value for {', '.join(sorted(missing))}")
        params = {**self._fixed, **values}
        for name, processor in self._bind_processors.items():
            params[name] = processor(params[name])
        if self._positions is None:
            return params
        return tuple(params[name] for name in self._positions)

    def run(self, connection: Connection, values: Mapping[str, Any]) -> list[tuple]:
        """All rows for `values`, in the connection's current transaction."""
        if not self._result_types:  # a write without RETURNING
            self._execute(connection, self.sql, values, fetch=False)
            return []
        describe = self._result_processors is None
        rows, description = self._execute(connection, self.sql, values, describe=describe)
        if describe:
            self._result_processors = self._processors_for(description)
        if not self._result_processors:
            return rows
        converted = []
        for row in rows:
            row = list(row)
            for index, processor in self._result_processors:
                row[index] = processor(row[index])
            converted.append(tuple(row))
        return converted

    def explain(self, connection: Connection, values: Mapping[str, Any], command: str) -> list:
        """The rows of `command` (EXPLAIN QUERY PLAN, EXPLAIN (ANALYZE) ...) for the
        statement and `values`, sent as the statement itself is sent."""
        return self._execute(connection, f"{command} {self.sql}", values)[0]

    def _execute(
        self,
        connection: Connection,
        sql: str,
        values: Mapping[str, Any],
        *,
        fetch: bool = True,
        describe: bool = False,
    ) -> tuple[list, Any]:
        """(the rows, if `fetch`; the cursor's description, if `describe`: psycopg makes it
        anew on each call, an object per column, which cost more than the query for a wide
        row)."""
        if connection.dialect.name != self.dialect_name:
            raise ValueError(f"compiled for {self.dialect_name}, run on {connection.dialect.name}")
        params = self.driver_params(values)
        dbapi_connection = connection.connection.dbapi_connection
        # Below SQLAlchemy, so the BEGIN that read sessions in autocommit send before a
        # write (voiceapp.db) is sent from here.
        begin_if_needed(dbapi_connection, sql)
        if self._raw_cursor is None:
            cursor = connection.connection.cursor()
        else:
            cursor = self._raw_cursor(dbapi_connection)
        try:
            cursor.execute(sql, params)
            return (
                cursor.fetchall() if fetch else [],
                cursor.description if describe else None,
            )
        finally:
            cursor.close()

    def _processors_for(self, description) -> list[tuple[int, Callable]]:
        processors = []
        for index, (kind, column) in enumerate(zip(self._result_types, description, strict=True)):
            processor = kind.result_processor(self._dialect, column[1])
            if processor is not None:
                processors.append((index, processor))
        return processors


def attached(db: Session, model: type, values: Mapping[str, Any]):
    """The `model` object of a row read below the ORM (a Precompiled statement, an INSERT
    ... RETURNING; `values`: every column by attribute name), in `db`: the session's own
    object when it holds one (its changes are the truth), else one made from the row as
    if a query had loaded it: clean, with no INSERT and no second read, its relationships
    loaded when first used."""
    mapper = model.__mapper__
    key = mapper.identity_key_from_primary_key(
        [values[mapper.get_property_by_column(column).key] for column in mapper.primary_key]
    )
    held = db.identity_map.get(key)
    if held is not None:
        return held
    # Made as a query makes a loaded object: no constructor (it sets each attribute
    # through the ORM's events, which cost more than the statement that read the row),
    # the values straight into the object's state.
    obj = mapper.class_manager.new_instance()
    instance_state(obj).dict.update(values)
    make_transient_to_detached(obj)  # persistent once added
    db.add(obj)
    return obj


def attached_row(db: Session, model: type, row: Sequence[Any]):
    """attached() for a row of all of `model`'s table columns, in the table's order (a
    select of the table, an INSERT ... RETURNING of its columns)."""
    mapper = model.__mapper__
    keys = [mapper.get_property_by_column(column).key for column in model.__table__.columns]
    return attached(db, model, dict(zip(keys, row, strict=True)))


@lru_cache(maxsize=64)
def _insert(
    table: Table,
    names: tuple[str, ...],
    dialect: Dialect,
    returning: tuple[str, ...],
    conflict_on: tuple[str, ...] | None,
) -> Precompiled:
    """`conflict_on`: None, no ON CONFLICT; (), skip on any unique constraint; else on
    these columns' constraint."""
    statement = dialect_insert(dialect)(table).values(
        {name: bindparam(f"new_{name}") for name in names}
    )
    if conflict_on is not None:
        statement = statement.on_conflict_do_nothing(index_elements=list(conflict_on) or None)
    if returning:
        statement = statement.returning(*(table.c[name] for name in returning))
    return Precompiled(statement, dialect)


def insert_row(
    db: Session,
    table: Table,
    values: Mapping[str, Any],
    *,
    returning: Sequence[str] = (),
    skip_conflicts: bool = False,
    conflict_on: Sequence[str] | None = None,
) -> tuple | None:
    """INSERT one row of `table` (`values` by column name; a column left out gets its
    Python-side default, as SQLAlchemy would give it), precompiled once per set of names,
    in the session's transaction. Returns the `returning` columns of the row, or None when
    nothing is returned or a conflict skipped the row (`skip_conflicts`: on any unique
    constraint, or on `conflict_on` only). The webhooks' few inserts: through SQLAlchemy's
    execute each cost several times the database's work."""
    values = {**_python_defaults(table, values.keys()), **values}
    connection = db.connection()
    conflicts = tuple(conflict_on or ()) if skip_conflicts or conflict_on else None
    statement = _insert(table, tuple(values), connection.dialect, tuple(returning), conflicts)
    rows = statement.run(connection, {f"new_{name}": value for name, value in values.items()})
    mark_written(db)
    return rows[0] if rows else None


@lru_cache(maxsize=64)
def _insert_many(table: Table, names: tuple[str, ...], count: int, dialect: Dialect) -> Precompiled:
    """INSERT of `count` rows in one VALUES list, each row's values bound as r<i>_<name>
    (typed by hand: SQLAlchemy gives a bound value its column's type in the first row of a
    VALUES list only, and a JSON or UTC time in the next would go to the driver as is)."""
    rows = [
        {name: bindparam(f"r{i}_{name}", type_=table.c[name].type) for name in names}
        for i in range(count)
    ]
    return Precompiled(dialect_insert(dialect)(table).values(rows), dialect)


def insert_rows(db: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """INSERT a few rows of `table` with one statement, in the session's transaction:
    precompiled once per set of names and number of rows (every row names the same
    columns, in any order; a column left out gets its Python-side default), for the
    webhooks' few rows (a new caller's first lines in the contact's history).
    SQLAlchemy's executemany for two rows cost more than the round trip it saves."""
    if not rows:
        return
    if any(row.keys() != rows[0].keys() for row in rows):
        raise ValueError("insert_rows: every row must name the same columns")
    # Each row its own defaults: a callable one (a time, a token) is called per row.
    full_rows = [{**_python_defaults(table, row.keys()), **row} for row in rows]
    names = tuple(full_rows[0])
    values = {f"r{i}_{name}": row[name] for i, row in enumerate(full_rows) for name in names}
    connection = db.connection()
    statement = _insert_many(table, names, len(rows), connection.dialect)
    statement.run(connection, values)
    mark_written(db)


def _python_defaults(table: Table, given) -> dict[str, Any]:
    """The columns of `table` not in `given` that have a Python-side default (a value or a
    function such as utcnow), with that default's value now."""
    defaults = {}
    for column in table.columns:
        default = column.default
        if column.key in given or default is None:
            continue
        if default.is_scalar:
            defaults[column.key] = default.arg
        elif default.is_callable:
            defaults[column.key] = default.arg(None)
    return defaults
