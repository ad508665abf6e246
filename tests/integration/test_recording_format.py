"""The format recordings are kept in: the job fetches MP3 from Twilio (the simulator
serves real MP3 for ".mp3", as Twilio does) unless the team keeps WAV, falls back to WAV
when Twilio refuses MP3 (an encrypted recording), and the admin chooses on the
recordings settings page."""

from __future__ import annotations

import io
import wave

import pytest
import requests
from sqlalchemy import select

import workers
from tests.conftest import form_token, sign_in
from tests.factories import PASSWORD, UserFactory
from tests.integration.test_panel_calls import add_call, add_recording
from tests.mp3 import mp3_info
from voiceapp.models import Recording, TeamSettings
from voiceapp.services.team_settings import get_team_settings, update_team_settings
from voiceapp.sim import SimConfig, Simulator
from voiceapp.sim.server import SimServer
from voiceapp.sim.simulator import DEMO_ACCOUNT_SID, DEMO_AUTH_TOKEN
from voiceapp.sim.state import RecordingRecord
from voiceapp.telephony.adapter import TelephonyError


@pytest.fixture
def sim_app(make_app, tmp_path):
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
        yield app, sim, server.url
    finally:
        workers.set_job_app(None)
        server.stop()
        app.extensions["voiceapp.db"].engine.dispose()


def at_twilio(dbs, app, sim, *, channels=2, seconds=12, encrypted=False) -> Recording:
    rec = add_recording(dbs, app, add_call(dbs), stored=False, channels=channels)
    sim.account.recordings[rec.sid] = RecordingRecord(
        sid=rec.sid,
        account_sid=DEMO_ACCOUNT_SID,
        call_sid=rec.call_sid,
        duration=seconds,
        channels=channels,
        source="DialVerb",
        encrypted=encrypted,
    )
    return rec


def stored_bytes(app, dbs, rec: Recording) -> tuple[Recording, bytes]:
    dbs.rollback()
    dbs.expire_all()
    rec = dbs.get(Recording, rec.id)
    root = app.config["VOICEAPP"].resolved_recordings_path()
    return rec, (root / rec.media_path).read_bytes()


def test_recordings_are_fetched_and_kept_as_mp3_by_default(sim_app, ctx, dbs):
    app, sim, _url = sim_app
    rec = at_twilio(dbs, app, sim, channels=2, seconds=12)
    path = workers.fetch_recording(rec.id)
    rec, media = stored_bytes(app, dbs, rec)
    assert path == rec.media_path == f"{rec.created_at:%Y/%m}/{rec.sid}.mp3"
    assert rec.media_bytes == len(media)
    info = mp3_info(media)
    assert (info.channels, info.kbps, info.sample_rate) == (1, {32}, 8000)
    assert 12.0 <= info.seconds < 12.1


def test_a_team_keeping_wav_gets_twilios_wav_with_both_channels(sim_app, ctx, dbs):
    app, sim, _url = sim_app
    update_team_settings(dbs, recording_format="wav")
    dbs.commit()
    rec = at_twilio(dbs, app, sim, channels=2, seconds=3)
    workers.fetch_recording(rec.id)
    rec, media = stored_bytes(app, dbs, rec)
    assert rec.media_path.endswith(f"{rec.sid}.wav")
    with wave.open(io.BytesIO(media)) as wav:
        assert (wav.getnchannels(), wav.getframerate(), wav.getnframes()) == (2, 8000, 24000)


def test_an_encrypted_recording_twilio_refuses_as_mp3_is_kept_as_wav(sim_app, ctx, dbs, caplog):
    app, sim, _url = sim_app
    rec = at_twilio(dbs, app, sim, channels=1, seconds=2, encrypted=True)
    workers.fetch_recording(rec.id)
    rec, media = stored_bytes(app, dbs, rec)
    assert rec.media_path.endswith(".wav") and media[:4] == b"RIFF"
    assert "Twilio refused MP3" in caplog.text


def test_a_recording_twilio_does_not_have_fails_the_job_and_stores_nothing(sim_app, ctx, dbs):
    app, _sim, _url = sim_app
    rec = add_recording(dbs, app, add_call(dbs), stored=False)  # never at the simulator
    with pytest.raises(TelephonyError, match="as mp3: HTTP 404"):
        workers.fetch_recording(rec.id)
    dbs.rollback()
    assert dbs.get(Recording, rec.id).fetched_at is None
    assert not app.config["VOICEAPP"].resolved_recordings_path().exists()


def test_the_simulator_serves_mp3_and_wav_with_twilios_types_and_auth(sim_app):
    _app, sim, url = sim_app
    sid = "RE" + "5" * 32
    sim.account.recordings[sid] = RecordingRecord(
        sid=sid, account_sid=DEMO_ACCOUNT_SID, call_sid="CA1", duration=5, channels=2, source="x"
    )
    base = f"{url}/2010-04-01/Accounts/{DEMO_ACCOUNT_SID}/Recordings/{sid}"
    auth = (DEMO_ACCOUNT_SID, DEMO_AUTH_TOKEN)
    mp3 = requests.get(base + ".mp3", auth=auth, timeout=10)
    assert (mp3.status_code, mp3.headers["Content-Type"]) == (200, "audio/mpeg")
    assert mp3_info(mp3.content).channels == 1
    wav = requests.get(base + ".wav", auth=auth, timeout=10)
    assert (wav.status_code, wav.headers["Content-Type"]) == (200, "audio/x-wav")
    assert (
        requests.get(base + ".mp3", auth=(DEMO_ACCOUNT_SID, "wrong"), timeout=10).status_code == 401
    )
    sim.account.recordings[sid].encrypted = True
    refused = requests.get(base + ".mp3", auth=auth, timeout=10)
    assert (refused.status_code, refused.json()["code"]) == (400, 16109)


# --- the settings page ------------------------------------------------------------------------


@pytest.fixture
def client(app):
    return app.test_client()


def test_the_admin_chooses_wav_and_back(client, ctx, dbs):
    sign_in(client, UserFactory(role="admin").email, PASSWORD)
    page = client.get("/settings/recordings").text
    assert 'name="recording_format" value="mp3" checked' in page
    for fmt in ("wav", "mp3"):
        response = client.post(
            "/settings/recordings",
            data={
                "csrf_token": form_token(client, "/settings/recordings"),
                "recording_format": fmt,
                "retention_days": "90",
            },
        )
        assert response.status_code == 302, response.text
        dbs.rollback()
        assert get_team_settings(dbs).recording_format == fmt
    assert 'name="recording_format" value="mp3" checked' in client.get("/settings/recordings").text


@pytest.mark.parametrize("value", ["ogg", "", "MP3", "wav " * 20])
def test_a_format_we_do_not_keep_comes_back_with_a_message_and_changes_nothing(
    client, ctx, dbs, value
):
    sign_in(client, UserFactory(role="admin").email, PASSWORD)
    response = client.post(
        "/settings/recordings",
        data={
            "csrf_token": form_token(client, "/settings/recordings"),
            "recording_format": value,
            "retention_days": "30",
        },
    )
    assert response.status_code == 422
    assert "Format: choose one of mp3, wav." in response.text
    dbs.rollback()
    assert dbs.scalar(select(TeamSettings)) is None
