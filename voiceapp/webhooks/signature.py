"""The one guard of every /twilio/ route: a valid X-Twilio-Signature or 403.

The signature covers the URL Twilio requested, which is the public one (PUBLIC_BASE_URL,
or the forwarded scheme and host of a trusted proxy), not the one gunicorn sees.
"""

from __future__ import annotations

import hmac
import logging
from functools import wraps

from flask import abort, current_app, request
from sqlalchemy.exc import SQLAlchemyError
from twilio.request_validator import (
    SIGNATURE_HEADER,
    SIGNATURE_SETTINGS_HEADER,
    RequestValidator,
    get_signature_algorithm,
)

from voiceapp import db
from voiceapp.input_guard import request_problem
from voiceapp.telephony.credentials import current_credentials

log = logging.getLogger(__name__)


def public_request_url() -> str:
    base = current_app.config["VOICEAPP"].public_base_url
    if not base:
        return request.url  # already corrected by ProxyFix when TRUSTED_PROXIES is set
    query = request.query_string.decode()
    return base.rstrip("/") + request.path + (f"?{query}" if query else "")


def _signed_params():
    if request.mimetype == "application/json":
        return request.get_data(as_text=True)  # validated through bodySHA256 in the URL
    return request.form


def _auth_token() -> str | None:
    try:
        return current_credentials(db.session()).auth_token
    except SQLAlchemyError:
        # The database is down: the fallback URL must still work (it apologises and takes
        # a message), so check against the token from the environment.
        db.session().rollback()
        log.exception("could not read Twilio credentials; using TWILIO_AUTH_TOKEN")
        return current_app.config["VOICEAPP"].twilio_auth_token


def _signing_key() -> tuple[str | None, str | None]:
    """(the secret Twilio signed with, why there is none). A request carrying
    X-Twilio-Webhooks-Signature-Settings (key=<SharedKey id>,algorithm=...) was signed with
    that Webhooks SharedKey, not the auth token
    (https://www.twilio.com/docs/usage/webhooks/webhook-shared-keys)."""
    settings_header = request.headers.get(SIGNATURE_SETTINGS_HEADER)
    if settings_header:
        secret = current_app.config["VOICEAPP"].twilio_webhook_shared_key_secret
        if not secret:
            return None, (
                f"signed with a Webhooks SharedKey ({SIGNATURE_SETTINGS_HEADER}: "
                f"{settings_header[:200]}) but TWILIO_WEBHOOK_SHARED_KEY_SECRET is not set"
            )
        return secret, None
    token = _auth_token()
    return (token, None) if token else (None, "no Twilio auth token is configured")


def signature_problem() -> str | None:
    signature = request.headers.get(SIGNATURE_HEADER)
    if not signature:
        return "no X-Twilio-Signature header"
    key, missing = _signing_key()
    if not key:
        return missing
    settings_header = request.headers.get(SIGNATURE_SETTINGS_HEADER)
    algorithm = get_signature_algorithm(settings_header)
    url = public_request_url()
    if not signed_by(key, url, _signed_params(), signature, algorithm):
        if settings_header:
            return (
                f"signature ({algorithm}, {SIGNATURE_SETTINGS_HEADER}: {settings_header[:200]}) "
                f"does not match {url} with TWILIO_WEBHOOK_SHARED_KEY_SECRET"
            )
        return f"signature does not match {url}"
    return None


def signed_by(key: str, url: str, params, signature: str, algorithm: str) -> bool:
    """Whether `signature` is Twilio's for the request, as twilio's RequestValidator says.
    A form's signature is first checked against the URL as requested, which is what Twilio
    signs: validate() computes it twice (the URL with its port and without, "since
    signature generation on back end is inconsistent"), a tenth of a status callback's
    time. Only a signature that does not match the URL as requested goes on to validate()."""
    validator = RequestValidator(key)
    if not isinstance(params, str):  # a JSON body is signed through bodySHA256: validate()
        try:
            computed = validator.compute_signature(url, params, algorithm)
        except ValueError:  # an algorithm twilio does not know: validate() refuses it
            computed = None
        if computed is not None and hmac.compare_digest(computed.encode(), signature.encode()):
            return True
    return validator.validate(url, params, signature, algorithm)


def twilio_request(view):
    """Refuse, log and store nothing unless Twilio signed the request; then refuse input
    no view could store (a NUL byte, say) with a 400 rather than fail on it. The signature
    comes first, so an unsigned request learns nothing about how we parse."""

    @wraps(view)
    def guarded(*args, **kwargs):
        problem = signature_problem()
        if problem:
            db.session().rollback()
            log.warning("refused Twilio request to %s: %s", request.path, problem)
            abort(403)
        problem = request_problem()
        if problem:
            db.session().rollback()
            log.warning("refused signed Twilio request to %s: %s", request.path, problem)
            abort(400, problem)
        return view(*args, **kwargs)

    return guarded
