"""`voiceapp sim day`: a day of calls planned from what the app holds (its agents, numbers,
operators and customers, read in its app context), played, then summed up."""

from __future__ import annotations

import time

import click

from voiceapp.sim.commands.shared import (
    DEFAULT_SIM_URL,
    app_client,
    first_manager,
    sim_client,
    sim_url_from_env,
)

# The agents' presence expires without a heartbeat (a minute by default): the day sends
# one for each of them this often, as their open panels would.
HEARTBEAT_SECONDS = 15


@click.command("day")
@click.option("--calls", default=50, show_default=True, type=int)
@click.option("--seed", default=7, show_default=True, type=int)
@click.option("--chaos", is_flag=True, help="Callbacks late, shuffled and twice.")
@click.option(
    "--chaos-mode",
    type=click.Choice(["late", "concurrent"]),
    default="late",
    show_default=True,
    help="With --chaos: late (held until the call ends, then shuffled) or concurrent (while "
    "the call runs, several at once, delayed and out of order, as Twilio sends them).",
)
@click.option(
    "--sim",
    "sim_url",
    default=sim_url_from_env,
    show_default=DEFAULT_SIM_URL,
    help="The simulator (VOICEAPP_SIM_URL).",
)
@click.option(
    "--recordings-wait",
    default=60,
    show_default=True,
    type=click.FloatRange(min=0),
    help="Seconds to wait, after the last call, for the app's worker to store the day's "
    "recordings (it stops as soon as all are in); 0 when no worker runs.",
)
def day(calls, seed, chaos, chaos_mode, sim_url, recordings_wait):
    """A realistic day: inbound calls (answered, missed, voicemail, hang-ups in the IVR)
    and outbound calls, then a summary. The app's agents go online through its JSON API
    (an API token each, revoked afterwards) and are put back as they were."""
    from voiceapp.sim.day import DaySummary, plan_day

    client, status = sim_client(sim_url)
    app = app_client(status)
    try:
        ctx = _day_context(app, status)
        if not ctx.agents:
            raise click.ClickException("the app has no active agents (try voiceapp demo seed)")
        manager = first_manager(app)
        if manager is None:
            raise click.ClickException("the app has no active admin or sales manager")
        before = _app_counts(app, manager)
        presence = {a: app.presence(a) for a in ctx.agents}
        for agent in ctx.agents:
            app.set_presence(agent, "online")
        summary = DaySummary()
        beat = time.monotonic()
        try:
            for n, planned in enumerate(plan_day(calls, seed, ctx), start=1):
                if time.monotonic() - beat > HEARTBEAT_SECONDS:  # as their browsers would
                    for agent in ctx.agents:
                        app.heartbeat(agent)
                    beat = time.monotonic()
                payload = {
                    **planned.payload,
                    "chaos": {"mode": chaos_mode, "seed": seed * 1000 + n} if chaos else False,
                }
                final = client.place(planned.path, payload)
                outcome = summary.add(planned, final)
                who = payload.get("from") or payload["identity"]
                target = payload.get("to") or payload["params"]["To"]
                click.echo(f"{n:4} {planned.kind:<8} {who:>16} -> {target:<16} {outcome}")
        finally:
            for agent, status_before in presence.items():
                app.set_presence(agent, status_before)
        _print_day(app, manager, summary, before, calls, seed, recordings_wait)
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


def _print_day(app, manager, summary, before, calls, seed, wait_seconds: float = 60) -> None:
    deadline = time.monotonic() + wait_seconds
    # The worker fetches the recordings after the calls, behind their price jobs; on a
    # busy machine that took more than 20 s for a day of 50 calls. It stops once all are in.
    while True:
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
