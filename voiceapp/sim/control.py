"""The simulator's own endpoints: place scenario calls (the CLI and tests), set how numbers
and scripted agents behave, and softphones for the browser (register with the app's access
token, server-sent events out, answer / reject / hang up / call out in).

The browser endpoints answer the app's origin with CORS headers, so the panel's softphone
can use them from its own page."""

from __future__ import annotations

import json
import queue
import time
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, jsonify, request, stream_with_context

from voiceapp.sim.parties import Party
from voiceapp.sim.simulator import SimError
from voiceapp.sim.tokens import TokenError, token_expiry, verify_access_token
from voiceapp.sim.transport import Chaos

bp = Blueprint("sim_control", __name__, url_prefix="/sim")
KEEPALIVE_SECONDS = 15


def _sim():
    return current_app.extensions["voiceapp.sim"]


def _problem(status: int, message: str) -> Response:
    response = jsonify({"error": message})
    response.status_code = status
    return response


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@bp.after_request
def cors(response: Response) -> Response:
    origin = request.headers.get("Origin")
    app_origin = _origin(_sim().config.app_url)
    allowed = {app_origin, *_sim().cors_origins}
    # The same local app opened as localhost or as 127.0.0.1.
    for local, other in (("//127.0.0.1:", "//localhost:"), ("//localhost:", "//127.0.0.1:")):
        allowed.add(app_origin.replace(local, other))
    if origin and origin in allowed:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Headers"] = "Content-Type, X-Sim-Phone-Key"
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response.headers["Vary"] = "Origin"
    return response


@bp.route("/phones", methods=["OPTIONS"])
@bp.route("/phones/<path:rest>", methods=["OPTIONS"])
def preflight(rest: str = ""):
    return Response(status=204)


@bp.get("")
def status():
    sim = _sim()
    return jsonify(
        {
            "account_sid": sim.account.sid,
            "app_url": sim.config.app_url,
            "numbers": [n.to_json(sim.account.sid) for n in sim.account.numbers.values()],
            "calls_in_progress": sorted(sim.runs),
            "browser_phones": sorted(i for i, p in sim.phones.browsers.items() if p.online),
            "scripted_agents": sorted(sim.phones.scripted),
        }
    )


# --- scenario calls ------------------------------------------------------------------------


def _parties(data: dict | None) -> dict[str, Party]:
    return {key: Party.from_json(value) for key, value in (data or {}).items()}


def _chaos(raw) -> Chaos | None:
    """false / true (late) / a mode's name ("late", "concurrent") / Chaos's fields."""
    if not raw:
        return None
    if isinstance(raw, str):
        return Chaos(mode=raw)
    return Chaos(**raw) if isinstance(raw, dict) else Chaos()


def _place(start) -> Response:
    """Start the call; stream its log as JSON lines (stream=true), or answer when it is
    over (the default), or at once with its sid (wait=false)."""
    data = request.get_json(silent=True) or {}
    entries: queue.Queue = queue.Queue()
    try:
        run = start(data, entries.put)
    except (SimError, ValueError, TypeError, KeyError) as exc:
        return _problem(400, str(exc))
    if data.get("wait") is False:
        return jsonify({"call_sid": run.parent.sid}), 202
    if not data.get("stream"):
        run.done.wait()
        return jsonify({"call_sid": run.parent.sid, "log": run.log, "final": run.final_state()})

    def lines():
        while True:
            entry = entries.get()
            yield json.dumps(entry) + "\n"
            if entry["kind"] == "final":
                return

    return Response(stream_with_context(lines()), mimetype="application/x-ndjson")


@bp.post("/calls")
def place_inbound():
    def start(data, observer):
        return _sim().inbound_call(
            data["from"],
            data["to"],
            caller=Party.from_json(data.get("caller")),
            agents=_parties(data.get("agents")),
            callees=_parties(data.get("callees")),
            chaos=_chaos(data.get("chaos")),
            observer=observer,
            wait=False,
            realtime=bool(data.get("realtime")),
        )

    return _place(start)


@bp.post("/softphone-calls")
def place_softphone():
    def start(data, observer):
        return _sim().softphone_call(
            data["identity"],
            {k: str(v) for k, v in (data.get("params") or {}).items()},
            caller=Party.from_json(data.get("caller")),
            callees=_parties(data.get("callees")),
            chaos=_chaos(data.get("chaos")),
            observer=observer,
            wait=False,
        )

    return _place(start)


@bp.get("/calls/<sid>")
def call_state(sid: str):
    run = _sim().runs.get(sid) or _sim().history.get(sid)
    if run is None:
        return _problem(404, f"no call {sid}")
    return jsonify({"call_sid": sid, "log": run.log, "final": run.final_state()})


@bp.post("/calls/<sid>/keys")
def press_keys(sid: str):
    """An interactive caller presses keys at the current <Gather> ("" for none)."""
    run = _sim().runs.get(sid)
    if run is None:
        return _problem(404, f"no call {sid} in progress")
    keys = str((request.get_json(silent=True) or {}).get("keys", ""))
    run.events.put(("caller", sid, "keys", keys))
    return jsonify({"call_sid": sid, "keys": keys})


@bp.put("/customers/<number>")
def set_customer(number: str):
    _sim().customers[number] = Party.from_json(request.get_json(silent=True))
    return jsonify(_sim().customers[number].to_json())


@bp.put("/agents/<identity>")
def set_agent(identity: str):
    _sim().phones.scripted[identity] = Party.from_json(request.get_json(silent=True))
    return jsonify(_sim().phones.scripted[identity].to_json())


@bp.delete("/agents/<identity>")
def remove_agent(identity: str):
    _sim().phones.scripted.pop(identity, None)
    return Response(status=204)


# --- softphones for the browser ----------------------------------------------------------------


@bp.post("/phones")
def register_phone():
    """Register with the app's access token (GET /api/token): the token proves the
    identity, as it does for Twilio's Voice SDK."""
    sim = _sim()
    token = (request.get_json(silent=True) or {}).get("token", "")
    if not sim.config.api_key_sid or not sim.config.api_key_secret:
        return _problem(503, "the simulator has no API key to check access tokens with")
    try:
        identity = _verified(sim, token)
    except TokenError as exc:
        return _problem(401, f"access token refused: {exc}")
    phone = sim.phones.register_browser(identity)
    _warn_before_expiry(sim, phone, token)
    return jsonify({"identity": identity, "key": phone.key})


def _verified(sim, token: str) -> str:
    return verify_access_token(
        token,
        account_sid=sim.config.account_sid,
        api_key_sid=sim.config.api_key_sid,
        api_key_secret=sim.config.api_key_secret,
        twiml_app_sid=sim.config.twiml_app_sid,
    )


def _warn_before_expiry(sim, phone, token: str) -> None:
    """The Voice SDK's Device emits tokenWillExpire `tokenRefreshMs` (10 s by default)
    before its token expires (https://www.twilio.com/docs/voice/sdks/javascript/twiliodevice,
    events: tokenWillExpire): the softphone is told on its event stream at that moment,
    and a fresh token (device.updateToken) comes back to POST /sim/phones/token."""
    delay = max(0.0, token_expiry(token) - sim.config.token_refresh_seconds - time.time())
    phone.warn_at(delay, {"type": "tokenWillExpire"})


@bp.post("/phones/token")
def phone_token():
    """device.updateToken(token): the new token must be valid and prove the same identity."""
    phone = _phone()
    if phone is None:
        return _problem(401, "unknown softphone key: register first")
    token = (request.get_json(silent=True) or {}).get("token", "")
    sim = _sim()
    try:
        identity = _verified(sim, token)
    except TokenError as exc:
        return _problem(401, f"access token refused: {exc}")
    if identity != phone.identity:
        return _problem(403, f"the token is for {identity}, this softphone is {phone.identity}")
    phone.token_updates += 1
    _warn_before_expiry(sim, phone, token)
    return jsonify({"identity": identity, "expires": token_expiry(token)})


def _phone():
    key = request.headers.get("X-Sim-Phone-Key") or request.args.get("key", "")
    return _sim().phones.by_key(key) if key else None


@bp.get("/phones/events")
def phone_events():
    phone = _phone()
    if phone is None:
        return _problem(401, "unknown softphone key: register first")
    listener = phone.listen()

    def events():
        try:
            yield "event: registered\ndata: " + json.dumps({"identity": phone.identity}) + "\n\n"
            while True:
                try:
                    event = listener.get(timeout=KEEPALIVE_SECONDS)
                except queue.Empty:
                    yield ": keep-alive\n\n"
                    continue
                if event["type"] == "closed":  # the simulator stops
                    return
                yield f"event: {event['type']}\ndata: {json.dumps(event)}\n\n"
        finally:
            phone.unlisten(listener)

    response = Response(stream_with_context(events()), mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"
    return response


@bp.post("/phones/calls/<sid>/<action>")
def phone_action(sid: str, action: str):
    phone = _phone()
    if phone is None:
        return _problem(401, "unknown softphone key: register first")
    if action not in ("answer", "reject", "hangup"):
        return _problem(404, f"unknown action {action}")
    if not phone.act(sid, action):
        return _problem(409, f"call {sid} is not ringing or connected on this softphone")
    return jsonify({"call_sid": sid, "action": action})


@bp.post("/phones/connect")
def phone_connect():
    phone = _phone()
    if phone is None:
        return _problem(401, "unknown softphone key: register first")
    params = (request.get_json(silent=True) or {}).get("params") or {}
    run = _sim().softphone_call(
        phone.identity, {k: str(v) for k, v in params.items()}, caller=phone, wait=False
    )
    return jsonify({"call_sid": run.parent.sid})
