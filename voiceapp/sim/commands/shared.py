"""What the `voiceapp sim` commands share: where the simulator is (VOICEAPP_SIM_URL, else
what `voiceapp dev` wrote in the instance folder), the clients that reach it and the app, a
call's log line printed, the app's first manager."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import click

DEFAULT_SIM_URL = "http://127.0.0.1:8001"
# In the instance folder while `voiceapp dev` runs its simulator: the simulator's address,
# so a `voiceapp sim ...` typed in another terminal finds it on whatever port it took.
SIM_URL_FILE = "sim-url"


def _instance_path() -> Path:
    # As voiceapp.config reads it; the commands need the folder before any app exists.
    return Path(os.environ.get("VOICEAPP_INSTANCE_PATH") or Path.cwd() / "instance")


def write_sim_url(instance_path: Path, url: str) -> None:
    instance_path.mkdir(parents=True, exist_ok=True)
    (instance_path / SIM_URL_FILE).write_text(url + "\n")


def forget_sim_url(instance_path: Path, url: str) -> None:
    """Remove the file if it still names `url` (another `voiceapp dev` may have replaced
    it)."""
    path = instance_path / SIM_URL_FILE
    with contextlib.suppress(OSError):
        if path.read_text().strip() == url:
            path.unlink()


def sim_url_from_env() -> str:
    """The default of --sim: VOICEAPP_SIM_URL, else the simulator a running `voiceapp dev`
    wrote into the instance folder, else DEFAULT_SIM_URL."""
    if os.environ.get("VOICEAPP_SIM_URL"):
        return os.environ["VOICEAPP_SIM_URL"]
    with contextlib.suppress(OSError):
        written = (_instance_path() / SIM_URL_FILE).read_text().strip()
        if written:
            return written
    return DEFAULT_SIM_URL


def print_entry(entry: dict, sid: str | None = None) -> None:
    """One line of a call's log: its time, kind and text (and the call, when given)."""
    prefix = f"[{sid[-6:]}] " if sid else ""
    click.echo(f"{prefix}{entry['t']:7.1f}s  {entry['kind']:<8} {entry['text']}")


def _flask_app():
    from voiceapp import create_app
    from voiceapp.config import ConfigError

    try:
        return create_app()
    except ConfigError as exc:
        raise click.ClickException(
            f"{exc}\n(the command reads the app's settings to make its agents' API tokens; "
            "for the demo run it as VOICEAPP_ENV=development voiceapp sim ... from the "
            "project directory)"
        ) from exc


def app_client(status: dict):
    """The app the simulator plays against (its URL from the status), with its settings."""
    from voiceapp.sim.clients import AppClient

    return AppClient(status["app_url"], _flask_app())


def sim_client(url: str):
    """The simulator at `url` and its status; a click error when it does not answer."""
    from voiceapp.sim.clients import SimClient

    client = SimClient(url)
    try:
        return client, client.status()
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from exc


def first_manager(app) -> int | None:
    """The first active admin or sales manager: the user the commands read calls as."""
    from sqlalchemy import select

    from voiceapp import db
    from voiceapp.models import User

    with app.flask_app.app_context():
        return db.session().scalar(
            select(User.id)
            .where(User.active, User.role.in_(("admin", "sales_manager")))
            .order_by(User.id)
        )
