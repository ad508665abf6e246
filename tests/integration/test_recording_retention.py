"""Recording retention: the periodic job deletes media past the team's retention days
from the recordings folder and at Twilio (the simulator answers the DELETE as Twilio
does), keeps the rows marked "deleted (retention)", skips recordings of a case marked
"keep recordings", and is harmless when run twice. Also the admin's settings page (the
days, what goes next, the criteria) and the case page's keep toggle."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

import workers
from tests.conftest import form_token, sign_in
from tests.factories import PASSWORD, CaseFactory, ContactFactory, UserFactory
from tests.integration.test_panel_calls import add_call, add_recording
from voiceapp.models import Case, CaseEvent, Recording, TeamSettings
from voiceapp.services.team_settings import get_team_settings, update_team_settings
from voiceapp.sim import SimConfig, Simulator
from voiceapp.sim.server import SimServer
from voiceapp.sim.simulator import DEMO_ACCOUNT_SID, DEMO_AUTH_TOKEN
from voiceapp.sim.state import RecordingRecord
from workers.recordings import delete_expired_recordings

MADE = datetime(2025, 1, 6, 10, 0, tzinfo=UTC)
# 90 days (the default) after MADE, and a little: past retention.
LATER = MADE + timedelta(days=90, hours=1)


@pytest.fixture
def sim_app(make_app, tmp_path):
    """The app with its REST client pointed at the Twilio simulator; jobs run in it."""
    sim = Simulator(SimConfig(app_url="http://127.0.0.1:9"))
    server = SimServer(sim).start()
    app = make_app(
        twilio_account_sid=DEMO_ACCOUNT_SID,
        twilio_auth_token=DEMO_AUTH_TOKEN,
        twilio_api_base=server.url,
        recordings_path=tmp_path / "recordings",
    )
    workers.set_job_app(app)
    try:
        yield app, sim
    finally:
        workers.set_job_app(None)
        server.stop()
        app.extensions["voiceapp.db"].engine.dispose()


def recording_at_twilio(sim, rec: Recording) -> RecordingRecord:
    record = RecordingRecord(
        sid=rec.sid,
        account_sid=DEMO_ACCOUNT_SID,
        call_sid=rec.call_sid,
        duration=12,
        channels=1,
        source="DialVerb",
    )
    sim.account.recordings[rec.sid] = record
    return record


def made(dbs, app, when: datetime, **call_fields) -> Recording:
    call = add_call(dbs, started_at=when, **call_fields)
    rec = add_recording(dbs, app, call)
    rec.created_at = when
    dbs.commit()
    return rec


def fresh(dbs, rec: Recording) -> Recording:
    dbs.rollback()
    dbs.expire_all()
    return dbs.get(Recording, rec.id)


def media_file(app, rec: Recording):
    return app.config["VOICEAPP"].resolved_recordings_path() / rec.media_path


def test_media_past_retention_is_deleted_here_and_at_twilio_and_the_rows_stay(sim_app, ctx, dbs):
    app, sim = sim_app
    old = made(dbs, app, MADE)
    recent = made(dbs, app, MADE + timedelta(days=30))
    at_twilio = recording_at_twilio(sim, old)
    old_file, recent_file = media_file(app, old), media_file(app, recent)

    with time_machine.travel(LATER, tick=False):
        result = delete_expired_recordings()

    assert result == {"deleted": 1, "deleted_at_twilio": 1, "twilio_failed": 0}
    assert not old_file.exists() and recent_file.exists()
    assert at_twilio.deleted  # the simulator was asked, as Twilio would be
    old = fresh(dbs, old)
    assert (old.deleted_at, old.deleted_reason, old.deleted_by_id) == (LATER, "retention", None)
    assert old.deleted_at_twilio == LATER
    assert old.call is not None  # the call and the recording rows stay
    assert fresh(dbs, recent).deleted_at is None


def test_running_twice_is_harmless_and_a_copy_twilio_no_longer_has_counts_as_deleted(
    sim_app, ctx, dbs
):
    app, _sim = sim_app
    old = made(dbs, app, MADE)  # the simulator never had it: Twilio answers 404
    with time_machine.travel(LATER, tick=False):
        first = delete_expired_recordings()
    with time_machine.travel(LATER + timedelta(hours=1), tick=False):
        second = delete_expired_recordings()
    assert first == {"deleted": 1, "deleted_at_twilio": 1, "twilio_failed": 0}
    assert second == {"deleted": 0, "deleted_at_twilio": 0, "twilio_failed": 0}
    assert fresh(dbs, old).deleted_at == LATER  # not moved by the second run


def test_a_case_marked_keep_recordings_keeps_its_customers_recordings(sim_app, ctx, dbs):
    app, sim = sim_app
    kept_contact, other_contact = ContactFactory(), ContactFactory()
    CaseFactory(contact=kept_contact, keep_recordings=True)
    kept = made(dbs, app, MADE, contact_id=kept_contact.id)
    # A case closed before the call: its keep flag does not reach later calls.
    closed = CaseFactory(contact=other_contact, keep_recordings=True, status="closed")
    closed.closed_at = MADE - timedelta(days=1)
    dbs.commit()
    later_call = made(dbs, app, MADE, contact_id=other_contact.id)
    recording_at_twilio(sim, kept)

    with time_machine.travel(LATER, tick=False):
        delete_expired_recordings()

    assert fresh(dbs, kept).deleted_at is None and media_file(app, kept).exists()
    assert not sim.account.recordings[kept.sid].deleted
    assert fresh(dbs, later_call).deleted_reason == "retention"


def test_keep_forever_deletes_nothing_and_a_shorter_retention_reaches_further(sim_app, ctx, dbs):
    app, _sim = sim_app
    rec = made(dbs, app, MADE)
    update_team_settings(dbs, recording_retention_days=None)
    dbs.commit()
    with time_machine.travel(MADE + timedelta(days=3000), tick=False):
        assert delete_expired_recordings()["deleted"] == 0
    update_team_settings(dbs, recording_retention_days=7)
    dbs.commit()
    with time_machine.travel(MADE + timedelta(days=8), tick=False):
        assert delete_expired_recordings()["deleted"] == 1
    assert fresh(dbs, rec).deleted_reason == "retention"


def test_a_run_deletes_a_bounded_batch_and_the_next_goes_on(sim_app, ctx, dbs, monkeypatch):
    from voiceapp.services.calls import retention

    app, _sim = sim_app
    for n in range(3):
        made(dbs, app, MADE + timedelta(minutes=n))
    monkeypatch.setattr(retention, "BATCH", 2)
    with time_machine.travel(LATER, tick=False):
        assert delete_expired_recordings()["deleted"] == 2
        assert delete_expired_recordings()["deleted"] == 1


# --- the pages ------------------------------------------------------------------------------


@pytest.fixture
def client(files_app):
    return files_app.test_client()


def test_the_call_page_says_when_retention_deleted_the_recording(client, files_app, ctx, dbs):
    sign_in(client, UserFactory(role="sales_manager").email, PASSWORD)
    call = add_call(dbs, agent_id=UserFactory().id)
    add_recording(dbs, files_app, call, deleted_at=LATER, deleted_reason="retention")
    page = client.get(f"/calls/{call.sid}").text
    assert "Deleted on 2025-04-06 (retention)." in page
    assert 'data-testid="player"' not in page
    assert "deleted on 2025-04-06 (retention)" in client.get("/calls").text
    assert client.get(f"/calls/recordings/{call.recordings[0].sid}").status_code == 404


def test_the_settings_page_shows_what_goes_next_and_saves_days_and_criteria(
    client, files_app, ctx, dbs
):
    sign_in(client, UserFactory(role="admin").email, PASSWORD)
    made(dbs, files_app, datetime(2020, 5, 1, 8, 0, tzinfo=UTC))
    page = client.get("/settings/recordings")
    assert page.status_code == 200
    assert "<strong>1</strong> recording is past 90 days" in page.text
    assert "2020-07-30" in page.text  # made 1 May, deleted 90 days later
    assert dbs.scalar(select(TeamSettings)) is None  # showing it created no settings row

    response = client.post(
        "/settings/recordings",
        data={
            "csrf_token": form_token(client, "/settings/recordings"),
            "retention_days": "30",
            "key-0": "greeting",
            "label-0": "Warm greeting",
            "key-1": "needs_found",
            "label-1": "Needs found",
            "remove-1": "1",
            "new_label": "Objections handled",
        },
    )
    assert response.status_code == 302, response.text
    dbs.rollback()
    settings = get_team_settings(dbs)
    assert settings.recording_retention_days == 30
    assert settings.review_criteria == [
        {"key": "greeting", "label": "Warm greeting"},
        {"key": "objections_handled", "label": "Objections handled"},
    ]


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"retention_days": "0"}, "choose from 1 to 3650 days"),
        ({"retention_days": "soon"}, "a number of days"),
        (
            {
                "retention_days": "30",
                "key-0": "greeting",
                "label-0": "Offer",
                "key-1": "offer",
                "label-1": "Offer",
            },
            "Two criteria have the same label.",
        ),
        ({"retention_days": "30", "key-0": "invented", "label-0": "X"}, "no longer exists"),
    ],
)
def test_bad_settings_come_back_with_a_message_and_change_nothing(client, ctx, dbs, form, message):
    sign_in(client, UserFactory(role="admin").email, PASSWORD)
    response = client.post(
        "/settings/recordings",
        data={"csrf_token": form_token(client, "/settings/recordings"), **form},
    )
    assert response.status_code == 422
    assert message in response.text
    dbs.rollback()
    assert dbs.scalar(select(TeamSettings)) is None


def test_keep_forever_is_saved_as_no_retention(client, ctx, dbs):
    sign_in(client, UserFactory(role="admin").email, PASSWORD)
    client.post(
        "/settings/recordings",
        data={"csrf_token": form_token(client, "/settings/recordings"), "keep_forever": "1"},
    )
    dbs.rollback()
    assert get_team_settings(dbs).recording_retention_days is None
    assert "kept forever: nothing will be deleted" in client.get("/settings/recordings").text
    assert "Recordings are kept forever." in client.get("/settings/telephony").text


def test_a_manager_marks_a_case_keep_recordings_with_a_history_line(client, ctx, dbs):
    case = CaseFactory()
    sign_in(client, UserFactory(role="sales_manager", name="Max").email, PASSWORD)
    token = form_token(client, f"/cases/{case.id}")
    client.post(f"/cases/{case.id}/keep-recordings", data={"csrf_token": token, "keep": "1"})
    dbs.rollback()
    dbs.expire_all()
    assert dbs.get(Case, case.id).keep_recordings is True
    [event] = dbs.scalars(select(CaseEvent).where(CaseEvent.kind == "keep_recordings")).all()
    assert event.summary == "Recordings kept beyond the retention period"
    assert "recordings kept" in client.get(f"/cases/{case.id}").text


def test_an_agent_cannot_change_keep_recordings(client, ctx, dbs):
    agent = UserFactory(role="agent")
    case = CaseFactory(assignee_id=agent.id)
    sign_in(client, agent.email, PASSWORD)
    page = client.get(f"/cases/{case.id}").text
    assert 'data-testid="keep-recordings-form"' not in page
    response = client.post(
        f"/cases/{case.id}/keep-recordings",
        data={"csrf_token": form_token(client, f"/cases/{case.id}"), "keep": "1"},
    )
    assert response.status_code == 302
    dbs.rollback()
    dbs.expire_all()
    assert dbs.get(Case, case.id).keep_recordings is False
