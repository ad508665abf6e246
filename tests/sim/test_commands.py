"""`voiceapp sim call` and `voiceapp sim day` against the simulator and the app served over
HTTP, with the environment pointing at the test database, as an operator runs them."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

import voiceapp
from tests.conftest import TEST_REDIS_URL, TEST_SECRET_KEY
from tests.factories import UserFactory
from tests.sim.conftest import CUSTOMER, OUR_NUMBER
from voiceapp.cli import main
from voiceapp.db import utcnow
from voiceapp.demo import demo_twilio_environment
from voiceapp.models import (
    AgentPresence,
    ApiToken,
    Call,
    Contact,
    IvrSession,
    NumberOperator,
    PhoneNumber,
)
from voiceapp.sim.commands.shared import write_sim_url


@pytest.fixture(autouse=True)
def cli_env(monkeypatch, database_url, instance_path, world):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("REDIS_URL", TEST_REDIS_URL)
    monkeypatch.setenv("SECRET_KEY", TEST_SECRET_KEY)
    monkeypatch.setenv("VOICEAPP_ENV", "testing")
    monkeypatch.setenv("VOICEAPP_INSTANCE_PATH", str(instance_path))
    # The demo's settings, as `voiceapp dev` gives every process.
    for name, value in demo_twilio_environment(world.app_url, world.sim_url).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("RECORDINGS_PATH", str(world.recordings))
    built = []
    real_create_app = voiceapp.create_app

    def create_app(*args, **kwargs):
        app = real_create_app(*args, **kwargs)
        built.append(app)
        return app

    monkeypatch.setattr(voiceapp, "create_app", create_app)
    yield
    for app in built:
        app.extensions["voiceapp.db"].engine.dispose()


@pytest.fixture
def worker():
    """`voiceapp worker` in its own process, as in production, while the command runs (it
    waits for the recordings to be stored)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "voiceapp.cli", "worker"],
        env=dict(os.environ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    yield process
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def invoke(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input)


def test_sim_call_prints_every_step_and_the_final_state(world, agent, dbs, worker):
    UserFactory(role="sales_manager")  # reads the call back through the API
    result = invoke(
        "sim",
        "call",
        "--from",
        CUSTOMER,
        "--to",
        OUR_NUMBER,
        "--digits",
        "1,2",
        "--answer",
        f"agent_{agent.id}",
    )
    assert result.exit_code == 0, result.output
    out = result.output
    assert f"agent_{agent.id} is online in the app" in out
    assert re.search(r"request +POST .*/twilio/voice/inbound \(voice\) -> HTTP 200", out)
    assert re.search(r"verb +<Gather action=\".*/twilio/ivr/language\"", out)
    assert "caller pressed 1" in out and "caller pressed 2" in out
    assert re.search(r"verb +<Dial ", out)
    assert f"status in-progress (leg to client:agent_{agent.id}, sequence 2)" in out
    assert "recording completed (30 s)" in out
    assert re.search(r"final state: CA\w+ completed, \d+ s, answered", out)
    assert f"in the app: completed, agent {agent.id}, missed False" in out
    assert "stored by the worker" in out
    dbs.rollback()
    # The agent was offline before the command put them online: offline again afterwards,
    # as `sim day` leaves its agents (a demo call must not leave a phantom agent ringing).
    assert dbs.get(AgentPresence, agent.id).status == "offline"
    # The token the command made for the agent is revoked again.
    assert all(t.revoked_at for t in dbs.scalars(select(ApiToken)))


def test_sim_call_interactive_asks_for_the_keys_at_each_menu(world, agent, dbs):
    result = invoke(
        "sim",
        "call",
        "--from",
        CUSTOMER,
        "--to",
        OUR_NUMBER,
        "--interactive",
        "--answer",
        f"agent_{agent.id}",
        input="2\n1\n",
    )
    assert result.exit_code == 0, result.output
    assert result.output.count("keys to press (Enter: none)") == 2
    assert "caller pressed 2" in result.output and "caller pressed 1" in result.output
    dbs.rollback()
    (call,) = dbs.scalars(select(Call).where(Call.parent_sid.is_(None)))
    session = dbs.get(IvrSession, call.sid)
    assert (session.language, session.case_type) == ("en", "new_order")


def test_sim_call_puts_an_online_agent_back_online(world, agent, dbs):
    dbs.add(AgentPresence(user_id=agent.id, status="online", updated_at=utcnow()))
    dbs.commit()
    result = invoke(
        *("sim", "call", "--from", CUSTOMER, "--to", OUR_NUMBER, "--digits", "1,2"),
        *("--answer", f"agent_{agent.id}", "--talk", "2"),
    )
    assert result.exit_code == 0, result.output
    dbs.rollback()
    assert dbs.get(AgentPresence, agent.id).status == "online"


def test_sim_call_finds_the_simulator_voiceapp_dev_started(world, agent, monkeypatch, tmp_path):
    """`scripts/run --port 8080` puts the simulator on 8081; the README's demo command names
    no --sim and the shell has no VOICEAPP_SIM_URL: the command reads where `voiceapp dev`
    wrote the simulator's address in the instance folder."""
    monkeypatch.delenv("VOICEAPP_SIM_URL")
    monkeypatch.setenv("VOICEAPP_INSTANCE_PATH", str(tmp_path))
    write_sim_url(tmp_path, world.sim_url)
    result = invoke(
        *("sim", "call", "--from", CUSTOMER, "--to", OUR_NUMBER, "--digits", "1,2"),
        *("--answer", f"agent_{agent.id}", "--talk", "2"),
    )
    assert result.exit_code == 0, result.output
    assert "final state:" in result.output


def test_sim_call_to_a_number_the_account_does_not_have_is_refused(world):
    result = invoke(
        "sim",
        "call",
        "--from",
        CUSTOMER,
        "--to",
        "+4940999999",
        "--no-online",
        "--answer",
        "agent_1",
    )
    assert result.exit_code == 1
    assert "is not a number of account" in result.output


def test_sim_day_plays_a_mix_of_calls_and_sums_them_up(world, team, dbs, worker):
    agents = [UserFactory(languages=["de", "en"], case_types=[]) for _ in range(2)]
    manager = UserFactory(role="sales_manager")
    number = dbs.scalar(select(PhoneNumber).where(PhoneNumber.number == OUR_NUMBER))
    for agent in agents:
        dbs.add(NumberOperator(phone_number_id=number.id, user_id=agent.id))
    dbs.commit()
    result = invoke("sim", "day", "--calls", "16", "--seed", "3")
    assert result.exit_code == 0, result.output
    out = result.output
    lines = [line for line in out.splitlines() if re.match(r"^ +\d+ (inbound|outbound) ", line)]
    assert len(lines) == 16
    dbs.rollback()
    calls = dbs.scalars(select(Call).where(Call.parent_sid.is_(None))).all()
    assert len(calls) == 16
    missed = sum(c.missed for c in calls)
    assert f"missed calls in the app: {missed} new" in out
    recordings = sum(r.status == "completed" for c in calls for r in c.recordings)
    assert f"recordings: {recordings} made, {recordings} stored by the worker" in out
    contacts = dbs.scalar(select(func.count()).select_from(Contact))
    assert f"contacts created: {contacts}" in out
    inbound = re.search(r"inbound (\d+):", out)
    outbound = re.search(r"outbound (\d+):", out)
    assert int(inbound.group(1)) + int(outbound.group(1)) == 16
    assert int(outbound.group(1)) > 0 and "answered" in out
    # The agents are back offline as they were, and the command's tokens are revoked.
    assert {dbs.get(AgentPresence, a.id).status for a in agents} == {"offline"}
    tokens = dbs.scalars(select(ApiToken)).all()
    assert tokens and all(t.revoked_at for t in tokens)
    # The calls were read back as the manager (the first admin or sales manager), with a
    # token of the manager's own that was used, then revoked.
    assert [t.last_used_at is not None for t in tokens if t.user_id == manager.id] == [True]
