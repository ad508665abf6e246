"""`voiceapp sim ...`: serve the simulator, place one call, play a day of calls."""

from __future__ import annotations

import os
import signal
import threading
import time

import click

DEFAULT_SIM_URL = "http://127.0.0.1:8001"


def _sim_url() -> str:
    return os.environ.get("VOICEAPP_SIM_URL") or DEFAULT_SIM_URL


@click.group("sim")
def sim():
    """The Twilio simulator: plays Twilio's part against a running voiceapp (development,
    demos, tests; no Twilio account needed)."""


@sim.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8001, show_default=True, type=int)
@click.option(
    "--app-url",
    envvar="PUBLIC_BASE_URL",
    default="http://127.0.0.1:8000",
    show_default=True,
    help="The app's public base URL (PUBLIC_BASE_URL).",
)
@click.option(
    "--public-url",
    help="The simulator's own address, in recording URLs (default: http://HOST:PORT).",
)
@click.option(
    "--account-sid",
    envvar="TWILIO_ACCOUNT_SID",
    help="Default: TWILIO_ACCOUNT_SID, else the demo's.",
)
@click.option("--auth-token", envvar="TWILIO_AUTH_TOKEN", help="Signs every request.")
@click.option(
    "--api-key-sid",
    envvar="TWILIO_API_KEY_SID",
    help="Default: TWILIO_API_KEY_SID, else the demo's.",
)
@click.option(
    "--api-key-secret", envvar="TWILIO_API_KEY_SECRET", help="Checks the softphones' access tokens."
)
@click.option(
    "--twiml-app-sid",
    envvar="TWILIO_TWIML_APP_SID",
    help="Default: TWILIO_TWIML_APP_SID, else the demo's.",
)
@click.option(
    "--number",
    "numbers",
    multiple=True,
    help="A number of the account (E.164), voice URL set to the app. Default: the demo numbers.",
)
@click.option(
    "--cors-origin",
    "cors_origins",
    multiple=True,
    help="Another origin whose pages may use the softphone endpoints.",
)
@click.option(
    "--speed",
    default=1.0,
    show_default=True,
    type=float,
    help="Call seconds per real second while a person is on a call.",
)
@click.option("--chaos", is_flag=True, help="Deliver callbacks late, shuffled and twice.")
@click.option("--quiet", is_flag=True, help="Do not print the calls.")
def serve(
    host,
    port,
    app_url,
    public_url,
    account_sid,
    auth_token,
    api_key_sid,
    api_key_secret,
    twiml_app_sid,
    numbers,
    cors_origins,
    speed,
    chaos,
    quiet,
):
    """Run the simulator until Ctrl-C. The account, auth token, API key and TwiML App come
    from TWILIO_* (as the app reads them), else the demo's; every call it plays prints
    here."""
    from voiceapp.demo import DEMO_NUMBERS
    from voiceapp.sim import SimConfig, Simulator
    from voiceapp.sim.server import SimServer
    from voiceapp.sim.simulator import DEMO_DEFAULTS
    from voiceapp.sim.transport import Chaos

    given = {
        "account_sid": account_sid,
        "auth_token": auth_token,
        "api_key_sid": api_key_sid,
        "api_key_secret": api_key_secret,
        "twiml_app_sid": twiml_app_sid,
    }
    config = SimConfig(
        app_url=app_url,
        sim_url=public_url or f"http://{host}:{port}",
        numbers=[(n, "") for n in numbers] or list(DEMO_NUMBERS),
        real_speed=speed,
        chaos=Chaos() if chaos else None,
        **{k: v or DEMO_DEFAULTS[k] for k, v in given.items()},
    )
    simulator = Simulator(config)
    simulator.cors_origins.update(cors_origins)
    if not quiet:
        simulator.observers.append(_print_entry)
    server = SimServer(simulator, host, port)
    click.echo(f"Twilio simulator at {config.sim_url} for the app at {config.app_url}")
    click.echo(
        f"  account {config.account_sid}; numbers: "
        + ", ".join(n.phone_number for n in simulator.account.numbers.values())
    )
    click.echo(f"  REST API: {config.sim_url}/2010-04-01/Accounts/{config.account_sid}/...")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    server.start()
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


def _print_entry(entry: dict, sid: str | None = None) -> None:
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


def _app_client(status: dict):
    from voiceapp.sim.clients import AppClient

    return AppClient(status["app_url"], _flask_app())


def _sim_client(url: str):
    from voiceapp.sim.clients import SimClient

    client = SimClient(url)
    try:
        return client, client.status()
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from exc


@sim.command("call")
@click.option("--from", "from_", required=True, help="The customer's number.")
@click.option("--to", required=True, help="One of the account's numbers.")
@click.option("--digits", default="", help="What the caller presses at each menu, e.g. 1,2.")
@click.option(
    "--answer", "answer", help="The agent who answers (agent_<id>); the others let it ring."
)
@click.option("--answer-after", default=3.0, show_default=True, type=float)
@click.option("--talk", default=30, show_default=True, type=int, help="Seconds of talk.")
@click.option("--hangup-after", type=float, help="The caller hangs up after this many seconds.")
@click.option(
    "--message",
    default=12,
    show_default=True,
    type=int,
    help="Seconds the caller speaks on a voicemail (0: silence).",
)
@click.option("--chaos", is_flag=True, help="Callbacks late, shuffled and twice.")
@click.option(
    "--interactive",
    is_flag=True,
    help="Type the caller's keys at each menu instead of --digits.",
)
@click.option(
    "--realtime",
    is_flag=True,
    help="Take the call's time for real (scaled by the simulator's --speed), e.g. to watch "
    "it in the panel.",
)
@click.option(
    "--online/--no-online",
    default=True,
    show_default=True,
    help="Put the --answer agent online in the app first (JSON API, API token).",
)
@click.option(
    "--sim",
    "sim_url",
    default=_sim_url,
    show_default=DEFAULT_SIM_URL,
    help="The simulator (VOICEAPP_SIM_URL).",
)
@click.option("-v", "--verbose", is_flag=True, help="Print every request's parameters.")
def call(
    from_,
    to,
    digits,
    answer,
    answer_after,
    talk,
    hangup_after,
    message,
    chaos,
    interactive,
    realtime,
    online,
    sim_url,
    verbose,
):
    """A customer calls one of our numbers: prints each request, each TwiML verb, each
    callback, and the final state (the simulator's and the app's)."""
    client, status = _sim_client(sim_url)
    app = _app_client(status) if (answer and online) or not answer else None
    try:
        if answer and online:
            app.online(answer)
            click.echo(f"{answer} is online in the app ({status['app_url']})")
        payload = {
            "from": from_,
            "to": to,
            "caller": {
                "digits": [d.strip() for d in digits.split(",") if d.strip()],
                "talk_seconds": talk,
                "hangup_after": hangup_after,
                "message_seconds": message,
                "interactive": interactive,
            },
            "agents": _agents_for(answer, answer_after, talk),
            "chaos": bool(chaos),
            "realtime": realtime,
        }
        try:
            final = client.place("calls", payload, lambda e: _print_call_entry(e, verbose, client))
        except RuntimeError as exc:
            raise click.ClickException(str(exc)) from exc
        _print_final(final["state"])
        if app is not None:
            _print_app_view(app, final["state"])
    finally:
        if app is not None:
            app.close()


def _agents_for(answer: str | None, answer_after: float, talk: int) -> dict:
    """The answering agent answers; every other identity the app rings lets it ring (an
    unlisted identity rings out unless a browser or scripted softphone is registered)."""
    if not answer:
        return {}
    return {answer: {"answers": "answer", "answer_after": answer_after, "talk_seconds": talk}}


def _print_call_entry(entry: dict, verbose: bool, client=None) -> None:
    if entry["kind"] == "final":
        return
    _print_entry(entry)
    if entry["kind"] == "gather" and client is not None:
        keys = click.prompt("  keys to press (Enter: none)", default="", show_default=False)
        client.press(entry["call_sid"], keys.strip())
    if verbose and entry.get("params"):
        for key, value in sorted(entry["params"].items()):
            click.echo(f"{'':18}{key}={value}")


def _print_final(state: dict) -> None:
    call = state["call"]
    click.echo("")
    click.echo(
        f"final state: {call['sid']} {call['status']}, {call['duration']} s, {state['outcome']}"
    )
    for leg in state["legs"]:
        click.echo(f"  leg {leg['sid']} to {leg['to']}: {leg['status']}, {leg['duration']} s")
    for rec in state["recordings"]:
        click.echo(
            f"  recording {rec['sid']}: {rec['duration']} s, {rec['channels']} "
            f"channel(s), {rec['source']}"
        )
    if state.get("error"):
        click.echo(f"  error: {state['error']}")


def _first_manager(app) -> int | None:
    from sqlalchemy import select

    from voiceapp import db
    from voiceapp.models import User

    with app.flask_app.app_context():
        return db.session().scalar(
            select(User.id)
            .where(User.active, User.role.in_(("admin", "sales_manager")))
            .order_by(User.id)
        )


def _print_app_view(app, state: dict, wait_seconds: float = 20) -> None:
    """The call as the app stored it, once the worker fetched its recordings."""
    manager = _first_manager(app)
    if manager is None:
        click.echo("(the app has no admin or sales manager to read the call with)")
        return
    sid = state["call"]["sid"]
    deadline = time.monotonic() + (wait_seconds if state["recordings"] else 0)
    while True:
        detail = app.call_detail(manager, sid)
        stored = detail and all(r["stored"] for r in detail["recordings"])
        if detail is None or stored or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    if detail is None:
        click.echo(f"the app has no call {sid}")
        return
    click.echo(
        f"in the app: {detail['status']}, agent {detail['agent_id']}, missed "
        f"{detail['missed']}, voicemail {detail['voicemail']}, contact "
        f"{detail['contact_id']}, {len(detail['events'])} callbacks stored"
    )
    for rec in detail["recordings"]:
        where = "stored by the worker" if rec["stored"] else "not fetched yet (is the worker up?)"
        click.echo(f"  recording {rec['sid']}: {rec['duration']} s, {where}")
    click.echo(f"  panel: {app.url}/calls")


@sim.command("day")
@click.option("--calls", default=50, show_default=True, type=int)
@click.option("--seed", default=7, show_default=True, type=int)
@click.option("--chaos", is_flag=True, help="Callbacks late, shuffled and twice.")
@click.option(
    "--sim",
    "sim_url",
    default=_sim_url,
    show_default=DEFAULT_SIM_URL,
    help="The simulator (VOICEAPP_SIM_URL).",
)
def day(calls, seed, chaos, sim_url):
    """A realistic day: inbound calls (answered, missed, voicemail, hang-ups in the IVR)
    and outbound calls, then a summary. The app's agents go online through its JSON API
    (an API token each, revoked afterwards) and are put back as they were."""
    from voiceapp.sim.day import DaySummary, plan_day

    client, status = _sim_client(sim_url)
    app = _app_client(status)
    try:
        ctx = _day_context(app, status)
        if not ctx.agents:
            raise click.ClickException("the app has no active agents (try voiceapp demo seed)")
        manager = _first_manager(app)
        if manager is None:
            raise click.ClickException("the app has no active admin or sales manager")
        before = _app_counts(app, manager)
        presence = {a: app.presence(a) for a in ctx.agents}
        for agent in ctx.agents:
            app.set_presence(agent, "online")
        summary = DaySummary()
        try:
            for n, planned in enumerate(plan_day(calls, seed, ctx), start=1):
                payload = {**planned.payload, "chaos": bool(chaos)}
                final = client.place(planned.path, payload)
                outcome = summary.add(planned, final)
                who = payload.get("from") or payload["identity"]
                target = payload.get("to") or payload["params"]["To"]
                click.echo(f"{n:4} {planned.kind:<8} {who:>16} -> {target:<16} {outcome}")
        finally:
            for agent, status_before in presence.items():
                app.set_presence(agent, status_before)
        _print_day(app, manager, summary, before, calls, seed)
    finally:
        app.close()


def _day_context(app, status: dict):
    from sqlalchemy import select

    from voiceapp import db
    from voiceapp.models import ContactPhone, NumberOperator, PhoneNumber, User
    from voiceapp.services.team_settings import get_team_settings
    from voiceapp.sim.day import DayContext

    sim_numbers = {n["phone_number"] for n in status["numbers"]}
    with app.flask_app.app_context():
        dbs = db.session()
        settings = get_team_settings(dbs)
        agents = list(
            dbs.scalars(select(User.id).where(User.active, User.role == "agent").order_by(User.id))
        )
        ours = [n for n in dbs.scalars(select(PhoneNumber.number)) if n in sim_numbers]
        operators: dict[int, list[str]] = {}
        for user_id, number in dbs.execute(
            select(NumberOperator.user_id, PhoneNumber.number)
            .join(PhoneNumber, PhoneNumber.id == NumberOperator.phone_number_id)
            .where(NumberOperator.outgoing_enabled, PhoneNumber.outgoing_enabled)
        ):
            operators.setdefault(user_id, []).append(number)
        customers = list(dbs.scalars(select(ContactPhone.number).order_by(ContactPhone.id)))
        return DayContext(
            our_numbers=ours or sorted(sim_numbers),
            agents=agents,
            operators=operators,
            customers=customers,
            languages=len(settings.languages or ["en"]),
            reasons=len(settings.ivr_case_types or []),
        )


def _app_counts(app, manager: int) -> dict[str, int]:
    return {
        "contacts": app.total(manager, "/api/contacts"),
        "missed": app.total(manager, "/api/calls", missed="true"),
    }


def _print_day(app, manager, summary, before, calls, seed, wait_seconds: float = 20) -> None:
    deadline = time.monotonic() + wait_seconds
    while True:  # the worker fetches the recordings after the calls
        details = [app.call_detail(manager, sid) for sid in summary.call_sids]
        stored = sum(r["stored"] for d in details if d for r in d["recordings"])
        if stored >= summary.recordings or time.monotonic() > deadline:
            break
        time.sleep(1)
    after = _app_counts(app, manager)
    click.echo("")
    click.echo(f"day of {calls} calls (seed {seed}) against {app.url}")
    for kind, outcomes in summary.outcomes.items():
        parts = ", ".join(f"{name} {count}" for name, count in outcomes.most_common())
        click.echo(f"  {kind} {sum(outcomes.values())}: {parts or 'none'}")
    click.echo(
        f"  missed calls in the app: {after['missed'] - before['missed']} new "
        f"({after['missed']} in all)"
    )
    click.echo(f"  recordings: {summary.recordings} made, {stored} stored by the worker")
    click.echo(f"  contacts created: {after['contacts'] - before['contacts']}")
