"""Stripe's API, the part the app uses, under Stripe's own paths (/v1/checkout/sessions:
create and retrieve). The secret key as Bearer (what the stripe library sends) or as
Basic's user name (curl -u sk_...:); errors in Stripe's shape and statuses, so the
library raises the exceptions it raises against Stripe (AuthenticationError for 401,
InvalidRequestError for 400 and 404)."""

from __future__ import annotations

import base64
import hmac
import json
import secrets

from flask import Blueprint, Response, current_app, jsonify, request

from voiceapp.sim.stripe.params import ParamError, checkout_session_params, decode_form

bp = Blueprint("stripe_api", __name__, url_prefix="/v1")
DOCS = "https://stripe.com/docs/error-codes"


def _standin():
    return current_app.extensions["voiceapp.sim.stripe"]


def stripe_error(status: int, message: str, *, param=None, code=None, kind=None) -> Response:
    error = {"message": message, "type": kind or "invalid_request_error"}
    if param:
        error["param"] = param
    if code:
        error["code"] = code
        error["doc_url"] = f"{DOCS}/{code.replace('_', '-')}"
    response = jsonify({"error": error})
    response.status_code = status
    return response


def _redacted(key: str) -> str:
    prefix = key[:8] if key.startswith(("sk_", "rk_")) else ""
    return prefix + "*" * max(len(key) - len(prefix) - 4, 0) + key[-4:]


def _given_key() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer":
        return value.strip() or None
    if scheme.lower() == "basic":
        try:
            return base64.b64decode(value).decode().partition(":")[0] or None
        except (ValueError, UnicodeDecodeError):
            return None
    return None


@bp.before_request
def authenticate():
    key = _given_key()
    if key is None:
        response = stripe_error(
            401,
            "You did not provide an API key. You need to provide your API key in the "
            "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer "
            "YOUR_SECRET_KEY').",
        )
    elif not hmac.compare_digest(key.encode(), _standin().config.secret_key.encode()):
        response = stripe_error(401, f"Invalid API Key provided: {_redacted(key)}")
    else:
        return None
    response.headers["WWW-Authenticate"] = 'Basic realm="Stripe"'
    return response


@bp.after_request
def stripe_headers(response: Response) -> Response:
    response.headers["Request-Id"] = f"req_{secrets.token_hex(7)}"
    if request.headers.get("Stripe-Version"):
        response.headers["Stripe-Version"] = request.headers["Stripe-Version"]
    return response


def _page_base() -> str:
    configured = _standin().config.public_url
    if configured:
        return configured.rstrip("/")
    return request.host_url.rstrip("/") + request.script_root  # /stripe when mounted


@bp.post("/checkout/sessions")
def create_session():
    standin = _standin()
    try:
        params = checkout_session_params(decode_form(request.form.items(multi=True)), standin.now())
    except ParamError as exc:
        return stripe_error(400, exc.message, param=exc.param, code=exc.code)
    key = request.headers.get("Idempotency-Key")
    with standin.lock:
        if key and key in standin.idempotency:
            first_params, session_id = standin.idempotency[key]
            if json.dumps(first_params, sort_keys=True) != json.dumps(params, sort_keys=True):
                return stripe_error(
                    400,
                    "Keys for idempotent requests can only be used with the same parameters "
                    "they were first used with. Try using a key other than "
                    f"'{key}' if you meant to execute a different request.",
                    kind="idempotency_error",
                )
            response = jsonify(standin.sessions[session_id].to_json())
            response.headers["Idempotent-Replayed"] = "true"
            return response
        session = standin.add_session(params, _page_base())
        if key:
            standin.idempotency[key] = (params, session.id)
    return jsonify(session.to_json())


@bp.get("/checkout/sessions/<session_id>")
def retrieve_session(session_id: str):
    session = _standin().session(session_id)
    if session is None:
        return stripe_error(
            404,
            f"No such checkout.session: '{session_id}'",
            param="session",
            code="resource_missing",
        )
    return jsonify(session.to_json())


@bp.route("/<path:rest>", methods=["GET", "POST", "DELETE"])
def unrecognized(rest: str):
    return stripe_error(
        404,
        f"Unrecognized request URL ({request.method}: {request.path}). The stand-in answers "
        "POST /v1/checkout/sessions and GET /v1/checkout/sessions/<id> only.",
    )
