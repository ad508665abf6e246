"""Twilio's REST API, the parts the app uses, under Twilio's own paths: numbers (list,
search, buy with their regulatory bundle and address, configure), the account's addresses
and (numbers.twilio.com's path) bundles, calls (create, fetch, update: hang up, redirect
or new TwiML) and recordings (metadata, media as WAV or MP3, delete). HTTP basic auth with the
account SID and auth token (or an API key and its secret), refused like Twilio does (401,
error 20003)."""

from __future__ import annotations

import base64
import hmac
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, jsonify, request

from voiceapp.sim.regulatory import address_requirement, purchase_refusal
from voiceapp.sim.state import API_VERSION, IncomingNumber
from voiceapp.sim.twiml import TwimlError, parse
from voiceapp.sim.wav import recording_mp3, recording_wav

bp = Blueprint("sim_rest", __name__, url_prefix=f"/{API_VERSION}/Accounts/<account_sid>")
# numbers.twilio.com's paths (the app's client points its `numbers` domain here too).
numbers_bp = Blueprint("sim_numbers_v2", __name__, url_prefix="/v2")
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
# Local numbers on offer per country: (prefix, digits after it).
OFFERED = {
    "DE": ("+4930555", 4),
    "ES": ("+3491555", 4),
    "FR": ("+331555", 5),
    "AT": ("+431555", 4),
    "US": ("+1415555", 4),
    "GB": ("+44207555", 4),
}


def _sim():
    return current_app.extensions["voiceapp.sim"]


def error(status: int, code: int, message: str) -> Response:
    response = jsonify(
        {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        }
    )
    response.status_code = status
    return response


def _credentials_ok(account_sid: str) -> bool:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Basic "):
        return False
    try:
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return False
    config = _sim().config
    pairs = [(config.account_sid, config.auth_token)]
    if config.api_key_sid and config.api_key_secret:
        pairs.append((config.api_key_sid, config.api_key_secret))
    ok = any(hmac.compare_digest(user, u) and hmac.compare_digest(password, p) for u, p in pairs)
    return ok and account_sid == config.account_sid


@bp.before_request
def authenticate():
    account_sid = request.view_args.get("account_sid", "") if request.view_args else ""
    if not _credentials_ok(account_sid):
        response = error(401, 20003, "Authenticate")
        response.headers["WWW-Authenticate"] = 'Basic realm="Twilio API"'
        return response
    return None


@numbers_bp.before_request
def authenticate_v2():
    if not _credentials_ok(_sim().config.account_sid):
        response = error(401, 20003, "Authenticate")
        response.headers["WWW-Authenticate"] = 'Basic realm="Twilio API"'
        return response
    return None


def not_found() -> Response:
    return error(404, 20404, f"The requested resource {request.path} was not found")


# Parameters twilio-python sends once per value (a list argument becomes the name repeated:
# status_callback_event=["initiated", "answered"] is StatusCallbackEvent=initiated&
# StatusCallbackEvent=answered). Twilio reads every value; they are kept space-separated.
REPEATED = frozenset({"StatusCallbackEvent", "RecordingStatusCallbackEvent"})


def _form() -> dict:
    form = {k: v for k, v in request.form.items()}
    for name in REPEATED & set(request.form):
        form[name] = " ".join(request.form.getlist(name))
    return form


def _page(key: str, items: list[dict], path: str) -> Response:
    try:
        size = min(max(int(request.args.get("PageSize", DEFAULT_PAGE_SIZE)), 1), MAX_PAGE_SIZE)
        page = max(int(request.args.get("Page", 0)), 0)
    except ValueError:
        return error(400, 20001, "PageSize and Page must be numbers")
    chosen = items[page * size : (page + 1) * size]
    more = (page + 1) * size < len(items)
    filters = {k: v for k, v in request.args.items() if k not in ("Page", "PageSize", "PageToken")}

    def uri(n: int) -> str:
        return f"{path}?{urlencode({**filters, 'PageSize': size, 'Page': n})}"

    return jsonify(
        {
            key: chosen,
            "page": page,
            "page_size": size,
            "start": page * size,
            "end": page * size + max(len(chosen) - 1, 0),
            "uri": uri(page),
            "first_page_uri": uri(0),
            "next_page_uri": uri(page + 1) if more else None,
            "previous_page_uri": uri(page - 1) if page else None,
        }
    )


# --- numbers -------------------------------------------------------------------------------


@bp.get("/IncomingPhoneNumbers.json")
def list_numbers(account_sid):
    account = _sim().account
    with account.lock:
        numbers = sorted(account.numbers.values(), key=lambda n: n.date_created)
    wanted = request.args.get("PhoneNumber")
    items = [n.to_json(account_sid) for n in numbers if not wanted or n.phone_number == wanted]
    return _page("incoming_phone_numbers", items, request.path)


@bp.post("/IncomingPhoneNumbers.json")
def buy_number(account_sid):
    form = _form()
    phone_number = form.get("PhoneNumber")
    if not phone_number:
        return error(400, 21452, "No phone numbers found: PhoneNumber or AreaCode is required")
    account = _sim().account
    with account.lock:
        if account.number(phone_number) is not None:
            return error(400, 21422, f"PhoneNumber {phone_number} is not available")
        refusal = purchase_refusal(account, _country_of(phone_number), form)
        if refusal is not None:
            return error(400, *refusal)
        number = account.add_number(phone_number)
        number.update(form)
    response = jsonify(number.to_json(account_sid))
    response.status_code = 201
    return response


def _country_of(phone_number: str) -> str | None:
    return next((c for c, (prefix, _) in OFFERED.items() if phone_number.startswith(prefix)), None)


def _number(sid: str) -> IncomingNumber | None:
    return _sim().account.numbers.get(sid)


@bp.get("/IncomingPhoneNumbers/<sid>.json")
def fetch_number(account_sid, sid):
    number = _number(sid)
    return jsonify(number.to_json(account_sid)) if number else not_found()


@bp.post("/IncomingPhoneNumbers/<sid>.json")
def update_number(account_sid, sid):
    number = _number(sid)
    if number is None:
        return not_found()
    with _sim().account.lock:
        number.update(_form())
    return jsonify(number.to_json(account_sid))


@bp.delete("/IncomingPhoneNumbers/<sid>.json")
def release_number(account_sid, sid):
    account = _sim().account
    with account.lock:
        if account.numbers.pop(sid, None) is None:
            return not_found()
    return Response(status=204)


@bp.get("/AvailablePhoneNumbers/<country>/Local.json")
def available_numbers(account_sid, country):
    country = country.upper()
    if country not in OFFERED:
        return not_found()
    prefix, digits = OFFERED[country]
    contains = request.args.get("Contains", "").replace("*", "")
    owned = {n.phone_number for n in _sim().account.numbers.values()}
    offered = []
    for i in range(10**digits):
        number = f"{prefix}{i:0{digits}d}"
        if number in owned or (contains and contains not in number):
            continue
        offered.append(
            {
                "friendly_name": number,
                "phone_number": number,
                "iso_country": country,
                "locality": None,
                "region": None,
                "postal_code": None,
                "lata": None,
                "rate_center": None,
                "latitude": None,
                "longitude": None,
                "address_requirements": address_requirement(country),
                "beta": False,
                "capabilities": {"voice": True, "SMS": False, "MMS": False},
            }
        )
        if len(offered) >= int(request.args.get("PageSize", 30)):
            break
    return jsonify({"available_phone_numbers": offered, "uri": request.full_path})


# --- what regulated numbers need: the account's addresses and bundles ---------------------


@bp.get("/Addresses.json")
def list_addresses(account_sid):
    account = _sim().account
    country = request.args.get("IsoCountry")
    with account.lock:
        addresses = list(account.addresses.values())
    items = [a.to_json(account_sid) for a in addresses if country in (None, a.iso_country)]
    return _page("addresses", items, request.path)


@numbers_bp.get("/RegulatoryCompliance/Bundles")
def list_bundles():
    account = _sim().account
    wanted = {
        "status": request.args.get("Status"),
        "iso_country": request.args.get("IsoCountry"),
        "number_type": request.args.get("NumberType"),
    }
    with account.lock:
        bundles = list(account.bundles.values())
    items = [
        b.to_json(account.sid)
        for b in bundles
        if all(v is None or getattr(b, k) == v for k, v in wanted.items())
    ]
    meta = {"key": "results", "page": 0, "page_size": max(len(items), 50)}
    meta.update(url=request.base_url, first_page_url=request.base_url)
    meta.update(previous_page_url=None, next_page_url=None)
    return jsonify({"results": items, "meta": meta})


# --- calls ----------------------------------------------------------------------------------


@bp.post("/Calls.json")
def create_call(account_sid):
    form = _form()
    for name in ("To", "From"):
        if not form.get(name):
            return error(400, 21201 if name == "To" else 21213, f"'{name}' is required")
    if not form.get("Url") and not form.get("Twiml") and not form.get("ApplicationSid"):
        return error(400, 21205, "Url parameter is required")
    if form.get("ApplicationSid"):
        app = _sim().account.apps.get(form["ApplicationSid"])
        if app is None:
            return error(400, 21218, "Invalid ApplicationSid")
        form.setdefault("Url", app.voice_url)
    record = _sim().api_call(form)
    response = jsonify(record.to_json())
    response.status_code = 201
    return response


@bp.get("/Calls.json")
def list_calls(account_sid):
    account = _sim().account
    with account.lock:
        calls = sorted(account.calls.values(), key=lambda c: c.date_created, reverse=True)
    status = request.args.get("Status")
    items = [c.to_json() for c in calls if not status or c.status == status]
    return _page("calls", items, request.path)


@bp.get("/Calls/<sid>.json")
def fetch_call(account_sid, sid):
    record = _sim().account.calls.get(sid)
    return jsonify(record.to_json()) if record else not_found()


@bp.post("/Calls/<sid>.json")
def update_call(account_sid, sid):
    sim = _sim()
    record = sim.account.calls.get(sid)
    if record is None:
        return not_found()
    form = _form()
    if form.get("Status") in ("completed", "canceled"):
        sim.control(sid, "hangup")
    elif form.get("Twiml"):
        # Calls.update(twiml=...): the running call goes on with this document at once
        # (https://www.twilio.com/docs/voice/api/call-resource#update-a-call-resource).
        try:
            parse(form["Twiml"])
        except TwimlError as exc:
            return error(400, exc.code, f"Twiml is not valid TwiML: {exc.message}")
        if not sim.control(sid, "twiml", form["Twiml"]):
            return error(400, 21220, "Call is not in-progress. Cannot redirect.")
    elif form.get("Url"):
        if not sim.control(sid, "redirect", form["Url"], (form.get("Method") or "POST").upper()):
            return error(400, 21220, "Call is not in-progress. Cannot redirect.")
    elif form.get("Status"):
        return error(400, 20001, f"Status must be completed or canceled, not {form['Status']}")
    return jsonify(record.to_json())


# --- recordings -----------------------------------------------------------------------------


def _recording(sid: str):
    recording = _sim().account.recordings.get(sid)
    return None if recording is None or recording.deleted else recording


@bp.get("/Recordings/<sid>.json")
def fetch_recording(account_sid, sid):
    recording = _recording(sid)
    return jsonify(recording.to_json()) if recording else not_found()


@bp.get("/Recordings/<sid>.wav")
@bp.get("/Recordings/<sid>")
def recording_media(account_sid, sid):
    recording = _recording(sid)
    if recording is None:
        return not_found()
    media = recording_wav(recording.duration, recording.channels)
    return Response(media, mimetype="audio/x-wav")


@bp.get("/Recordings/<sid>.mp3")
def recording_media_mp3(account_sid, sid):
    """Twilio's ".mp3": audio/mpeg, mono (a dual-channel recording mixed down)."""
    recording = _recording(sid)
    if recording is None:
        return not_found()
    if recording.encrypted:
        return error(400, 16109, "Cannot fetch .mp3 encrypted recording: request it as .wav")
    return Response(recording_mp3(recording.duration, recording.channels), mimetype="audio/mpeg")


@bp.delete("/Recordings/<sid>.json")
def delete_recording(account_sid, sid):
    recording = _recording(sid)
    if recording is None:
        return not_found()
    recording.deleted = True
    return Response(status=204)


@bp.get("/Calls/<call_sid>/Recordings.json")
def call_recordings(account_sid, call_sid):
    account = _sim().account
    items = [
        r.to_json() for r in account.recordings.values() if r.call_sid == call_sid and not r.deleted
    ]
    return _page("recordings", items, request.path)
