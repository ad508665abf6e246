"""E-mail jobs: send one queued e-mail."""

from __future__ import annotations

from flask import current_app

from voiceapp.db import session, utcnow
from voiceapp.mailer import current_mailer
from voiceapp.services.email_delivery import deliver_email
from workers.context import job_context


def send_email(email_id: int) -> str | None:
    """Send one queued e-mail. A passing failure (server unreachable, 4xx) raises, so RQ
    tries again; a permanent one marks it failed, in the case's history too."""
    with job_context():
        return deliver_email(
            session(),
            email_id,
            current_mailer(),
            mail_from=current_app.config["VOICEAPP"].mail_from,
            clock=utcnow,
        )
