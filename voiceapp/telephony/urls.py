"""Absolute URLs for TwiML and callbacks: the public address Twilio must call back."""

from __future__ import annotations

from flask import current_app, url_for


def public_url(endpoint: str, **values) -> str:
    base = current_app.config["VOICEAPP"].public_base_url
    if base:
        return base.rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)
