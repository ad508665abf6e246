"""The table of verbs a call follows: each TwiML verb the simulator plays, by its name, and
the handler that plays it (`verbs` for most, `dial` for <Dial>).

Why a table handed to the run, rather than the engine importing the verbs: the verbs act
on a `CallRun` and raise the engine's exceptions, so they depend on the engine; if the
engine also imported them to find a handler, each would need the other. This module
sits above all three, and whoever builds a CallRun (the simulator, `outbound_api`) gives
it `VERBS`, so the engine knows only the shape of a handler (`engine.VerbHandler`)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from voiceapp.sim import dial, verbs
from voiceapp.sim.engine import VerbHandler

VERBS: Mapping[str, VerbHandler] = MappingProxyType(
    {
        "Say": verbs.say,
        "Play": verbs.play,
        "Pause": verbs.pause,
        "Gather": verbs.gather,
        "Redirect": verbs.redirect,
        "Dial": dial.run_dial,
        "Record": verbs.record,
        "Hangup": verbs.hangup,
        "Reject": verbs.reject,
    }
)
