"""The `voiceapp` command."""

from __future__ import annotations

import codecs
import itertools
import sys
from pathlib import Path

import click


def _app():
    from voiceapp import create_app
    from voiceapp.config import ConfigError

    try:
        return create_app()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="voiceapp")
def main():
    """voiceapp: telephony-first sales and call-centre application.

    Settings come from the environment (see README.md): DATABASE_URL, REDIS_URL,
    SECRET_KEY, VOICEAPP_ENV, PUBLIC_BASE_URL, TWILIO_*, STRIPE_*, TIMEZONE,
    DEFAULT_REGION.
    """


# --- database ---------------------------------------------------------------------------


@main.group()
def db():
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Target revision.")
def db_upgrade(revision):
    """Apply migrations up to REVISION (creates the database if needed)."""
    from voiceapp.migrate import upgrade

    app = _app()
    url = app.config["VOICEAPP"].resolved_database_url()
    upgrade(url, revision)
    click.echo(f"database at {revision}")


# --- users and tokens --------------------------------------------------------------------


@main.group()
def users():
    """Team members."""


@users.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice(["admin", "sales_manager", "agent"]))
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def users_create(email, name, role, password_stdin):
    """Create a user who can sign in to the panel."""
    from voiceapp import db as database
    from voiceapp.services import accounts

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    app = _app()
    with app.app_context():
        dbs = database.session()
        try:
            user = accounts.create_user(dbs, email=email, name=name, role=role, password=password)
        except accounts.AccountError as exc:
            raise click.ClickException(str(exc)) from exc
        dbs.commit()
        click.echo(f"created user {user.id} {user.email} ({user.role})")


@users.command("list")
def users_list():
    """List users."""
    from sqlalchemy import select

    from voiceapp import db as database
    from voiceapp.models import User

    with _app().app_context():
        for user in database.session().scalars(select(User).order_by(User.id)):
            state = "active" if user.active else "off"
            click.echo(f"{user.id}\t{user.email}\t{user.role}\t{state}\t{user.name}")


@main.group()
def tokens():
    """API tokens."""


@tokens.command("create")
@click.option("--email", required=True, help="The user the token acts as.")
@click.option("--name", default="CLI token", show_default=True)
def tokens_create(email, name):
    """Create an API token and print it (it is shown only this once)."""
    from voiceapp import db as database
    from voiceapp.db import utcnow
    from voiceapp.services import accounts

    with _app().app_context():
        dbs = database.session()
        user = accounts.find_user_by_email(dbs, email)
        if user is None or not user.active:
            raise click.ClickException(f"no active user {email}")
        _row, token = accounts.create_api_token(dbs, user, name=name, now=utcnow())
        dbs.commit()
        click.echo(token)


# --- contacts -----------------------------------------------------------------------------


@main.group()
def contacts():
    """Contacts."""


# Without a terminal (a log, a pipe) the progress bar is hidden; a line every so many rows
# shows progress instead.
PROGRESS_EVERY = 1000


def _scan_lines(path: Path, encoding: str) -> int:
    """Count the file's lines, and refuse it now if any of it does not decode: a bad byte
    far down must not stop the import half-way, after the first batches were committed."""
    try:
        decoder = codecs.getincrementaldecoder(encoding)()
    except LookupError as exc:
        raise click.ClickException(f"unknown encoding {encoding!r}") from exc
    lines, ended = 0, True
    with path.open("rb") as fh:
        for raw in itertools.chain(fh, [b""]):
            try:
                text = decoder.decode(raw, final=not raw)
            except UnicodeDecodeError as exc:
                raise click.ClickException(
                    f"cannot read {path}: line {lines + 1} is not {encoding} text "
                    f"({exc.reason}); name the file's encoding with --encoding, for example "
                    "--encoding cp1252"
                ) from exc
            if text:
                lines += text.count("\n") + text.count("\r") - text.count("\r\n")
                ended = text.endswith(("\n", "\r"))
    return lines + (0 if ended else 1)


@contacts.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--owner", "owner_email", help="E-mail of the user who owns rows without owner.")
@click.option("--encoding", default="utf-8-sig", show_default=True)
def contacts_import(file, owner_email, encoding):
    """Import contacts from a CSV file with a header line. Bad rows are reported by line;
    rows whose phone number is known are merged into that contact."""
    from voiceapp import db as database
    from voiceapp.db import utcnow
    from voiceapp.services import accounts, contact_import

    app = _app()
    total = max(_scan_lines(file, encoding) - 1, 0)
    interactive = sys.stderr.isatty()
    with app.app_context():
        dbs = database.session()
        owner_id = None
        if owner_email:
            owner = accounts.find_user_by_email(dbs, owner_email)
            if owner is None or not owner.active:
                raise click.ClickException(f"no active user {owner_email}")
            owner_id = owner.id
        with (
            file.open(encoding=encoding, newline="") as fh,
            click.progressbar(
                length=total,
                label="importing",
                file=sys.stderr,
                show_pos=True,
                hidden=not interactive,
            ) as bar,
        ):
            done = 0

            def progress(rows: int) -> None:
                nonlocal done
                bar.update(rows - done)
                done = rows
                if not interactive and rows % PROGRESS_EVERY == 0:
                    click.echo(f"importing: {rows} of {total} rows", err=True)

            try:
                report = contact_import.import_contacts_csv(
                    dbs,
                    fh,
                    actor=None,
                    now=utcnow(),
                    default_region=app.config["VOICEAPP"].default_region,
                    default_owner_id=owner_id,
                    on_progress=progress,
                )
            except (contact_import.ImportFormatError, UnicodeDecodeError) as exc:
                dbs.rollback()
                raise click.ClickException(f"cannot read {file}: {exc}") from exc
        dbs.commit()
    for line, reason in report.errors:
        click.echo(f"line {line}: {reason}", err=True)
    if report.ignored_columns:
        click.echo(f"ignored columns: {', '.join(report.ignored_columns)}", err=True)
    click.echo(
        f"{report.rows} rows: {report.created} created, {report.merged} merged, "
        f"{len(report.errors)} refused"
    )
    if report.errors:
        sys.exit(1 if not report.imported else 0)


# --- demo, worker, dev ---------------------------------------------------------------------


@main.group()
def demo():
    """Demo data."""


@demo.command("seed")
def demo_seed():
    """Create a realistic demo team, numbers and contacts (safe to run again)."""
    from voiceapp import db as database
    from voiceapp.demo import DEMO_PASSWORD, seed

    with _app().app_context():
        dbs = database.session()
        summary = seed(dbs)
        dbs.commit()
    click.echo(
        f"demo data: {summary['users']} users, {summary['numbers']} numbers, "
        f"{summary['contacts']} contacts, {summary['cases']} cases added, "
        f"{summary['products']} products, {summary['orders']} phone orders and "
        f"{summary['tasks']} tasks "
        f"(password for every demo user: {DEMO_PASSWORD})"
    )


@main.command()
@click.option("--burst", is_flag=True, help="Run the queued jobs, then stop.")
@click.option("--queue", "queues", multiple=True, default=["default"], show_default=True)
def worker(burst, queues):
    """Run an RQ worker (with RQ's scheduler) for voiceapp's jobs."""
    from workers.worker import run_worker

    run_worker(_app(), list(queues), burst=burst)


@main.command()
@click.option("--interval", default=60, show_default=True, type=int, help="Seconds.")
def clock(interval):
    """Run the periodic jobs (RQ cron): every INTERVAL the sweep hands over work a failed
    relay left behind, re-queues lost jobs, sends late case reminders and e-mails whose job
    was lost; nightly, old panel sessions are purged. One per deployment is enough; more
    are harmless."""
    from workers.clock import run_clock

    run_clock(_app(), interval=interval)


def _add_commands() -> None:
    from voiceapp.devserver import dev
    from voiceapp.sim.commands import sim

    main.add_command(dev)
    main.add_command(sim)


_add_commands()


if __name__ == "__main__":
    main()
