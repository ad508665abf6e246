"""Calls: one row per CallSid moved forward by Twilio's callbacks (`lifecycle`), softphone
calls and who may place them (`outbound`), recordings and who may listen (`recordings`),
and the calls lists (`queries`).

The blueprints, the IVR and the jobs use the operations re-exported here; the modules
import each other directly. Imports: models, domain, other services, telephony's adapter;
never web, api, webhooks, ivr's blueprint or workers.
"""

from __future__ import annotations

from voiceapp.services.calls.lifecycle import (
    ANSWERED_STATUSES,
    apply_status_callback,
    caller_number,
    contact_or_maker,
    lock_call,
    mark_missed,
    our_number,
    our_numbers,
    start_call,
    start_or_find_call,
    store_event,
)
from voiceapp.services.calls.outbound import Dialling, Refused, start_outbound
from voiceapp.services.calls.presence import heartbeat, presence_of, set_presence
from voiceapp.services.calls.queries import call_by_sid, can_see_call, list_calls
from voiceapp.services.calls.recordings import (
    FETCH_JOB,
    can_listen,
    listens_of,
    log_listen,
    record_callback,
    recording_by_sid,
    store_media,
)

__all__ = [
    "ANSWERED_STATUSES",
    "FETCH_JOB",
    "Dialling",
    "Refused",
    "apply_status_callback",
    "call_by_sid",
    "caller_number",
    "can_listen",
    "can_see_call",
    "contact_or_maker",
    "heartbeat",
    "list_calls",
    "listens_of",
    "lock_call",
    "log_listen",
    "mark_missed",
    "our_number",
    "our_numbers",
    "presence_of",
    "record_callback",
    "recording_by_sid",
    "set_presence",
    "start_call",
    "start_or_find_call",
    "start_outbound",
    "store_event",
    "store_media",
]
