"""TwilioAdapter against a small HTTP server that answers like Twilio's REST API: twilio's
own Client, unchanged, pointed at another base URL (TWILIO_API_BASE)."""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.twilio_helpers import ACCOUNT_SID, AUTH_TOKEN
from voiceapp.telephony.adapter import NumberInfo, TelephonyError, TwilioAdapter

PREFIX = f"/2010-04-01/Accounts/{ACCOUNT_SID}"
# A WAV header followed by every byte value: any text decoding on the way would show.
MEDIA = b"RIFF\x24\x08\x00\x00WAVEfmt " + bytes(range(256)) * 8
RECORDING_SID = "RE" + "a" * 32
SERVER_PAGE_SIZE = 2  # smaller than what the client asks for: the client must follow pages


class FakeTwilioApi(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.seen: list[dict] = []
        self.numbers = [
            {"sid": "PN" + "1" * 32, "phone_number": "+4930901820", "friendly_name": "Berlin"},
            {"sid": "PN" + "2" * 32, "phone_number": "+4940123456", "friendly_name": None},
            {"sid": "PN" + "3" * 32, "phone_number": "+4989555000", "friendly_name": "Munich"},
        ]
        self.recordings = {RECORDING_SID: MEDIA}
        self.fail_deletes_with: int | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"


def webhook_fields(form: dict) -> dict:
    names = {
        "VoiceUrl": "voice_url",
        "VoiceMethod": "voice_method",
        "VoiceFallbackUrl": "voice_fallback_url",
        "VoiceFallbackMethod": "voice_fallback_method",
        "StatusCallback": "status_callback",
        "StatusCallbackMethod": "status_callback_method",
    }
    return {field: form[param] for param, field in names.items() if param in form}


def error_body(status: int, code: int, message: str) -> dict:
    return {"code": code, "message": message, "more_info": "", "status": status}


class Handler(BaseHTTPRequestHandler):
    server: FakeTwilioApi

    def log_message(self, *args):  # keep the test output quiet
        pass

    def _send(self, status: int, body: bytes = b"", content_type: str = "application/json"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, payload: dict) -> None:
        self._send(status, json.dumps(payload).encode())

    def _authorised(self) -> bool:
        expected = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
        if self.headers.get("Authorization") == f"Basic {expected}":
            return True
        self._json(401, error_body(401, 20003, "Authenticate"))
        return False

    def _handle(self, method: str) -> None:
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        form = {k: v[-1] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        self.server.seen.append({"method": method, "path": url.path, "query": query, "form": form})
        if not self._authorised():
            return
        path = url.path
        if not path.startswith(PREFIX + "/"):
            self._json(404, error_body(404, 20404, "not found"))
            return
        route = path.removeprefix(PREFIX)
        if (method, route) == ("GET", "/IncomingPhoneNumbers.json"):
            self._list_numbers(query)
        elif (method, route) == ("POST", "/IncomingPhoneNumbers.json"):
            self._buy(form)
        elif method == "POST" and route.startswith("/IncomingPhoneNumbers/PN"):
            self._configure(
                route.removeprefix("/IncomingPhoneNumbers/").removesuffix(".json"), form
            )
        elif method == "GET" and route == "/AvailablePhoneNumbers/DE/Local.json":
            self._available(query)
        elif method == "GET" and route.startswith("/Recordings/") and route.endswith(".wav"):
            media = self.server.recordings.get(route.removeprefix("/Recordings/")[:-4])
            if media is None:
                self._json(404, error_body(404, 20404, "no such recording"))
            else:
                self._send(200, media, "audio/x-wav")
        elif method == "DELETE" and route.startswith("/Recordings/") and route.endswith(".json"):
            sid = route.removeprefix("/Recordings/")[:-5]
            if self.server.fail_deletes_with:
                status = self.server.fail_deletes_with
                self._json(status, error_body(status, 20500, "internal error"))
            elif self.server.recordings.pop(sid, None) is None:
                self._json(404, error_body(404, 20404, "no such recording"))
            else:
                self._send(204)
        else:
            self._json(404, error_body(404, 20404, "not found"))

    def _list_numbers(self, query: dict) -> None:
        size = min(int(query.get("PageSize", 50)), SERVER_PAGE_SIZE)
        page = int(query.get("Page", 0))
        numbers = self.server.numbers[page * size : (page + 1) * size]
        more = (page + 1) * size < len(self.server.numbers)
        uri = f"{PREFIX}/IncomingPhoneNumbers.json"
        self._json(
            200,
            {
                "incoming_phone_numbers": [
                    {"account_sid": ACCOUNT_SID, "uri": f"{PREFIX}/x.json", **n} for n in numbers
                ],
                "page": page,
                "page_size": size,
                "start": page * size,
                "end": page * size + len(numbers) - 1,
                "uri": f"{uri}?PageSize={size}&Page={page}",
                "first_page_uri": f"{uri}?PageSize={size}&Page=0",
                "next_page_uri": f"{uri}?PageSize={size}&Page={page + 1}" if more else None,
                "previous_page_uri": None,
            },
        )

    def _available(self, query: dict) -> None:
        offered = [
            {"phone_number": "+4930555111", "friendly_name": "030 555111", "iso_country": "DE"},
            {"phone_number": "+4930555222", "friendly_name": "", "iso_country": "DE"},
        ]
        contains = query.get("Contains", "")
        self._json(
            200,
            {
                "available_phone_numbers": [
                    n for n in offered if contains.strip("*") in n["phone_number"]
                ],
                "uri": f"{PREFIX}/AvailablePhoneNumbers/DE/Local.json",
            },
        )

    def _buy(self, form: dict) -> None:
        number = {
            "sid": "PN" + "9" * 32,
            "account_sid": ACCOUNT_SID,
            "phone_number": form["PhoneNumber"],
            "friendly_name": form["PhoneNumber"],
            "date_created": "Mon, 23 Nov 2026 10:00:00 +0000",
            **webhook_fields(form),
        }
        self.server.numbers.append(number)
        self._json(201, number)

    def _configure(self, sid: str, form: dict) -> None:
        number = next((n for n in self.server.numbers if n["sid"] == sid), None)
        if number is None:
            self._json(404, error_body(404, 20404, "no such number"))
            return
        number.update(webhook_fields(form))
        self._json(200, number)

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")

    def do_DELETE(self):
        self._handle("DELETE")


@pytest.fixture
def api() -> Iterator[FakeTwilioApi]:
    server = FakeTwilioApi()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def adapter(api) -> TwilioAdapter:
    return TwilioAdapter(ACCOUNT_SID, AUTH_TOKEN, api_base=api.base + "/")


def test_numbers_are_listed_across_pages(adapter, api):
    assert adapter.list_numbers() == [
        NumberInfo("PN" + "1" * 32, "+4930901820", "Berlin"),
        NumberInfo("PN" + "2" * 32, "+4940123456", "+4940123456"),  # no name: the number
        NumberInfo("PN" + "3" * 32, "+4989555000", "Munich"),
    ]
    # Every page, the next ones too, came from our server, not api.twilio.com.
    assert [(r["method"], r["path"], r["query"].get("Page")) for r in api.seen] == [
        ("GET", f"{PREFIX}/IncomingPhoneNumbers.json", None),
        ("GET", f"{PREFIX}/IncomingPhoneNumbers.json", "1"),
    ]
    assert api.seen[0]["query"]["PageSize"] == "500"


def test_available_numbers_are_searched_by_country_and_digits(adapter, api):
    found = adapter.search_available("DE", contains="555222")
    assert found == [NumberInfo(None, "+4930555222", "+4930555222")]
    assert api.seen[-1]["query"] == {"Contains": "555222", "VoiceEnabled": "true", "PageSize": "20"}
    assert [n.number for n in adapter.search_available("DE")] == ["+4930555111", "+4930555222"]
    assert "Contains" not in api.seen[-1]["query"]


WEBHOOKS = {
    "voice_url": "https://voice.example.com/twilio/voice/inbound",
    "fallback_url": "https://voice.example.com/twilio/voice/fallback",
    "status_callback": "https://voice.example.com/twilio/voice/status",
}
WEBHOOK_FORM = {
    "VoiceUrl": "https://voice.example.com/twilio/voice/inbound",
    "VoiceMethod": "POST",
    "VoiceFallbackUrl": "https://voice.example.com/twilio/voice/fallback",
    "VoiceFallbackMethod": "POST",
    "StatusCallback": "https://voice.example.com/twilio/voice/status",
    "StatusCallbackMethod": "POST",
}


def test_buying_a_number_points_its_webhooks_at_us(adapter, api):
    bought = adapter.buy_number("+4930555111", **WEBHOOKS)
    assert bought == NumberInfo("PN" + "9" * 32, "+4930555111", "+4930555111")
    request = api.seen[-1]
    assert (request["method"], request["path"]) == ("POST", f"{PREFIX}/IncomingPhoneNumbers.json")
    assert request["form"] == {"PhoneNumber": "+4930555111", **WEBHOOK_FORM}
    assert "+4930555111" in [n.number for n in adapter.list_numbers()]


def test_configuring_a_linked_number_points_its_webhooks_at_us(adapter, api):
    sid = "PN" + "2" * 32
    adapter.configure_number(sid, **WEBHOOKS)
    request = api.seen[-1]
    assert (request["method"], request["path"]) == (
        "POST",
        f"{PREFIX}/IncomingPhoneNumbers/{sid}.json",
    )
    assert request["form"] == WEBHOOK_FORM
    with pytest.raises(TelephonyError, match="could not configure"):
        adapter.configure_number("PN" + "0" * 32, **WEBHOOKS)


def test_recording_media_arrives_byte_for_byte(adapter, api):
    assert adapter.fetch_recording(RECORDING_SID) == MEDIA
    assert api.seen[-1]["path"] == f"{PREFIX}/Recordings/{RECORDING_SID}.wav"
    with pytest.raises(TelephonyError, match="HTTP 404"):
        adapter.fetch_recording("RE" + "0" * 32)


def test_deleting_a_recording_and_deleting_it_again(adapter, api):
    adapter.delete_recording(RECORDING_SID)
    assert (api.seen[-1]["method"], api.seen[-1]["path"]) == (
        "DELETE",
        f"{PREFIX}/Recordings/{RECORDING_SID}.json",
    )
    assert RECORDING_SID not in api.recordings
    adapter.delete_recording(RECORDING_SID)  # already gone (404) is what we wanted
    api.fail_deletes_with = 500
    with pytest.raises(TelephonyError, match="could not delete"):
        adapter.delete_recording(RECORDING_SID)


def test_a_wrong_token_is_a_telephony_error_everywhere(api):
    wrong = TwilioAdapter(ACCOUNT_SID, "not-the-token", api_base=api.base)
    calls = [
        wrong.list_numbers,
        lambda: wrong.search_available("DE"),
        lambda: wrong.buy_number("+4930555111", **WEBHOOKS),
        lambda: wrong.configure_number("PN" + "1" * 32, **WEBHOOKS),
        lambda: wrong.fetch_recording(RECORDING_SID),
        lambda: wrong.delete_recording(RECORDING_SID),
    ]
    for call in calls:
        with pytest.raises(TelephonyError):
            call()
    assert len(api.seen) == len(calls)
    assert RECORDING_SID in api.recordings  # nothing was done
    assert len(api.numbers) == 3
    assert all("voice_url" not in n for n in api.numbers)


@pytest.fixture
def closed_base() -> str:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return f"http://127.0.0.1:{port}"


def test_an_unreachable_api_is_a_telephony_error(closed_base):
    """Found here: twilio's Client lets requests' ConnectionError through, which is not a
    TwilioException, so callers expecting TelephonyError got an unexpected crash."""
    adapter = TwilioAdapter(ACCOUNT_SID, AUTH_TOKEN, api_base=closed_base)
    for call in [
        adapter.list_numbers,
        lambda: adapter.search_available("DE"),
        lambda: adapter.buy_number("+4930555111", **WEBHOOKS),
        lambda: adapter.configure_number("PN" + "1" * 32, **WEBHOOKS),
        lambda: adapter.fetch_recording(RECORDING_SID),
        lambda: adapter.delete_recording(RECORDING_SID),
    ]:
        with pytest.raises(TelephonyError):
            call()


@pytest.fixture
def hanging_base() -> Iterator[str]:
    """Accepts connections, never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    listener.close()


def test_a_hanging_api_is_given_up_on(hanging_base):
    """twilio's Client waits forever by default; the adapter bounds every request."""
    assert TwilioAdapter(ACCOUNT_SID, AUTH_TOKEN).timeout == 30
    adapter = TwilioAdapter(ACCOUNT_SID, AUTH_TOKEN, api_base=hanging_base, timeout=0.3)
    for call in [adapter.list_numbers, lambda: adapter.fetch_recording(RECORDING_SID)]:
        started = time.monotonic()
        with pytest.raises(TelephonyError):
            call()
        assert time.monotonic() - started < 3
