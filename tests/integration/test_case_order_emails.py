"""The e-mail after a call on a case about an order carries the order's number and its
payment URL ({$order_number}, {$payment_url}): sent through a real RQ worker to a real SMTP
server on loopback (aiosmtpd), and read back from what the server received."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from redis import Redis
from sqlalchemy import select

import workers
from tests.conftest import TEST_REDIS_URL
from tests.factories import CaseFactory, ContactFactory, UserFactory
from tests.mail_helpers import body, run_worker
from tests.order_helpers import take_order
from voiceapp.db import utcnow
from voiceapp.domain.payment_code import format_code
from voiceapp.models import Case, ContactEmail
from voiceapp.services.accounts import create_api_token
from voiceapp.services.outbox import relay_pending

MAIL_FROM = "Sales team <team@voiceapp.test>"
PUBLIC = "https://pay.example.test"


@pytest.fixture
def agent(ctx):
    return UserFactory(role="agent", name="Jonas Becker")


def customer(dbs, agent):
    contact = ContactFactory(owner_id=agent.id, first_name="Anna", last_name="Muster")
    dbs.add(ContactEmail(contact_id=contact.id, email="anna@example.com"))
    dbs.commit()
    return contact


def api_of(app, dbs, user):
    _row, token = create_api_token(dbs, user, name="t", now=utcnow())
    dbs.commit()
    client = app.test_client()

    def call(method, url, **kwargs):
        return client.open(
            url, method=method, headers={"Authorization": f"Bearer {token}"}, **kwargs
        )

    return call


@pytest.fixture
def jobs_app(shared_app, smtp):
    app = shared_app(**smtp.settings, mail_from=MAIL_FROM)
    workers.set_job_app(app)
    yield app
    workers.set_job_app(None)


def send_payment_reminder(api, dbs, case_id):
    relay_pending(dbs, Redis.from_url(TEST_REDIS_URL))  # the order's own jobs (auto-cancel)
    response = api(
        "POST",
        f"/api/cases/{case_id}/outcome",
        json={"outcome": "completed", "email": {"template": "payment_reminder"}},
    )
    assert response.status_code == 200, response.json
    assert relay_pending(dbs, Redis.from_url(TEST_REDIS_URL)) == 1
    run_worker()


def follow_up(dbs, order) -> Case:
    return dbs.scalars(select(Case).where(Case.order_id == order.id)).one()


@pytest.mark.parametrize(
    ("settings", "base"),
    [({"public_base_url": PUBLIC}, PUBLIC), ({}, "http://localhost")],
    ids=["public-base-url", "request-host"],
)
def test_the_payment_reminder_carries_the_order_number_and_its_payment_url(
    make_app, smtp, jobs_app, dbs, agent, settings, base
):
    contact = customer(dbs, agent)
    order = take_order(dbs, agent, contact=contact, now=datetime.now(UTC))
    api = api_of(make_app(**settings), dbs, agent)

    send_payment_reminder(api, dbs, follow_up(dbs, order).id)

    assert len(smtp.delivered) == 1
    message = smtp.delivered[0].message
    url = f"{base}/p/{format_code(order.payment_code)}"
    assert message["To"] == "anna@example.com"
    assert message["Subject"] == f"Your order {order.number}"
    text = body(message, "plain")
    assert f"you can pay your order {order.number} here: {url}\n" in text
    assert f'<a href="{url}">{url}</a>' in body(message, "html")


def test_a_template_with_order_variables_is_refused_on_a_case_without_an_order(
    make_app, smtp, jobs_app, dbs, agent
):
    contact = customer(dbs, agent)
    case = CaseFactory(contact=contact, assignee_id=agent.id)
    api = api_of(make_app(public_base_url=PUBLIC), dbs, agent)

    response = api(
        "POST",
        f"/api/cases/{case.id}/outcome",
        json={"outcome": "completed", "email": {"template": "payment_reminder"}},
    )

    assert response.status_code == 422
    assert response.json["errors"]["json"] == {
        "email": {
            "template": [
                "the template uses {$order_number} and {$payment_url}, but this case has no order"
            ]
        }
    }
    dbs.rollback()
    dbs.expire_all()
    assert dbs.get(Case, case.id).attempts == 0
    assert relay_pending(dbs, Redis.from_url(TEST_REDIS_URL)) == 0
    assert smtp.delivered == []
