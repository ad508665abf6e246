"""`voiceapp sim call`: a customer calls one of our numbers; each step printed as it happens,
then the final state, the simulator's and the app's."""

from __future__ import annotations

import time

import click

from voiceapp.sim.commands.shared import (
    DEFAULT_SIM_URL,
    app_client,
    first_manager,
    print_entry,
    sim_client,
    sim_url_from_env,
)


@click.command("call")
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
    default=sim_url_from_env,
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
    client, status = sim_client(sim_url)
    app = app_client(status) if (answer and online) or not answer else None
    restore: tuple[int, str] | None = None
    try:
        if answer and online:
            restore = _put_online(app, answer)
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
        if restore is not None:
            # As `sim day` does: the agent's presence as it was before the command, so a
            # demo call does not leave an agent online whose browser nobody watches.
            app.set_presence(*restore)
        if app is not None:
            app.close()


def _put_online(app, identity: str) -> tuple[int, str] | None:
    """Put the agent online; their id and presence before, to put back afterwards (None
    when there is nothing to put back: they were online already, or busy on a call whose
    end moves them on)."""
    from voiceapp.domain.agent_identity import user_id_from_identity

    user_id = user_id_from_identity(identity)
    before = app.presence(user_id) if user_id is not None else None
    app.online(identity)
    return (user_id, before) if before == "offline" else None


def _agents_for(answer: str | None, answer_after: float, talk: int) -> dict:
    """The answering agent answers; every other identity the app rings lets it ring (an
    unlisted identity rings out unless a browser or scripted softphone is registered)."""
    if not answer:
        return {}
    return {answer: {"answers": "answer", "answer_after": answer_after, "talk_seconds": talk}}


def _print_call_entry(entry: dict, verbose: bool, client=None) -> None:
    if entry["kind"] == "final":
        return
    print_entry(entry)
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


def _print_app_view(app, state: dict, wait_seconds: float = 60) -> None:
    """The call as the app stored it, once the worker fetched its recordings (it returns
    as soon as they are stored; a worker just started on a busy machine, with the call's
    price jobs queued first, can take half a minute)."""
    manager = first_manager(app)
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
