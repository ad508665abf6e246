"""Every route of the app, walked from its url_map (panel and API; /twilio/ has its own
matrix), asked by every role about every object state that matters, against ONE table
(table.py). A route without a row fails here, naming it and showing the answers it gave
(ready to check and paste), so nobody adds a route and forgets its rights; a row whose
route is gone fails too.

Each request is made the way people make it: panel pages through the real sign-in with
the form's CSRF token, the API with a bearer token. Around every request the whole
database is compared, so a refused write is seen to change nothing and an allowed one to
change something. Writes get a fresh object per role (the admin's delete must not leave
the agent a 404); reads share one object per state.

The test's members, sessions and tokens are built once for the module (signing in is
slow on purpose); each test empties the other tables first.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from redis import Redis
from sqlalchemy import create_engine

from tests.conftest import TEST_REDIS_URL, TEST_SECRET_KEY
from tests.integration.rights.payloads import payload
from tests.integration.rights.table import EXPECTED, OUT
from tests.integration.rights.world import (
    BODY_OBJECTS,
    KINDS,
    ROLES,
    STATES,
    World,
    changed_tables,
    clear_objects,
    snapshot,
)
from voiceapp import create_app

READS = frozenset({"GET"})


def walk(app) -> dict[tuple[str, str], frozenset]:
    """(method, rule) -> the rule's URL arguments, for every route but /twilio/'s."""
    found = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/twilio/"):
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            found[(method, rule.rule)] = frozenset(rule.arguments)
    return found


# An app only to read the routes from at collection time (the database is never opened).
ROUTES = walk(
    create_app(
        {
            "env": "testing",
            "secret_key": TEST_SECRET_KEY,
            "database_url": "sqlite://",
            "redis_url": TEST_REDIS_URL,
        }
    )
)
ALL_ROWS = sorted(set(ROUTES) | set(EXPECTED), key=lambda mr: (mr[1], mr[0]))


@pytest.fixture
def _clean_state():
    """Replaces the suite's per-test wipe: this module keeps its members between tests
    (see matrix) and empties the other tables itself."""
    yield


@pytest.fixture(scope="module")
def matrix(app, data_app, database_url, _table_names):
    engine = create_engine(database_url)
    with engine.begin() as conn:
        for table in _table_names:
            conn.exec_driver_sql(f"DELETE FROM {table}")
    Redis.from_url(TEST_REDIS_URL).flushdb()
    from voiceapp import db

    with data_app.app_context():
        dbs = db.session()
        world = World.build(dbs, app)
        yield world, engine
        dbs.rollback()
    with engine.begin() as conn:
        for table in _table_names:
            conn.exec_driver_sql(f"DELETE FROM {table}")
    Redis.from_url(TEST_REDIS_URL).flushdb()
    engine.dispose()


def _path(rule: str, args: dict) -> str:
    path = rule
    for name, value in args.items():  # (a body object's id is not in the path)
        for pattern in (f"<{name}>", f"<int:{name}>", f"<path:{name}>", f"<string:{name}>"):
            path = path.replace(pattern, str(value))
    assert "<" not in path, f"{rule}: no value for an argument"
    return path


def _ask(world, engine, method, rule, role, args):
    api = rule.startswith("/api/")
    asker = world.askers[role]
    if rule == "/sign-out" and role != "signed_out":
        asker = world.fresh_asker(role)  # signing out must not end the matrix's session
    kwargs = payload(method, rule, world, args, role)
    before = snapshot(engine)
    response = asker.open(method, _path(rule, args), api=api, **kwargs)
    changes = changed_tables(before, snapshot(engine))
    if changes:
        world.forget_objects()  # a deleted row's id may come back (SQLite)
    location = urlsplit(response.headers.get("Location", ""))
    if (
        role == "signed_out"
        and not api
        and response.status_code == 302
        and location.path == "/sign-in"
        and not changes
    ):
        return OUT, changes
    return (f"{response.status_code}+" if changes else response.status_code), changes


def _observe(world, engine, method, rule, arguments):
    kind = KINDS.get(arguments) if arguments else BODY_OBJECTS.get((method, rule))
    if arguments and kind is None:
        pytest.fail(f"{method} {rule}: add the kind of object {sorted(arguments)} names to KINDS")
    if kind is None:
        return tuple(_ask(world, engine, method, rule, role, {})[0] for role in ROLES), {}
    observed, notes = {}, {}
    for state in STATES[kind]:
        shared = world.url_args(kind, state) if method in READS else None
        row = []
        for role in ROLES:
            args = shared or world.url_args(kind, state)
            cell, changes = _ask(world, engine, method, rule, role, args)
            row.append(cell)
            if changes:
                notes[(state, role)] = changes
        observed[state] = tuple(row)
    return observed, notes


def _format(row) -> str:
    def cells(t):
        return "(" + ", ".join(c if c == OUT else repr(c) for c in t) + ")"

    if isinstance(row, tuple):
        return cells(row)
    return "{\n" + "".join(f"        {s!r}: {cells(t)},\n" for s, t in row.items()) + "    }"


def test_the_walk_finds_panel_and_api_routes():
    """A floor under the walk (not the list under test): an empty walk cannot pass."""
    rules = {rule for _method, rule in ROUTES}
    for expected in ("/contacts/<int:contact_id>", "/api/cases/<int:case_id>/outcome", "/"):
        assert expected in rules
    assert len(ROUTES) >= 80


def test_every_row_of_the_table_is_a_route():
    gone = sorted(set(EXPECTED) - set(ROUTES))
    assert not gone, f"rows for routes that no longer exist (remove them): {gone}"


@pytest.mark.parametrize("method_rule", ALL_ROWS, ids=[f"{m} {r}" for m, r in ALL_ROWS])
def test_rights(matrix, method_rule):
    method, rule = method_rule
    if method_rule not in ROUTES:
        pytest.fail(f"{method} {rule} is in the table but no longer a route: remove its row")
    world, engine = matrix
    clear_objects(engine)
    world.forget_objects()
    observed, notes = _observe(world, engine, method, rule, ROUTES[method_rule])
    key = f"({method!r}, {rule!r})"
    if method_rule not in EXPECTED:
        pytest.fail(
            f"{method} {rule} has no row in the rights table (table.py). Its answers now, "
            f"to check against the rules before pasting:\n    {key}: {_format(observed)},"
        )
    assert observed == EXPECTED[method_rule], (
        f"{method} {rule}: the answers differ from the table.\n"
        f"expected: {_format(EXPECTED[method_rule])}\nobserved: {_format(observed)}\n"
        f"tables changed: {notes}"
    )
