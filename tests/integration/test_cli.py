"""The `voiceapp` command, run through click's CliRunner with the environment pointing at
the test database and the test Redis, the way an operator runs it."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from click.testing import CliRunner, Result
from redis import Redis
from rq import Queue
from sqlalchemy import create_engine, func, inspect, select, text

import voiceapp
import workers.context
from tests.conftest import TEST_REDIS_URL, TEST_SECRET_KEY, sign_in
from tests.factories import UserFactory
from voiceapp import db
from voiceapp.cli import main
from voiceapp.db import utcnow
from voiceapp.demo import DEMO_USERS
from voiceapp.models import (
    ApiToken,
    Case,
    Contact,
    ContactPhone,
    PhoneNumber,
    Task,
    User,
    UserSession,
)


@pytest.fixture(autouse=True)
def cli_env(monkeypatch, database_url, instance_path):
    """The settings the command reads, as the fixtures' app has them."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("REDIS_URL", TEST_REDIS_URL)
    monkeypatch.setenv("SECRET_KEY", TEST_SECRET_KEY)
    monkeypatch.setenv("VOICEAPP_ENV", "testing")
    monkeypatch.setenv("VOICEAPP_INSTANCE_PATH", str(instance_path))
    monkeypatch.setenv("DEFAULT_REGION", "DE")
    for name in ("PUBLIC_BASE_URL", "TRUSTED_PROXIES", "TIMEZONE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def _close_cli_apps(monkeypatch):
    """Every command builds its own app; close their database connections afterwards."""
    built = []
    real_create_app = voiceapp.create_app

    def create_app(*args, **kwargs):
        app = real_create_app(*args, **kwargs)
        built.append(app)
        return app

    monkeypatch.setattr(voiceapp, "create_app", create_app)
    monkeypatch.setattr(workers.context, "_app", None)
    yield
    for app in built:
        app.extensions["voiceapp.db"].engine.dispose()


def invoke(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=input)


def assert_clean_failure(result: Result, code: int = 1) -> None:
    """A refusal an operator can read: an exit code and an "Error:" line, no traceback."""
    assert result.exit_code == code, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Error:" in result.output
    assert "Traceback" not in result.output


def count(app, model) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(model))


def make_user(app, **kwargs) -> User:
    with app.app_context():
        return UserFactory(**kwargs)


# --- help ---------------------------------------------------------------------------------


def test_help_lists_every_command():
    result = invoke("--help")
    assert result.exit_code == 0
    listed = re.findall(r"^  (\S+)\s", result.output.split("Commands:")[1], re.MULTILINE)
    assert set(listed) == {
        *("db", "users", "tokens", "contacts", "demo", "worker", "clock", "dev", "sim")
    }
    assert "DATABASE_URL" in result.output  # where the settings come from


@pytest.mark.parametrize(
    ("group", "commands"),
    [
        ("db", {"upgrade"}),
        ("users", {"create", "list"}),
        ("tokens", {"create"}),
        ("contacts", {"import"}),
        ("demo", {"seed"}),
        ("sim", {"serve", "call", "day"}),
    ],
)
def test_help_of_each_group_lists_its_commands(group, commands):
    result = invoke(group, "--help")
    assert result.exit_code == 0
    listed = re.findall(r"^  (\S+)\s", result.output.split("Commands:")[1], re.MULTILINE)
    assert set(listed) == commands


def test_short_help_option_works_too():
    assert invoke("users", "create", "-h").output == invoke("users", "create", "--help").output


# --- users --------------------------------------------------------------------------------


def test_users_create_reads_the_password_from_stdin_and_the_user_can_sign_in(app, client):
    password = "a long and secret password"
    result = invoke(
        "users",
        "create",
        "--email",
        " Mia@Example.com ",
        "--name",
        "Mia Manager",
        "--role",
        "sales_manager",
        "--password-stdin",
        input=password + "\n",
    )

    assert result.exit_code == 0, result.output
    assert "mia@example.com (sales_manager)" in result.stdout
    assert password not in result.output
    with app.app_context():
        user = db.session().scalars(select(User)).one()
        assert (user.email, user.name, user.role, user.active) == (
            "mia@example.com",
            "Mia Manager",
            "sales_manager",
            True,
        )
        assert password not in user.password_hash

    sign_in(client, "mia@example.com", password)
    assert client.get("/contacts/import").status_code == 200  # a manager's page


def test_users_list_shows_every_user(app):
    make_user(app, email="mia@example.com", name="Mia Manager", role="sales_manager")
    make_user(app, email="jo@example.com", name="Jo Agent", active=False)
    result = invoke("users", "list")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert [line.split("\t")[1:] for line in lines] == [
        ["mia@example.com", "sales_manager", "active", "Mia Manager"],
        ["jo@example.com", "agent", "off", "Jo Agent"],
    ]


@pytest.mark.parametrize(
    ("email", "name", "role", "password", "code", "reason"),
    [
        ("MIA@example.com", "Mia", "agent", "long enough password", 1, "already exists"),
        ("new@example.com", "New", "boss", "long enough password", 2, "'boss' is not one of"),
        ("new@example.com", "New", "agent", "short", 1, "at least 10 characters"),
        ("new@example.com", "New", "agent", "", 1, "at least 10 characters"),
        ("not-an-email", "New", "agent", "long enough password", 1, "not an e-mail address"),
        ("new@example.com", "   ", "agent", "long enough password", 1, "a name is required"),
    ],
    ids=["duplicate-email", "bad-role", "short-password", "no-password", "bad-email", "no-name"],
)
def test_users_create_refuses_bad_input_and_creates_nobody(
    app, email, name, role, password, code, reason
):
    make_user(app, email="mia@example.com", role="sales_manager")
    result = invoke(
        "users",
        "create",
        "--email",
        email,
        "--name",
        name,
        "--role",
        role,
        "--password-stdin",
        input=password + "\n",
    )
    assert_clean_failure(result, code)
    assert reason in result.output
    with app.app_context():
        assert db.session().scalars(select(User.email)).all() == ["mia@example.com"]


# --- tokens -------------------------------------------------------------------------------


def test_tokens_create_prints_a_token_that_authenticates_the_api(app, client, database_url):
    make_user(app, email="jo@example.com", role="agent")

    result = invoke("tokens", "create", "--email", "Jo@Example.com", "--name", "CRM sync")

    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert "\n" not in token and len(token) > 30
    assert result.output.count(token) == 1

    answer = client.get("/api/contacts", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text
    assert answer.json["total"] == 0
    wrong = client.get("/api/contacts", headers={"Authorization": f"Bearer {token}x"})
    assert wrong.status_code == 401
    assert client.get("/api/contacts").status_code == 401

    # Stored only as a hash: nothing in the table lets one rebuild the token.
    engine = create_engine(database_url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM api_tokens")).mappings().all()
    engine.dispose()
    assert len(rows) == 1
    assert all(token not in str(value) for value in rows[0].values())
    assert rows[0]["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert rows[0]["name"] == "CRM sync"


def test_each_token_is_new(app):
    make_user(app, email="jo@example.com")
    first = invoke("tokens", "create", "--email", "jo@example.com").stdout.strip()
    second = invoke("tokens", "create", "--email", "jo@example.com").stdout.strip()
    assert first != second
    assert count(app, ApiToken) == 2


@pytest.mark.parametrize("email", ["ghost@example.com", "gone@example.com"])
def test_tokens_create_for_an_unknown_or_inactive_user_is_refused(app, email):
    make_user(app, email="gone@example.com", active=False)
    result = invoke("tokens", "create", "--email", email)
    assert_clean_failure(result)
    assert f"no active user {email}" in result.output
    assert count(app, ApiToken) == 0


# --- contacts import ----------------------------------------------------------------------

GOOD_AND_BAD = (
    "first_name,last_name,mobile,email\n"
    "Anna,Müller,0151 12345678,anna@example.com\n"
    "Bad,Phone,12,\n"
    "Ben,Bauer,+49 151 12345679,\n"
)


def contacts_in(app) -> list[tuple[str, str, list[str], int | None]]:
    with app.app_context():
        rows = db.session().scalars(select(Contact).order_by(Contact.id)).all()
        return [(c.first_name, c.last_name, [p.number for p in c.phones], c.owner_id) for c in rows]


def test_contacts_import_prints_the_summary_and_each_refused_line(app, tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_text(GOOD_AND_BAD, encoding="utf-8")

    result = invoke("contacts", "import", str(path))

    assert result.exit_code == 0, result.output
    assert "3 rows: 2 created, 0 merged, 1 refused" in result.stdout
    assert "line 3: phones: number: not a valid phone number: '12'" in result.stderr
    assert contacts_in(app) == [
        ("Anna", "Müller", ["+4915112345678"], None),
        ("Ben", "Bauer", ["+4915112345679"], None),
    ]


def test_contacts_import_twice_merges_instead_of_doubling(app, tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_text(GOOD_AND_BAD, encoding="utf-8")
    invoke("contacts", "import", str(path))

    result = invoke("contacts", "import", str(path))

    assert "3 rows: 0 created, 2 merged, 1 refused" in result.stdout
    assert count(app, Contact) == 2
    assert count(app, ContactPhone) == 2


def test_contacts_import_reports_columns_it_ignored(tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_text("Vorname;Lieblingsfarbe;Handy\nAnna;blau;0151 12345678\n", encoding="utf-8")
    result = invoke("contacts", "import", str(path))
    assert result.exit_code == 0
    assert "ignored columns: Lieblingsfarbe" in result.stderr
    assert "1 rows: 1 created" in result.stdout


def test_contacts_import_fails_when_every_row_is_refused(app, tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_text("first_name,phone\nBad,12\nWorse,13\n", encoding="utf-8")
    result = invoke("contacts", "import", str(path))
    assert result.exit_code == 1
    assert "2 rows: 0 created, 0 merged, 2 refused" in result.stdout
    assert "line 2:" in result.stderr and "line 3:" in result.stderr
    assert count(app, Contact) == 0


def test_contacts_import_with_an_owner(app, tmp_path):
    mia = make_user(app, email="mia@example.com", role="sales_manager")
    path = tmp_path / "contacts.csv"
    path.write_text(GOOD_AND_BAD, encoding="utf-8")
    result = invoke("contacts", "import", str(path), "--owner", "Mia@example.com")
    assert result.exit_code == 0, result.output
    assert [owner for *_, owner in contacts_in(app)] == [mia.id, mia.id]


@pytest.mark.parametrize("owner", ["ghost@example.com", "gone@example.com"])
def test_contacts_import_with_an_unknown_or_inactive_owner_imports_nothing(app, tmp_path, owner):
    make_user(app, email="gone@example.com", active=False)
    path = tmp_path / "contacts.csv"
    path.write_text(GOOD_AND_BAD, encoding="utf-8")
    result = invoke("contacts", "import", str(path), "--owner", owner)
    assert_clean_failure(result)
    assert owner in result.output
    assert count(app, Contact) == 0


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "the file is empty"),
        (b"foo,bar\n1,2\n", "no known column"),
        (b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)) * 50, "cannot read"),
        (b'"' + b"x" * 200_000, "not valid CSV"),
    ],
    ids=["empty", "no-known-column", "binary", "endless-quote"],
)
def test_contacts_import_of_a_file_that_is_not_a_contact_csv(app, tmp_path, content, reason):
    path = tmp_path / "upload.csv"
    path.write_bytes(content)
    result = invoke("contacts", "import", str(path))
    assert_clean_failure(result)
    assert "cannot read" in result.output and reason in result.output
    assert count(app, Contact) == 0


def test_contacts_import_of_a_missing_file(tmp_path):
    result = invoke("contacts", "import", str(tmp_path / "nope.csv"))
    assert_clean_failure(result, 2)
    assert "does not exist" in result.output


def test_a_windows_1252_file_needs_its_encoding_named(app, tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_bytes("Vorname;Nachname;Handy\r\nJürgen;Weiß;0151 12345678\r\n".encode("cp1252"))

    refused = invoke("contacts", "import", str(path))
    assert_clean_failure(refused)
    assert "--encoding" in refused.output
    assert count(app, Contact) == 0

    result = invoke("contacts", "import", str(path), "--encoding", "cp1252")
    assert result.exit_code == 0, result.output
    assert contacts_in(app) == [("Jürgen", "Weiß", ["+4915112345678"], None)]


def test_a_bad_byte_late_in_a_large_file_imports_nothing(app, tmp_path):
    # Far past the first batch of rows: nothing may be committed before the error shows.
    rows = "".join(f"Person{i},0151 {20_000_000 + i},{'x' * 80}\n" for i in range(1200))
    path = tmp_path / "contacts.csv"
    path.write_bytes(
        b"first_name,mobile,notes\n" + rows.encode() + "Jürgen,0151 1,\n".encode("cp1252")
    )
    assert path.stat().st_size > 100_000  # well past what is read to guess the separator

    result = invoke("contacts", "import", str(path))

    assert count(app, Contact) == 0
    assert_clean_failure(result)
    assert "line 1202 is not utf-8-sig text" in result.output
    assert "--encoding" in result.output


def test_an_unknown_encoding_is_refused(app, tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_text(GOOD_AND_BAD, encoding="utf-8")
    result = invoke("contacts", "import", str(path), "--encoding", "klingon")
    assert_clean_failure(result)
    assert "klingon" in result.output
    assert count(app, Contact) == 0


def test_contacts_import_shows_progress_for_a_large_file(app, tmp_path):
    # Without a terminal (as here) the bar is hidden and a line every 1000 rows read,
    # refused ones included, shows how far the import is.
    rows = "".join(
        f"Person{i},{'12' if i % 500 == 499 else f'0151 {20_000_000 + i}'}\n" for i in range(2000)
    )
    path = tmp_path / "big.csv"
    path.write_text("first_name,mobile\n" + rows, encoding="utf-8")

    result = invoke("contacts", "import", str(path))

    assert result.exit_code == 0, result.output
    assert "2000 rows: 1996 created, 0 merged, 4 refused" in result.stdout
    progress = re.findall(r"^importing: (\d+) of 2000 rows$", result.stderr, re.MULTILINE)
    assert progress == ["1000", "2000"]
    assert [line for line in result.stderr.splitlines() if line.startswith("line ")] == [
        f"line {n}: phones: number: not a valid phone number: '12'" for n in (501, 1001, 1501, 2001)
    ]
    assert count(app, Contact) == 1996


# --- demo seed ----------------------------------------------------------------------------


def test_demo_seed_twice_adds_nothing_the_second_time(app, client):
    first = invoke("demo", "seed")
    assert first.exit_code == 0, first.output
    added = re.search(
        r"(\d+) users, (\d+) numbers, (\d+) contacts, (\d+) cases added", first.stdout
    )
    assert added and all(int(n) > 0 for n in added.groups())
    counts = {m: count(app, m) for m in (User, PhoneNumber, Contact, ContactPhone, Case)}
    assert counts[User] == len(DEMO_USERS) == int(added.group(1))
    assert counts[Contact] == int(added.group(3))
    assert counts[Case] == int(added.group(4))

    second = invoke("demo", "seed")
    assert second.exit_code == 0, second.output
    assert "0 users, 0 numbers, 0 contacts, 0 cases added" in second.stdout
    assert re.search(r"and (\d+) tasks", first.stdout).group(1) == str(count(app, Task))
    assert "and 0 tasks" in second.stdout
    assert {m: count(app, m) for m in counts} == counts

    # The demo users can sign in with the password the command printed.
    password = re.search(r"password for every demo user: (\S+)\)", first.stdout).group(1)
    sign_in(client, DEMO_USERS[0][0], password)


# --- db upgrade and settings --------------------------------------------------------------


def test_db_upgrade_builds_a_fresh_database(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)

    result = invoke("db", "upgrade")
    again = invoke("db", "upgrade")

    assert result.exit_code == 0, result.output
    assert "database at head" in result.stdout
    assert again.exit_code == 0, again.output
    engine = create_engine(url)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert {"users", "contacts", "contact_phones", "api_tokens", "alembic_version"} <= tables


@pytest.mark.parametrize(
    "args",
    [
        ("users", "list"),
        ("db", "upgrade"),
        ("tokens", "create", "--email", "jo@example.com"),
        ("demo", "seed"),
        ("worker", "--burst"),
    ],
    ids=lambda args: " ".join(args[:2]),
)
def test_a_missing_secret_key_in_production_is_a_clear_error(app, monkeypatch, args):
    monkeypatch.delenv("SECRET_KEY")
    monkeypatch.setenv("VOICEAPP_ENV", "production")
    result = invoke(*args)
    assert_clean_failure(result)
    assert "SECRET_KEY is not set" in result.output
    assert count(app, User) == 0


def test_users_create_without_secret_key_changes_nothing(app, monkeypatch):
    monkeypatch.delenv("SECRET_KEY")
    monkeypatch.setenv("VOICEAPP_ENV", "production")
    result = invoke(
        "users",
        *("create", "--email", "a@example.com", "--name", "A", "--role", "admin"),
        "--password-stdin",
        input="long enough password\n",
    )
    assert_clean_failure(result)
    assert "SECRET_KEY is not set" in result.output
    assert count(app, User) == 0


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("VOICEAPP_ENV", "staging", "VOICEAPP_ENV must be one of"),
        ("TRUSTED_PROXIES", "two", "TRUSTED_PROXIES must be a whole number"),
    ],
)
def test_other_bad_settings_are_clear_errors(monkeypatch, name, value, reason):
    monkeypatch.setenv(name, value)
    result = invoke("users", "list")
    assert_clean_failure(result)
    assert reason in result.output


# --- worker -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "job_name",
    [
        "workers.repairs.purge_old_sessions",
        # Queued by the release before the jobs moved to workers/: still runs.
        "voiceapp.jobs.purge_old_sessions",
    ],
)
def test_worker_burst_runs_queued_jobs(app, job_name):
    now = utcnow()
    user = make_user(app)
    with app.app_context():
        dbs = db.session()
        for name, age in (("old", timedelta(days=40)), ("fresh", timedelta(days=1))):
            dbs.add(
                UserSession(
                    token_hash=hashlib.sha256(name.encode()).hexdigest(),
                    user_id=user.id,
                    created_at=now - age,
                    last_seen_at=now - age,
                    ended_at=now - age,
                )
            )
        dbs.commit()
    job = Queue("default", connection=Redis.from_url(TEST_REDIS_URL)).enqueue(job_name)

    result = invoke("worker", "--burst")

    assert result.exit_code == 0, result.output
    assert job.get_status(refresh=True) == "finished", job.latest_result()
    assert job.return_value() == 1
    with app.app_context():
        left = db.session().scalars(select(UserSession.token_hash)).all()
    assert left == [hashlib.sha256(b"fresh").hexdigest()]


def test_worker_burst_with_nothing_queued_stops(app):
    result = invoke("worker", "--burst", "--queue", "default", "--queue", "calls")
    assert result.exit_code == 0, result.output
