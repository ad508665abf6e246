"""What a call cost: Twilio sends no price in callbacks, so after a call ends a job asks
the REST API for the price of the call and of its legs, asks again later while Twilio has
not priced them yet, and gives up quietly after the last wait. The simulator prices legs
by destination and started minute, in Twilio's shape, a little after they end."""

from __future__ import annotations

import time
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

import workers
from tests.conftest import sign_in
from tests.factories import PASSWORD
from tests.sim.conftest import CUSTOMER, OUR_NUMBER, api_token, go_online, settle
from voiceapp.models import Call, OutboxJob
from voiceapp.services.calls.pricing import PRICE_JOB, RETRY_AFTER_SECONDS
from voiceapp.sim.parties import Party
from voiceapp.sim.pricing import leg_price
from voiceapp.sim.state import CallRecord


def _record(
    to: str, *, direction="outbound-dial", from_="+4930901820", duration=61, status="completed"
):
    record = CallRecord("CA1", "AC1", from_, to, direction, status=status)
    record.duration = duration
    return record


def test_the_simulator_prices_by_destination_and_started_minute():
    assert leg_price(_record("+4930123456")) == Decimal("-0.06000")  # landline, 2 minutes
    assert leg_price(_record("+4915112345678")) == Decimal("-0.27000")  # mobile, 2 minutes
    assert leg_price(_record("+4915112345678", duration=60)) == Decimal("-0.13500")
    assert leg_price(_record("+33612345678", duration=5)) == Decimal("-0.20000")  # abroad
    assert leg_price(_record("client:agent_1", duration=120)) == Decimal("-0.00800")
    assert leg_price(_record(OUR_NUMBER, direction="inbound", from_=CUSTOMER)) == Decimal(
        "-0.02000"
    )
    assert leg_price(_record("+4930123456", status="busy", duration=0)) == Decimal("0")


def test_the_price_shows_in_the_rest_api_only_a_while_after_the_call(stubbed):
    stubbed.sim.config.price_delay_seconds = 0.3
    stubbed.stub.on("/voice", '<Response><Pause length="70"/></Response>')
    run = stubbed.sim.inbound_call(CUSTOMER, OUR_NUMBER)
    shown = run.parent.record.to_json()
    assert (shown["price"], shown["price_unit"]) == (None, "USD")
    time.sleep(0.35)
    assert run.parent.record.to_json()["price"] == "-0.02000"


def test_the_price_of_a_call_and_its_agents_leg_is_fetched_and_shown(world, agent, dbs):
    world.sim.config.price_delay_seconds = 0
    go_online(world, api_token(dbs, agent))
    run = world.sim.inbound_call(
        CUSTOMER,
        OUR_NUMBER,
        caller=Party(digits=["1", "2"], talk_seconds=200),
        agents={f"agent_{agent.id}": Party(answer_after=4, talk_seconds=95)},
    )
    settle(dbs)
    call = dbs.scalar(select(Call).where(Call.sid == run.parent.sid))
    (leg,) = dbs.scalars(select(Call).where(Call.parent_sid == call.sid))
    expected_parent = -Decimal(run.parent.record.to_json()["price"])
    assert (call.price, call.price_unit) == (expected_parent, "USD")
    assert (leg.price, leg.price_unit) == (Decimal("0.00800"), "USD")  # 95 s: 2 minutes
    total = f"{expected_parent + Decimal('0.008'):.4f} USD"

    manager = dbs.merge(agent)
    manager.role = "admin"
    dbs.commit()
    http = world.app.test_client()
    sign_in(http, manager.email, PASSWORD)
    listed = http.get("/calls").get_data(as_text=True)
    assert total in listed
    page = http.get(f"/calls/{call.sid}").get_data(as_text=True)
    assert total in page


def test_a_price_twilio_has_not_filled_in_is_asked_for_again_then_given_up(world, agent, dbs):
    world.sim.config.price_delay_seconds = 3600  # never within this test
    run = world.sim.inbound_call(CUSTOMER, OUR_NUMBER, caller=Party(digits=["hangup"]))
    settle(dbs)
    call = dbs.scalar(select(Call).where(Call.sid == run.parent.sid))
    assert call.status == "completed" and call.price is None
    retry = dbs.scalar(select(OutboxJob).where(OutboxJob.job_id == f"call-price-{call.sid}-1"))
    assert retry is not None and retry.func == PRICE_JOB and retry.args == [call.id, 1]
    assert retry.run_at - retry.created_at >= timedelta(seconds=RETRY_AFTER_SECONDS[0] - 1)

    last = len(RETRY_AFTER_SECONDS)
    assert workers.fetch_call_price(call.id, last).endswith("1 given up")
    dbs.rollback()
    assert (
        dbs.scalar(select(OutboxJob).where(OutboxJob.job_id == f"call-price-{call.sid}-{last + 1}"))
        is None
    )
    # Once Twilio has priced it, the next try stores it.
    world.sim.account.calls[call.sid].priced_from = 0
    assert workers.fetch_call_price(call.id, 1) == "1 priced"
    dbs.rollback()
    assert dbs.get(Call, call.id).price == Decimal("0.01000")
