"""A reply to a request goes out through the real machinery (outbox -> RQ worker -> SMTP
to aiosmtpd on loopback), carries the signed link to the customer's page, and the
customer's answer there shows as unread to the team."""

from __future__ import annotations

import re

import pytest
from redis import Redis

import workers
from tests.conftest import TEST_REDIS_URL, csrf_from, sign_in
from tests.factories import PASSWORD, UserFactory
from tests.mail_helpers import body, run_worker
from tests.request_helpers import make_request
from voiceapp.models import Request
from voiceapp.services.outbox import relay_pending

MAIL_FROM = "Sales team <team@voiceapp.test>"
PUBLIC = "https://requests.example.test"


@pytest.fixture
def jobs_app(shared_app, smtp):
    app = shared_app(**smtp.settings, mail_from=MAIL_FROM, public_base_url=PUBLIC)
    workers.set_job_app(app)
    yield app
    workers.set_job_app(None)


def test_the_reply_is_mailed_with_the_link_and_the_customer_answers_on_their_page(
    jobs_app, smtp, ctx, dbs
):
    agent = UserFactory(role="agent", name="Jonas Becker")
    req = make_request(dbs, name="Anna Muster", email="anna@example.com")
    team = jobs_app.test_client()
    sign_in(team, agent.email, PASSWORD)
    token = csrf_from(team.get(f"/requests/{req.id}").text)
    sent = team.post(
        f"/requests/{req.id}/reply",
        data={"csrf_token": token, "body": "Yes, we deliver to Austria."},
    )
    assert sent.status_code == 302
    assert relay_pending(dbs, Redis.from_url(TEST_REDIS_URL)) == 1
    run_worker()

    assert len(smtp.delivered) == 1
    message = smtp.delivered[0].message
    assert message["To"] == "anna@example.com"
    assert message["Subject"] == f"Your request #{req.id}"
    text = body(message, "plain")
    assert "Yes, we deliver to Austria.\n\nJonas Becker" in text
    link = re.search(rf"{re.escape(PUBLIC)}(/r/conversation/\S+)", text)
    assert link, text

    customer = jobs_app.test_client()
    page = customer.get(link.group(1))
    assert page.status_code == 200 and "Yes, we deliver to Austria." in page.text
    answered = customer.post(
        link.group(1),
        data={
            "csrf_token": csrf_from(page.text),
            "body": "Great, then I order two.",
        },
    )
    assert answered.status_code == 302
    dbs.rollback()
    dbs.expire_all()
    row = dbs.get(Request, req.id)
    assert row.status == "in_progress" and row.unread
    inbox = team.get("/requests?status=in_progress").text
    assert 'data-testid="unread-marker"' in inbox
    assert "Great, then I order two." in team.get(f"/requests/{req.id}").text
    assert 'data-testid="unread-marker"' not in team.get("/requests?status=in_progress").text
