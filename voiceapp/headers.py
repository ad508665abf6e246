"""The headers of every response: what the browser may load and run (the Content-Security-
Policy and its companions), caching, and transport security.

Everything the app renders or answers is personal or per-user (pages, API answers,
recordings, a freshly made API token), so none of it may be stored by the browser's
cache or a shared proxy: after sign-out, the back button or the next user of the machine
must not find it there. Only static files (CSS, the softphone's scripts, the npm libraries)
are cacheable.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request

NO_STORE = "private, no-store"
# Static files: the app's own and the npm libraries (web.vendor).
STATIC_ENDPOINTS = frozenset({"static", "vendor.vendor_file"})
# A year; subdomains are left out, since the team's other hosts may not all speak https.
HSTS = "max-age=31536000"


# What the Twilio Voice JavaScript SDK (npm @twilio/voice-sdk, served from our own
# /static/vendor/, so script-src stays 'self') connects to, as its documentation lists it:
# the README's "Content Security Policy (CSP)" section (node_modules/@twilio/voice-sdk/
# README.md, github.com/twilio/twilio-voice.js) and Twilio's "Voice SDKs Network Connectivity
# Requirements" page (twilio.com/docs/voice/sdks/network-connectivity-requirements):
# signalling over a WebSocket to the default "roaming" edge (Global Low Latency; the app
# sets no other edge), call-quality events to the event gateway, and the SDK's own sounds
# and media helpers from its two asset hosts. The audio itself (SRTP over WebRTC) is not
# subject to CSP; the remote audio plays from MediaStream objects.
TWILIO_SDK_CONNECT = (
    "wss://voice-js.roaming.twilio.com",
    "https://eventgw.twilio.com",
    "https://media.twiliocdn.com",
    "https://sdk.twilio.com",
)
TWILIO_SDK_MEDIA = ("mediastream:", "https://media.twiliocdn.com", "https://sdk.twilio.com")


def content_security_policy(
    connect_also: str | None = None, form_also: str | None = None, *, softphone: bool = True
) -> str:
    """The panel's policy; `connect_also` is one more origin scripts may connect to (the
    Twilio simulator, in development only); `form_also` one more origin a form may lead
    to (Stripe's checkout page, from the pay page). `softphone`: the panel's pages carry
    the softphone bar, so Twilio's SDK hosts are allowed; the customer's pay page has no
    softphone and does not allow them."""
    twilio_connect = TWILIO_SDK_CONNECT if softphone else ()
    twilio_media = TWILIO_SDK_MEDIA if softphone else ()
    connect = " ".join(
        ["connect-src 'self'", *twilio_connect] + ([connect_also] if connect_also else [])
    )
    form = "form-action 'self'" + (f" {form_also}" if form_also else "")
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            " ".join(["media-src 'self' blob:", *twilio_media]),
            connect,
            "frame-ancestors 'none'",
            form,
            "base-uri 'self'",
            "object-src 'none'",
        ]
    )


CONTENT_SECURITY_POLICY = content_security_policy()


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def add_security_headers(response: Response) -> Response:
    settings = current_app.config["VOICEAPP"]
    simulator = settings.simulator_url
    # The pay page's "Pay by card" form is answered with a redirect to Stripe's checkout
    # page, and browsers hold that redirect to form-action as well (Chromium refuses it).
    pay_page = request.path.startswith("/p/")
    checkout = settings.stripe_checkout_origin if pay_page else None
    if pay_page:
        policy = content_security_policy(None, checkout, softphone=False)
    elif simulator:
        policy = content_security_policy(_origin(simulator))
    else:
        policy = CONTENT_SECURITY_POLICY
    response.headers.setdefault("Content-Security-Policy", policy)
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def add_response_headers(response: Response) -> Response:
    if request.endpoint not in STATIC_ENDPOINTS:
        response.headers["Cache-Control"] = NO_STORE
    if current_app.config["VOICEAPP"].sends_hsts:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def init_headers(app: Flask) -> None:
    app.after_request(add_security_headers)
    app.after_request(add_response_headers)
