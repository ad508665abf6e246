"""Caching and transport headers on every response (the content-security headers are
in voiceapp.security).

Everything the app renders or answers is personal or per-user (pages, API answers,
recordings, a freshly made API token), so none of it may be stored by the browser's
cache or a shared proxy: after sign-out, the back button or the next user of the machine
must not find it there. Only static files (CSS, the softphone's scripts) are cacheable.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request

NO_STORE = "private, no-store"
# A year; subdomains are left out, since the team's other hosts may not all speak https.
HSTS = "max-age=31536000"


def add_response_headers(response: Response) -> Response:
    if request.endpoint != "static":
        response.headers["Cache-Control"] = NO_STORE
    if current_app.config["VOICEAPP"].sends_hsts:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def init_headers(app: Flask) -> None:
    app.after_request(add_response_headers)
