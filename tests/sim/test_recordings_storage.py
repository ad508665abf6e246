"""Recordings end to end with an S3-compatible bucket (web and workers on several hosts):
a simulated call's recording is fetched from the simulator by the worker in the team's
format, kept in the bucket (nothing in a local folder), played in the panel from the
bucket through the app (type, ranges, the listen logged) and deleted from it by retention.
Also what a minute of recording costs in each format, measured on the simulator's real
files."""

from __future__ import annotations

import io
import wave
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from tests.conftest import sign_in
from tests.factories import PASSWORD, UserFactory
from tests.mp3 import mp3_info
from tests.s3server import bucket_keys
from tests.sim.conftest import CUSTOMER, OUR_NUMBER, api_token, go_online, settle
from voiceapp.models import Call, Recording, RecordingListen
from voiceapp.sim.parties import Party
from workers.recordings import delete_expired_recordings


@pytest.fixture
def world_settings(s3_settings):
    return s3_settings


def recorded_call(world, dbs, agent, talk_seconds: int) -> Recording:
    go_online(world, api_token(dbs, agent))
    run = world.sim.inbound_call(
        CUSTOMER,
        OUR_NUMBER,
        caller=Party(digits=["1", "1"], talk_seconds=talk_seconds + 30),
        agents={f"agent_{agent.id}": Party(answer_after=2, talk_seconds=talk_seconds)},
    )
    assert all(r.status == 200 for r in world.sim.transport.sent), "a request was refused"
    settle(dbs)
    call = dbs.scalar(select(Call).where(Call.sid == run.parent.sid))
    (recording,) = call.recordings
    assert recording.fetched_at is not None, recording.fetch_error
    return recording


def test_the_recording_is_kept_in_the_bucket_as_mp3_and_played_from_it(
    world,
    agent,
    dbs,
    s3_endpoint,
    s3_bucket,
):
    recording = recorded_call(world, dbs, agent, talk_seconds=35)

    key = f"recordings/{recording.created_at:%Y/%m}/{recording.sid}.mp3"
    stored = bucket_keys(s3_endpoint, s3_bucket)
    assert list(stored) == [key]
    media = stored[key]
    assert recording.media_bytes == len(media)
    info = mp3_info(media)
    assert (info.channels, info.kbps, info.sample_rate) == (1, {32}, 8000)
    assert 35.0 <= info.seconds < 35.0 + 3 * 576 / 8000
    assert not world.recordings.exists()  # no local folder: another host plays it

    client = world.app.test_client()
    manager = UserFactory(role="sales_manager")
    sign_in(client, manager.email, PASSWORD)
    url = f"/calls/recordings/{recording.sid}"
    whole = client.get(url)
    assert whole.status_code == 200
    assert whole.mimetype == "audio/mpeg"
    assert whole.headers["Accept-Ranges"] == "bytes"
    assert whole.headers["Cache-Control"] == "private, no-store"
    assert whole.data == media
    part = client.get(url, headers={"Range": "bytes=100-1099"})
    assert part.status_code == 206
    assert part.data == media[100:1100]
    assert part.headers["Content-Range"] == f"bytes 100-1099/{len(media)}"
    assert client.get(url, headers={"Range": f"bytes={len(media)}-"}).status_code == 416
    dbs.rollback()
    listens = dbs.scalars(
        select(RecordingListen.user_id).where(RecordingListen.recording_id == recording.id)
    ).all()
    assert listens == [manager.id, manager.id]

    # Retention deletes the media from the bucket; the row stays, marked.
    with time_machine.travel(recording.created_at + timedelta(days=91), tick=False):
        result = delete_expired_recordings()
    assert result["deleted"] == 1
    assert bucket_keys(s3_endpoint, s3_bucket) == {}
    dbs.rollback()
    dbs.expire_all()
    assert dbs.get(Recording, recording.id).deleted_reason == "retention"
    assert client.get(url).status_code == 404


def test_a_team_keeping_wav_gets_wav_in_the_bucket_played_as_wav(
    world,
    agent,
    team,
    dbs,
    s3_endpoint,
    s3_bucket,
):
    team.recording_format = "wav"
    dbs.commit()
    recording = recorded_call(world, dbs, agent, talk_seconds=20)
    (key,) = bucket_keys(s3_endpoint, s3_bucket)
    assert key.endswith(f"{recording.sid}.wav")
    with wave.open(io.BytesIO(bucket_keys(s3_endpoint, s3_bucket)[key])) as wav:
        assert (wav.getnchannels(), wav.getframerate(), wav.getnframes()) == (2, 8000, 160000)
    client = world.app.test_client()
    sign_in(client, UserFactory(role="admin").email, PASSWORD)
    response = client.get(f"/calls/recordings/{recording.sid}")
    assert (response.status_code, response.mimetype) == (200, "audio/wav")


def test_a_minute_costs_an_eighth_as_mp3(world, agent, team, dbs, capsys):
    """The figures for the notes: bytes stored per minute of a two-party call."""
    sizes = {}
    for fmt in ("mp3", "wav"):
        team.recording_format = fmt
        dbs.commit()
        sizes[fmt] = recorded_call(world, dbs, agent, talk_seconds=60).media_bytes
    with capsys.disabled():
        print(f"\nbytes per minute stored: mp3 {sizes['mp3']:,}, wav (2 channels) {sizes['wav']:,}")
    assert sizes["wav"] == 60 * 8000 * 2 * 2 + 44  # 16-bit, two channels, the header
    assert sizes["mp3"] == 834 * 288  # 60 s in 72 ms frames of 288 bytes (32 kbit/s)
    assert 7.9 < sizes["wav"] / sizes["mp3"] < 8.1
