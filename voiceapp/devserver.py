"""`voiceapp dev`: the whole product on one machine for development and demos (migrate,
demo data, web, worker, clock and the Twilio simulator), and the demo call it prints."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import click


def _app():
    from voiceapp.cli import _app as make_app

    return make_app()


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--sim-port", type=int, help="The Twilio simulator's port [default: PORT+1].")
@click.option(
    "--no-sim",
    is_flag=True,
    help="No simulator (nor Stripe stand-in): use the Twilio and Stripe settings as given.",
)
@click.option("--no-seed", is_flag=True, help="Do not add demo data.")
def dev(host, port, sim_port, no_sim, no_seed):
    """Development: migrate, seed demo data, run web (gunicorn), worker, clock and the
    Twilio simulator until Ctrl-C. The app's Twilio settings point at the simulator, its
    Stripe settings at the Stripe stand-in the simulator serves under /stripe."""
    os.environ.setdefault("VOICEAPP_ENV", "development")
    from voiceapp.demo import demo_twilio_environment
    from voiceapp.migrate import upgrade
    from voiceapp.sim.commands.shared import forget_sim_url, write_sim_url

    local = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    base = f"http://{local}:{port}"
    sim_url = f"http://{local}:{sim_port or port + 1}"
    if not no_sim:
        from voiceapp.sim.stripe import demo_stripe_environment

        demo = demo_twilio_environment(base, sim_url)
        if not os.environ.get("STRIPE_SECRET_KEY"):  # else Stripe is the one configured
            demo.update(demo_stripe_environment(sim_url))
        for name, value in demo.items():
            os.environ.setdefault(name, value)
    app = _app()
    settings = app.config["VOICEAPP"]
    upgrade(settings.resolved_database_url())
    if not no_seed:
        from voiceapp import db as database
        from voiceapp.demo import seed

        with app.app_context():
            dbs = database.session()
            seed(dbs)
            dbs.commit()
    env = dict(os.environ)
    commands = [
        [
            *(sys.executable, "-m", "gunicorn", "--bind", f"{host}:{port}"),
            # The Procfile's settings, but two workers: on a developer's machine of many
            # CPUs, CPUs + 1 processes of 125 MB each would buy nothing against SQLite.
            *("--config", str(Path(__file__).with_name("gunicorn_conf.py")), "--workers", "2"),
            "voiceapp:create_app()",
        ],
        [sys.executable, "-m", "voiceapp.cli", "worker"],
        [sys.executable, "-m", "voiceapp.cli", "clock"],
    ]
    if not no_sim:
        commands.append(
            [
                *(sys.executable, "-m", "voiceapp.cli", "sim", "serve", "--host", host),
                *("--port", str(sim_port or port + 1), "--app-url", settings.public_base_url),
                *("--public-url", sim_url),
            ]
        )
    # From here on every way this process ends ends the children too: Ctrl-C, SIGTERM (a
    # process manager, `kill`), SIGHUP (the terminal closed) and, on Linux, even SIGKILL.
    _stop_on_signals()
    procs: list[subprocess.Popen] = []
    try:
        if not no_sim:
            write_sim_url(settings.instance_path, sim_url)
        for command in commands:
            procs.append(subprocess.Popen(command, env=env, preexec_fn=_die_with_parent))
        _print_banner(app, settings, base, sim_url, no_sim)
        while all(p.poll() is None for p in procs):
            time.sleep(0.5)
    except (KeyboardInterrupt, _Stopped):
        pass
    finally:
        _end(procs)
        if not no_sim:
            forget_sim_url(settings.instance_path, sim_url)
    failed = [p.returncode for p in procs if p.returncode not in (0, -signal.SIGTERM, None)]
    if failed:
        raise click.ClickException(f"a process stopped with exit code {failed[0]}")


class _Stopped(Exception):
    """SIGTERM or SIGHUP arrived: leave the wait loop and end the children."""


def _stop_on_signals() -> None:
    def stop(signum, frame):
        raise _Stopped(signal.Signals(signum).name)

    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, stop)


def _die_with_parent() -> None:
    """In the child, before exec: Linux sends it SIGTERM when `voiceapp dev` dies, however
    it dies (SIGKILL and crashes included). Elsewhere a no-op."""
    if not sys.platform.startswith("linux"):
        return
    pr_set_pdeathsig = 1
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _end(procs: list[subprocess.Popen]) -> None:
    """SIGTERM to every child still running, SIGKILL to those that do not end within 10 s.
    Further SIGTERM/SIGHUP are ignored meanwhile, so a second signal cannot cut this short."""
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_IGN)
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def _print_banner(app, settings, base: str, sim_url: str, no_sim: bool) -> None:
    from voiceapp.demo import DEMO_PASSWORD, DEMO_USERS

    click.echo("")
    click.echo(f"voiceapp is running: open {base}/")
    click.echo(f"  database: {settings.resolved_database_url()}")
    click.echo("  sign in as (password for all: " + DEMO_PASSWORD + "):")
    for email, name, role, *_ in DEMO_USERS:
        click.echo(f"    {email:32} {role:14} {name}")
    click.echo(f"  health: {base}/healthz   API: {base}/api/openapi.json")
    if not no_sim:
        click.echo(
            f"  Twilio simulator: {sim_url} (no Twilio account needed; its calls print here)"
        )
        click.echo("  place a demo call (a customer calls the Berlin hotline, presses 1 for German")
        click.echo("  and 1 for a new order; Jonas answers; the recording shows up under Calls):")
        click.echo(f"    {_demo_call_command(app, sim_url)}")
    if settings.stripe_configured:
        where = settings.stripe_api_base or "api.stripe.com"
        click.echo(f"  Stripe: {where} (card payments on the pay page; webhooks to")
        click.echo(f"    {settings.public_base_url or base}/webhooks/stripe)")
    click.echo("  stop with Ctrl-C")
    click.echo("")


def _demo_call_command(app, sim_url: str) -> str:
    """The command that places the demo call, with the identity of the demo's German agent
    and the environment the command needs (the app's settings, for the agent's API token)."""
    from voiceapp import db as database
    from voiceapp.demo import DEMO_NUMBERS
    from voiceapp.domain.agent_identity import client_identity
    from voiceapp.services import accounts

    with app.app_context():
        jonas = accounts.find_user_by_email(database.session(), "jonas@demo.voiceapp.test")
        identity = client_identity(jonas.id) if jonas else "agent_3"
    script = Path(sys.executable).with_name("voiceapp")
    with contextlib.suppress(ValueError):
        script = script.relative_to(Path.cwd())
    from voiceapp.sim.commands import DEFAULT_SIM_URL

    prefix = "" if os.environ.get("DATABASE_URL") else "VOICEAPP_ENV=development "
    if os.environ.get("VOICEAPP_INSTANCE_PATH"):
        prefix += f"VOICEAPP_INSTANCE_PATH={os.environ['VOICEAPP_INSTANCE_PATH']} "
    where = "" if sim_url == DEFAULT_SIM_URL else f" --sim {sim_url}"
    return (
        f"{prefix}{script} sim call --from +4915112345678 --to {DEMO_NUMBERS[0][0]} "
        f"--digits 1,1 --answer {identity}{where}"
    )
