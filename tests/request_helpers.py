"""Requests in tests: a public form, a form filled in the way a person sends it (its
CSRF token, a start time older than the minimum fill time), a request made through the
intake service."""

from __future__ import annotations

import re
import time

from itsdangerous import URLSafeSerializer

from tests.conftest import TEST_SECRET_KEY, csrf_from
from voiceapp.db import utcnow
from voiceapp.models import RequestForm
from voiceapp.services.requests import intake
from voiceapp.web.request_public import START_SALT

START = re.compile(r'name="start" value="([^"]+)"')


def make_form(dbs, slug: str = "contact", **overrides) -> RequestForm:
    values = {"slug": slug, "title": "Ask us anything", "active": True}
    values.update(overrides)
    form = RequestForm(**values)
    dbs.add(form)
    dbs.commit()
    return form


def started(form_id: int, seconds_ago: float = 30) -> str:
    """A start token signed like the form's, `seconds_ago` in the past."""
    return URLSafeSerializer(TEST_SECRET_KEY, salt=START_SALT).dumps(
        {"f": form_id, "t": time.time() - seconds_ago}
    )


def send_form(client, form: RequestForm, *, seconds_ago: float = 30, **fields):
    """GET the form (for its CSRF token), then POST it as a person would."""
    page = client.get(f"/r/{form.slug}")
    assert page.status_code == 200, page.text
    data = {
        "csrf_token": csrf_from(page.text),
        "start": started(form.id, seconds_ago),
        "name": "Anna Muster",
        "email": "anna@example.com",
        "phone": "",
        "language": "de",
        "message": "Do you also deliver to Austria?",
    }
    data.update(fields)
    return client.post(f"/r/{form.slug}", data=data)


def make_request(dbs, **data):
    values = {"name": "Anna Muster", "email": "anna@example.com", "message": "Hello"}
    values.update(data)
    req = intake.create_request(dbs, values, source="panel", now=utcnow(), default_region="DE")
    dbs.commit()
    return req
