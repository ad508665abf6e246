"""`voiceapp sim ...`: the click group of the simulator's commands, one module each.

- `serve`: serve the simulator; `call`: place one call and print it; `day`: play a day of
  calls and sum it up.
- `shared`: what they share (where the simulator is, the clients for it and the app).

`voiceapp.cli` adds `sim` to the `voiceapp` command and reads DEFAULT_SIM_URL from here."""

from __future__ import annotations

import click

from voiceapp.sim.commands import call, day, serve
from voiceapp.sim.commands.shared import DEFAULT_SIM_URL

__all__ = ["DEFAULT_SIM_URL", "sim"]


@click.group("sim")
def sim():
    """The Twilio simulator: plays Twilio's part against a running voiceapp (development,
    demos, tests; no Twilio account needed). `serve` also serves the Stripe stand-in."""


sim.add_command(serve.serve)
sim.add_command(call.call)
sim.add_command(day.day)
