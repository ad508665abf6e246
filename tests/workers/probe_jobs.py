"""Jobs the worker tests enqueue by dotted path (RQ imports them in the work horse)."""

from __future__ import annotations

import contextlib
import sys


def modules_a_price_job_imports() -> list[str]:
    """Ask for a call's price through our adapter, as workers.calls.fetch_call_price does
    (at an address where nothing listens), and return the modules this work horse had to
    import for it: those the worker's parent process had not."""
    from voiceapp.telephony.adapter import TelephonyError, TwilioAdapter

    before = set(sys.modules)
    adapter = TwilioAdapter("AC" + "1" * 32, "token", api_base="http://127.0.0.1:9")
    for ask in (
        lambda: adapter.fetch_call_price("CA" + "2" * 32),
        lambda: adapter.delete_recording("RE" + "3" * 32),
    ):
        # Nothing listens there: the modules imported are what this job is about.
        with contextlib.suppress(TelephonyError):
            ask()
    return sorted(set(sys.modules) - before)
