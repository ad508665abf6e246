"""`voiceapp sim serve`: the simulator served over HTTP until Ctrl-C, printing every call it
plays; the Stripe stand-in beside it under /stripe (unless --no-stripe)."""

from __future__ import annotations

import signal
import threading

import click

from voiceapp.sim.commands.shared import print_entry


@click.command("serve")
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
@click.option(
    "--chaos-mode",
    type=click.Choice(["late", "concurrent"]),
    default="late",
    show_default=True,
    help="With --chaos: late (after the call, shuffled) or concurrent (during the call, "
    "several at once, delayed and out of order).",
)
@click.option(
    "--stripe-secret-key",
    envvar="STRIPE_SECRET_KEY",
    help="The API key the Stripe stand-in accepts. Default: STRIPE_SECRET_KEY, else the demo's.",
)
@click.option(
    "--stripe-webhook-secret",
    envvar="STRIPE_WEBHOOK_SECRET",
    help="Signs the stand-in's events. Default: STRIPE_WEBHOOK_SECRET, else the demo's.",
)
@click.option("--no-stripe", is_flag=True, help="Without the Stripe stand-in under /stripe.")
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
    chaos_mode,
    stripe_secret_key,
    stripe_webhook_secret,
    no_stripe,
    quiet,
):
    """Run the simulator until Ctrl-C. The account, auth token, API key and TwiML App come
    from TWILIO_* (as the app reads them), else the demo's; every call it plays prints
    here. The Stripe stand-in answers under /stripe (the app's STRIPE_API_BASE) and sends
    its events to the app's /webhooks/stripe."""
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
        chaos=Chaos(mode=chaos_mode) if chaos else None,
        **{k: v or DEMO_DEFAULTS[k] for k, v in given.items()},
    )
    simulator = Simulator(config)
    simulator.cors_origins.update(cors_origins)
    if not quiet:
        simulator.observers.append(print_entry)
    stripe = (
        None if no_stripe else _stripe_stand_in(config, stripe_secret_key, stripe_webhook_secret)
    )
    if stripe is not None and not quiet:
        stripe.observers.append(click.echo)
    server = SimServer(simulator, host, port, stripe=stripe)
    click.echo(f"Twilio simulator at {config.sim_url} for the app at {config.app_url}")
    click.echo(
        f"  account {config.account_sid}; numbers: "
        + ", ".join(n.phone_number for n in simulator.account.numbers.values())
    )
    click.echo(f"  REST API: {config.sim_url}/2010-04-01/Accounts/{config.account_sid}/...")
    if stripe is not None:
        click.echo(
            f"Stripe stand-in at {stripe.config.public_url} (STRIPE_API_BASE); "
            f"events to {stripe.config.webhook_url}"
        )
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


def _stripe_stand_in(config, secret_key: str | None, webhook_secret: str | None):
    from voiceapp.sim.stripe import (
        DEMO_SECRET_KEY,
        DEMO_WEBHOOK_SECRET,
        MOUNT_PREFIX,
        StandInConfig,
        StripeStandIn,
    )

    return StripeStandIn(
        StandInConfig(
            secret_key=secret_key or DEMO_SECRET_KEY,
            webhook_secret=webhook_secret or DEMO_WEBHOOK_SECRET,
            webhook_url=config.app_url.rstrip("/") + "/webhooks/stripe",
            public_url=config.sim_url.rstrip("/") + MOUNT_PREFIX,
        )
    )
