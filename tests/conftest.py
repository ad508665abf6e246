"""Test fixtures: a real database (SQLite by default, PostgreSQL when DATABASE_URL says so)
built by the project's own migrations, a real Redis (database 15, flushed per test), and a
Twilio-signed test client (`tw`) with our Berlin number and IVR menus (`team`).

Each test starts from empty tables; nothing is mocked on our side of the wire.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from redis import Redis
from sqlalchemy import create_engine, text

from tests.http_helpers import assert_redirect
from tests.s3server import s3_bucket, s3_endpoint, s3_settings  # noqa: F401 (fixtures)
from tests.twilio_helpers import TWILIO_SETTINGS
from voiceapp import create_app
from voiceapp.db import Base
from voiceapp.migrate import upgrade
from voiceapp.models import PhoneNumber
from voiceapp.services.team_settings import editable_team_settings

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
TEST_SECRET_KEY = "test-secret-key-0123456789abcdef"
CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')

pytest_plugins = ["tests.clock_plugin"]


def _reset_database(url: str) -> None:
    if url.startswith("postgresql"):
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
            # Test data need not outlive a crash of the machine, so commits do not wait
            # for the disk: each waited 2-3 ms for fsync here, tens of thousands of times a
            # run. Every connection opened from now on gets it, the app's and those of the
            # processes the tests start; what a transaction sees and locks is unchanged.
            name = conn.scalar(text("SELECT current_database()"))
            conn.exec_driver_sql(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
        engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("DATABASE_URL") or (
        f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    )
    _reset_database(url)
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def instance_path(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("instance")


@pytest.fixture(scope="session")
def make_app(database_url, instance_path):
    """Build an app on the test database; keyword arguments override settings."""

    def factory(**overrides):
        settings = {
            "env": "testing",
            "secret_key": TEST_SECRET_KEY,
            "database_url": database_url,
            "redis_url": TEST_REDIS_URL,
            "instance_path": instance_path,
            "default_region": "DE",
            "timezone": "Europe/Berlin",
        }
        settings.update(overrides)
        return create_app(settings)

    return factory


@pytest.fixture(scope="session")
def app(make_app):
    return make_app()


@pytest.fixture(scope="session")
def shared_app(make_app):
    """make_app for tests and fixtures that only use the app they get: the same settings
    give the same app for the whole session. Building an app costs 0.3-0.5 s (werkzeug
    compiles each of its 200-odd routes, flask-smorest writes the OpenAPI document): 42 %
    of the samples of a 150 s profile of the integration tests, when each test built its
    own. A test that
    changes an app, needs two apps with the same settings, or counts on what an app keeps
    in its own memory (a rate limit without Redis) builds its own with make_app."""
    apps = {}

    def factory(**overrides):
        key = frozenset(overrides.items())
        if key not in apps:
            apps[key] = make_app(**overrides)
        return apps[key]

    return factory


@pytest.fixture(scope="session")
def _table_names(app) -> list[str]:
    return [t.name for t in reversed(Base.metadata.sorted_tables)]


# One statement that sets every table's id sequence back to 1 (NULL, harmlessly, for a
# table without one).
_RESTART_IDS = "SELECT " + ", ".join(
    f"setval(pg_get_serial_sequence('{table.name}', 'id'), 1, false)"
    for table in Base.metadata.sorted_tables
    if "id" in table.columns
)


@pytest.fixture(scope="session")
def _cleaning_engine(database_url):
    engine = create_engine(database_url)
    yield engine
    engine.dispose()


def _tables_with_rows(conn, table_names: list[str]) -> list[str]:
    """The tables holding any row, in one round trip: most tests touch a handful of the
    60-odd tables, and a DELETE costs a statement (with its foreign-key checks) even on an
    empty table."""
    probe = " UNION ALL ".join(
        f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM {name})" for name in table_names
    )
    full = {row[0] for row in conn.exec_driver_sql(probe)}
    return [name for name in table_names if name in full]


@pytest.fixture(autouse=True)
def _clean_state(request):
    """Empty every table and the test Redis database before each test."""
    if request.node.path.parent.name == "unit":  # unit tests touch no database
        yield
        return
    engine = request.getfixturevalue("_cleaning_engine")
    table_names = request.getfixturevalue("_table_names")
    with engine.begin() as conn:
        # DELETE, dependents first, rather than one TRUNCATE: a test leaves a few rows, and
        # PostgreSQL's TRUNCATE of 30-odd tables costs 150-250 ms whatever they hold (it
        # makes new files for each), DELETE of the non-empty ones a few ms.
        full = _tables_with_rows(conn, table_names)
        if conn.dialect.name == "postgresql":
            # One round trip for all of them (psycopg sends a statement without parameters
            # as a simple query, which may hold several), and ids start at 1 again, as
            # SQLite's do once a table is empty.
            conn.exec_driver_sql("".join(f"DELETE FROM {name};" for name in full) + _RESTART_IDS)
        else:
            for name in full:
                conn.exec_driver_sql(f"DELETE FROM {name}")
    Redis.from_url(TEST_REDIS_URL).flushdb()
    yield


@pytest.fixture(scope="session")
def data_app(make_app, database_url):
    """A second app on the same database, for test code that creates and inspects rows.

    It must not be the app under test: a request made while that app's context is pushed
    would share its `g` (and so its database session and signed-in user) with the test.
    Its SQLite transactions are deferred, so a test that reads does not hold the write
    lock against the app it is testing; call dbs.rollback() to see what requests wrote.
    """
    from voiceapp.db import Database

    data = make_app()
    data.extensions["voiceapp.db"] = Database(database_url, immediate_transactions=False)
    return data


@pytest.fixture
def ctx(data_app):
    with data_app.app_context():
        yield data_app


@pytest.fixture
def dbs(ctx):
    from voiceapp import db

    return db.session()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def _files_root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("files")


@pytest.fixture
def files_app(shared_app, _files_root):
    """An app whose case files and recordings live in folders of their own, emptied before
    each test (the store makes them again on its first write)."""
    folders = {
        "case_files_path": _files_root / "case-files",
        "recordings_path": _files_root / "recordings",
    }
    for folder in folders.values():
        shutil.rmtree(folder, ignore_errors=True)
    return shared_app(**folders)


@pytest.fixture
def as_user(client, dbs):
    """as_user(user) -> a function making API calls with that user's bearer token."""
    from voiceapp.db import utcnow
    from voiceapp.services.accounts import create_api_token

    def make(user):
        _row, token = create_api_token(dbs, user, name="t", now=utcnow())
        dbs.commit()
        headers = {"Authorization": f"Bearer {token}"}

        def call(method, url, **kwargs):
            return client.open(url, method=method, headers=headers, **kwargs)

        return call

    return make


def csrf_from(html: str) -> str:
    match = CSRF_INPUT.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def sign_in(client, email: str, password: str) -> None:
    page = client.get("/sign-in")
    response = client.post(
        "/sign-in",
        data={"email": email, "password": password, "csrf_token": csrf_from(page.text)},
    )
    assert_redirect(response, "/")  # signed in and on the home page, not a form again


def form_token(client, url: str) -> str:
    return csrf_from(client.get(url).text)


# Our recorded Berlin number (the one Twilio posts inbound calls for).
OUR_NUMBER = "+4930901820"


@pytest.fixture(scope="session")
def twilio_app(make_app):
    """The app configured with the test Twilio account, one for the session (as `app` is):
    building an app costs 0.3-0.5 s (werkzeug compiles each of its 170-odd routes, and
    flask-smorest writes the OpenAPI document), and the webhook tests need hundreds. A test
    that changes an app's settings or extensions builds its own with make_app."""
    return make_app(**TWILIO_SETTINGS)


@pytest.fixture
def tw(twilio_app):
    """A client of the app configured with the test Twilio account."""
    return twilio_app.test_client()


@pytest.fixture
def team(ctx, dbs):
    """Our number (recorded) and the IVR's menus: German and English, two reasons."""
    dbs.add(PhoneNumber(number=OUR_NUMBER, friendly_name="Berlin", recording_enabled=True))
    settings = editable_team_settings(dbs)
    settings.languages = ["de", "en"]
    settings.ivr_case_types = ["new_order", "payment_reminder"]
    dbs.commit()
    return settings
