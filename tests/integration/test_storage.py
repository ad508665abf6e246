"""voiceapp.storage: the local folder and the S3-compatible bucket keep the same promises
(put whole, stat, ranges, read, delete twice, list by prefix, keys that cannot leave
their area), each tested the same way; the bucket through boto3 against a local
S3-compatible server over a socket."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta

import pytest

from tests.s3server import ACCESS_KEY, REGION, SECRET_KEY, bucket_keys
from voiceapp.config import ConfigError, Settings
from voiceapp.storage import CHUNK, BadKey, StorageError, check_key, store_for
from voiceapp.storage.local import LocalStore
from voiceapp.storage.s3 import S3Store

MEDIA = bytes(range(256)) * 4096 + b"tail"  # 1 MiB and a bit: more than one CHUNK


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path):
    if request.param == "local":
        return LocalStore(tmp_path / "files")
    settings = Settings(**request.getfixturevalue("s3_settings"))
    return store_for(settings, "recordings")


def test_a_file_put_is_there_whole_with_its_size_and_date(store):
    before = datetime.now(UTC).replace(microsecond=0)
    store.put("2026/11/RE1.mp3", MEDIA, "audio/mpeg")
    stored = store.stat("2026/11/RE1.mp3")
    assert stored.key == "2026/11/RE1.mp3"
    assert stored.size == len(MEDIA)
    assert stored.modified >= before - timedelta(seconds=2)
    assert stored.etag
    assert store.read("2026/11/RE1.mp3") == MEDIA
    assert b"".join(store.read_range("2026/11/RE1.mp3", 0, len(MEDIA))) == MEDIA


def test_ranges_come_in_chunks_and_stop_where_asked(store):
    store.put("a/b.wav", MEDIA, "audio/wav")
    assert b"".join(store.read_range("a/b.wav", 10, 20)) == MEDIA[10:20]
    tail = list(store.read_range("a/b.wav", 5, len(MEDIA)))
    assert b"".join(tail) == MEDIA[5:]
    assert max(len(c) for c in tail) <= CHUNK and len(tail) > 1  # streamed, not whole
    assert b"".join(store.read_range("a/b.wav", 3, 3)) == b""


def test_a_second_put_replaces_the_file(store):
    store.put("x.txt", b"old", "text/plain")
    store.put("x.txt", b"new!", "text/plain")
    assert store.read("x.txt") == b"new!" and store.stat("x.txt").size == 4


def test_missing_files_are_none_and_deleting_twice_is_fine(store):
    assert store.stat("nope.mp3") is None
    assert store.read("nope.mp3") is None
    store.put("12/abc--report.csv", b"a,b\n", "text/csv")
    store.delete("12/abc--report.csv")
    store.delete("12/abc--report.csv")
    assert store.stat("12/abc--report.csv") is None
    assert list(store.list()) == []


def test_list_finds_files_by_prefix(store):
    for key in ("12/a--x.csv", "12/b--y.xlsx", "13/c--z.csv", "120/d.csv"):
        store.put(key, b"data", "text/csv")
    assert sorted(f.key for f in store.list("12/")) == ["12/a--x.csv", "12/b--y.xlsx"]
    assert len(list(store.list())) == 4
    assert all(f.size == 4 for f in store.list())


@pytest.mark.parametrize(
    "key", ["", "/etc/passwd", "../x", "a/../../x", "a//b", "./a", "a\\..\\b", "a/\x00b"]
)
def test_keys_cannot_reach_outside_their_area(store, key):
    with pytest.raises(BadKey):
        check_key(key)
    with pytest.raises(BadKey):
        store.put(key, b"x", "text/plain")
    with pytest.raises(BadKey):
        store.stat(key)


def test_the_local_store_writes_no_partial_file_and_keeps_todays_layout(tmp_path):
    store = LocalStore(tmp_path)
    store.put("2025/03/RE1.wav", b"RIFF", "audio/wav")
    assert (tmp_path / "2025/03/RE1.wav").read_bytes() == b"RIFF"
    assert [p.name for p in (tmp_path / "2025/03").iterdir()] == ["RE1.wav"]
    # A file stored before the interface existed is found under its old relative path.
    (tmp_path / "browser").mkdir()
    (tmp_path / "browser/review.wav").write_bytes(b"old")
    assert store.read("browser/review.wav") == b"old"


def test_areas_are_prefixes_in_one_bucket(s3_settings, s3_endpoint, s3_bucket):
    settings = Settings(**s3_settings, s3_prefix="team-a/")
    store_for(settings, "recordings").put("2026/11/RE1.mp3", b"mp3", "audio/mpeg")
    store_for(settings, "case-files").put("7/abc-notes.txt", b"txt", "text/plain")
    assert bucket_keys(s3_endpoint, s3_bucket) == {
        "team-a/recordings/2026/11/RE1.mp3": b"mp3",
        "team-a/case-files/7/abc-notes.txt": b"txt",
    }
    # Each area sees only its own files.
    assert [f.key for f in store_for(settings, "recordings").list()] == ["2026/11/RE1.mp3"]


def test_a_bucket_that_cannot_be_reached_is_a_storage_error():
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there now
    settings = Settings(
        storage="s3",
        s3_bucket="b",
        s3_endpoint_url=f"http://127.0.0.1:{port}",
        s3_region=REGION,
        s3_access_key_id=ACCESS_KEY,
        s3_secret_access_key=SECRET_KEY,
        s3_timeout_seconds=1,
    )
    store = store_for(settings, "recordings")
    assert isinstance(store, S3Store)
    for operation in (
        lambda: store.put("a.mp3", b"x", "audio/mpeg"),
        lambda: store.stat("a.mp3"),
        lambda: store.read("a.mp3"),
        lambda: store.delete("a.mp3"),
        lambda: list(store.list()),
    ):
        with pytest.raises(StorageError, match="could not"):
            operation()


def test_settings_read_the_storage_from_the_environment(monkeypatch):
    monkeypatch.setenv("STORAGE", "S3")
    monkeypatch.setenv("S3_BUCKET", "calls")
    monkeypatch.setenv("S3_ENDPOINT_URL", "http://minio:9000")
    monkeypatch.setenv("S3_REGION", "eu-central-1")
    monkeypatch.setenv("S3_ACCESS_KEY_ID", "key")
    monkeypatch.setenv("S3_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setenv("S3_PREFIX", "voiceapp/")
    settings = Settings.from_env()
    assert (settings.storage, settings.s3_bucket, settings.s3_prefix) == (
        "s3",
        "calls",
        "voiceapp/",
    )
    assert (settings.s3_endpoint_url, settings.s3_region) == ("http://minio:9000", "eu-central-1")
    assert (settings.s3_access_key_id, settings.s3_secret_access_key) == ("key", "secret")
    assert Settings().storage == "local"  # the default: today's folders


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"storage": "nfs"}, "STORAGE must be one of local, s3"),
        ({"storage": "s3"}, "STORAGE=s3 needs S3_BUCKET"),
        ({"storage": "s3", "s3_bucket": "b", "s3_endpoint_url": "minio:9000"}, "http(s)"),
        ({"storage": "s3", "s3_bucket": "b", "s3_prefix": "/abs"}, "S3_PREFIX must be"),
        ({"storage": "s3", "s3_bucket": "b", "s3_timeout_seconds": 0}, "S3_TIMEOUT_SECONDS"),
    ],
)
def test_wrong_storage_settings_stop_the_app_with_a_message(overrides, message):
    settings = Settings(env="development", **overrides)
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        settings.validate()
