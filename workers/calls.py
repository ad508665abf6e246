"""Call jobs: what a call cost, fetched from Twilio's REST API once it is known."""

from __future__ import annotations

import logging

from voiceapp.db import session, utcnow
from voiceapp.redis_client import get_redis
from voiceapp.services.calls import pricing
from voiceapp.services.outbox import relay_pending
from voiceapp.telephony.adapter import TelephonyError
from voiceapp.telephony.factory import telephony_adapter
from workers.context import job_context

log = logging.getLogger(__name__)


def fetch_call_price(call_id: int, attempt: int = 0) -> str:
    """Store the price of the call and of its child legs; ask again later for the ones
    Twilio has not priced yet, and give up quietly after the last wait. Safe to run twice:
    a leg with a price is not asked for again. Never raises (a failure is a later try)."""
    with job_context():
        dbs = session()
        legs = pricing.unpriced_legs(dbs, call_id)
        if not legs:
            return "nothing to price"
        try:
            adapter = telephony_adapter(dbs)
        except TelephonyError as exc:
            log.info("call %s: price not fetched: %s", call_id, exc)
            return "not configured"
        sids = [leg.sid for leg in legs]
        # Twilio is asked with no transaction open (on SQLite the job's transaction holds
        # the write lock, and every webhook would wait for Twilio's answers).
        dbs.rollback()
        prices = {}
        for sid in sids:
            try:
                prices[sid] = adapter.fetch_call_price(sid)
            except TelephonyError as exc:
                log.info("call %s: price not fetched yet: %s", sid, exc)
        missing = 0
        legs = pricing.unpriced_legs(dbs, call_id)  # again: a second run may have priced some
        for leg in legs:
            found = prices.get(leg.sid)
            if found is None:
                missing += 1
            else:
                pricing.store_price(leg, *found)
        outcome = f"{len(legs) - missing} priced"
        if missing:
            if pricing.retry_later(dbs, call_id, attempt, now=utcnow()):
                outcome += f", {missing} asked again later"
            else:
                log.info("call %s: Twilio gave no price for %s leg(s); giving up", call_id, missing)
                outcome += f", {missing} given up"
        dbs.commit()
        if missing:
            relay_pending(dbs, get_redis())
        return outcome
