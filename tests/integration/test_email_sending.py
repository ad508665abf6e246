"""Outcome e-mails go out through a real RQ worker to a real SMTP server on loopback
(aiosmtpd), which keeps what it receives: text and HTML, Cc, filled and escaped variables,
retries on passing failures, permanent failures written into the case's history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from redis import Redis
from rq import Queue
from rq.registry import ScheduledJobRegistry
from sqlalchemy import select

import workers
from tests.case_helpers import make_case
from tests.conftest import TEST_REDIS_URL
from tests.factories import ContactFactory
from tests.mail_helpers import SmtpServer, body, free_port, run_worker
from voiceapp.domain.email_templates import DEFAULT_TEMPLATES, render
from voiceapp.mailer import SmtpMailer, TransientMailError, build_message
from voiceapp.models import CaseEvent, OutgoingEmail
from voiceapp.services.email_delivery import MAX_SEND_ATTEMPTS
from voiceapp.services.emails import queue_email
from voiceapp.services.outbox import relay_pending

MAIL_FROM = "Sales team <team@voiceapp.test>"
CUSTOMER = "anna@example.com"
MANAGER = "manager@voiceapp.test"


@pytest.fixture
def mail_app(shared_app, smtp):
    """The app the jobs run in, sending to the loopback SMTP server."""
    app = shared_app(**smtp.settings, mail_from=MAIL_FROM)
    workers.set_job_app(app)
    yield app
    workers.set_job_app(None)


@pytest.fixture
def case(ctx, dbs):
    contact = ContactFactory(first_name="Anna <b>&", last_name="Schmidt")
    return make_case(dbs, contact, due_at=datetime.now(UTC))


def relay(dbs) -> int:
    return relay_pending(dbs, Redis.from_url(TEST_REDIS_URL))


def queue_outcome_email(dbs, case, *, cc=(MANAGER,)) -> int:
    """What the outcome service does: render a template for the customer and queue it."""
    template = next(t for t in DEFAULT_TEMPLATES if t["key"] == "not_reached")
    values = {
        "name": "Anna <b>& Schmidt",
        "first_name": "Anna <b>&",
        "agent_name": "Jonas Weber",
        "case_type": "Missed call",
        "team_phone": "+49 30 901820",
    }
    email = queue_email(
        dbs,
        to=CUSTOMER,
        cc=list(cc),
        subject=render(template["subject"], values),
        body_text=render(template["body_text"], values),
        body_html=render(template["body_html"], values, html=True),
        case_id=case.id,
        purpose="outcome",
        now=datetime.now(UTC),
    )
    dbs.commit()
    assert relay(dbs) == 1
    return email.id


def email_row(dbs, email_id: int) -> OutgoingEmail:
    dbs.rollback()
    return dbs.get(OutgoingEmail, email_id, populate_existing=True)


def history(dbs, case) -> list[tuple[str, str]]:
    dbs.rollback()
    events = dbs.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
    )
    return [(e.kind, e.summary) for e in events]


def scheduled_job_ids() -> list[str]:
    queue = Queue("default", connection=Redis.from_url(TEST_REDIS_URL))
    return ScheduledJobRegistry(queue=queue).get_job_ids()


def test_the_email_arrives_with_text_and_html_and_the_copy_and_escaped_values(
    smtp, mail_app, dbs, case
):
    email_id = queue_outcome_email(dbs, case)
    run_worker()

    assert len(smtp.delivered) == 1
    delivered = smtp.delivered[0]
    assert delivered.mail_from == "team@voiceapp.test"
    assert sorted(delivered.rcpt_tos) == sorted([CUSTOMER, MANAGER])
    message = delivered.message
    assert message["To"] == CUSTOMER
    assert message["Cc"] == MANAGER
    assert message["From"] == MAIL_FROM
    assert message["Subject"] == "We tried to call you"
    assert message["Message-ID"] == f"<voiceapp-email-{email_id}@voiceapp.test>"
    assert message.get_content_type() == "multipart/alternative"
    text = body(message, "plain")
    html = body(message, "html")
    assert text.startswith("Hello Anna <b>& Schmidt,\n")
    assert "about your Missed call" in text and "+49 30 901820" in text
    assert "Jonas Weber" in text
    assert "<p>Hello Anna &lt;b&gt;&amp; Schmidt,</p>" in html
    assert "<b>&" not in html

    row = email_row(dbs, email_id)
    assert (row.status, row.attempts, row.last_error) == ("sent", 1, None)
    assert row.sent_at is not None
    assert history(dbs, case) == [
        ("email_sent", f"E-mail sent to {CUSTOMER} (copy to {MANAGER}): We tried to call you")
    ]

    # The job again (a duplicate delivery by Redis): nothing is sent twice.
    assert workers.send_email(email_id) is None
    assert len(smtp.delivered) == 1
    assert len(history(dbs, case)) == 1


def test_a_text_only_email_without_copy_is_a_plain_message(smtp, mail_app, dbs, case):
    email = queue_email(
        dbs,
        to=CUSTOMER,
        subject="Hello",
        body_text="Just text",
        purpose="outcome",
        now=datetime.now(UTC),
    )
    dbs.commit()
    relay(dbs)
    run_worker()
    message = smtp.delivered[0].message
    assert message.get_content_type() == "text/plain"
    assert message["Cc"] is None
    assert body(message, "plain") == "Just text\n"
    assert email_row(dbs, email.id).status == "sent"


@pytest.mark.parametrize("failure", ["answers 451 once", "is down, then up"])
def test_a_passing_failure_is_retried_and_the_email_then_arrives(
    make_app, smtp, dbs, case, failure
):
    if failure == "answers 451 once":
        smtp.handler.data_answers.append("451 4.3.0 Mailbox busy, try again later")
        app = make_app(**smtp.settings, mail_from=MAIL_FROM)
    else:
        down = SmtpServer(port=free_port())  # a port nothing listens on yet
        app = make_app(**down.settings, mail_from=MAIL_FROM)
    workers.set_job_app(app)
    try:
        email_id = queue_outcome_email(dbs, case)
        run_worker()
        assert smtp.delivered == []
        row = email_row(dbs, email_id)
        assert (row.status, row.attempts) == ("pending", 1)
        assert ("451" if failure == "answers 451 once" else "ConnectionRefusedError") in (
            row.last_error
        )
        assert scheduled_job_ids() == [f"send-email-{email_id}"]  # RQ's retry, in 10 s
        if failure == "is down, then up":
            down.start()
            smtp = down

        run_worker()  # not yet due: nothing happens
        assert smtp.delivered == []
        with time_machine.travel(datetime.now(UTC) + timedelta(seconds=15)):
            run_worker()
        assert len(smtp.delivered) == 1
        row = email_row(dbs, email_id)
        assert (row.status, row.attempts) == ("sent", 2)
        assert [kind for kind, _ in history(dbs, case)] == ["email_sent"]
    finally:
        workers.set_job_app(None)
        if failure == "is down, then up":
            down.stop()


@pytest.mark.parametrize("refusal", ["recipient", "message"])
def test_a_permanent_failure_is_written_into_the_case_history_and_not_retried(
    smtp, mail_app, dbs, case, refusal
):
    if refusal == "recipient":
        smtp.handler.refuse_rcpt[CUSTOMER] = "550 5.1.1 <anna@example.com>: no such user"
    else:
        smtp.handler.data_answers.append("554 5.7.1 Message rejected as spam")
    email_id = queue_outcome_email(dbs, case, cc=())
    run_worker()

    assert smtp.delivered == []
    row = email_row(dbs, email_id)
    assert row.status == "failed"
    expected = "550 5.1.1" if refusal == "recipient" else "554 5.7.1 Message rejected"
    assert expected in row.last_error
    [(kind, summary)] = history(dbs, case)
    assert kind == "email_failed"
    assert summary.startswith(f"E-mail to {CUSTOMER} not sent: ") and expected in summary
    assert scheduled_job_ids() == []
    with time_machine.travel(datetime.now(UTC) + timedelta(hours=1)):
        run_worker()
    assert smtp.delivered == []


def test_after_too_many_passing_failures_the_email_is_given_up_into_the_history(
    smtp, mail_app, dbs, case
):
    email_id = queue_outcome_email(dbs, case)
    row = email_row(dbs, email_id)
    row.attempts = MAX_SEND_ATTEMPTS - 1
    dbs.commit()
    smtp.handler.data_answers.append("421 4.3.2 Service shutting down")
    run_worker()

    row = email_row(dbs, email_id)
    assert (row.status, row.attempts) == ("failed", MAX_SEND_ATTEMPTS)
    assert row.last_error.startswith(f"gave up after {MAX_SEND_ATTEMPTS} attempts: ")
    [(kind, summary)] = history(dbs, case)
    assert kind == "email_failed" and "421 4.3.2" in summary
    assert scheduled_job_ids() == []  # given up: the job did not ask RQ for a retry


def test_a_refused_copy_does_not_hold_back_the_customers_email(smtp, mail_app, dbs, case):
    smtp.handler.refuse_rcpt[MANAGER] = "550 5.1.1 no such user"
    email_id = queue_outcome_email(dbs, case)
    run_worker()
    assert [d.rcpt_tos for d in smtp.delivered] == [[CUSTOMER]]
    row = email_row(dbs, email_id)
    assert row.status == "sent"
    assert MANAGER in row.last_error
    [(kind, summary)] = history(dbs, case)
    assert kind == "email_sent" and summary.endswith(f"(refused: {MANAGER})")


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_the_smtp_login_is_used_and_a_refused_login_keeps_the_email_waiting(make_app, dbs, case):
    server = SmtpServer(login=("voiceapp", "right password")).start()
    try:
        workers.set_job_app(
            make_app(**server.settings, smtp_user="voiceapp", smtp_password="wrong")
        )
        email_id = queue_outcome_email(dbs, case)
        run_worker()
        assert server.delivered == []
        row = email_row(dbs, email_id)
        assert row.status == "pending" and row.last_error.startswith("SMTP login refused: 535")

        # The admin fixes the password; RQ's retry sends it.
        workers.set_job_app(
            make_app(**server.settings, smtp_user="voiceapp", smtp_password="right password")
        )
        with time_machine.travel(datetime.now(UTC) + timedelta(seconds=15)):
            run_worker()
        assert [d.rcpt_tos for d in server.delivered] == [[CUSTOMER, MANAGER]]
        assert email_row(dbs, email_id).status == "sent"
    finally:
        workers.set_job_app(None)
        server.stop()


def test_a_message_that_cannot_be_built_fails_at_once(smtp, mail_app, dbs, case):
    email = queue_email(
        dbs,
        to=CUSTOMER,
        subject="Hello\nBcc: everyone@example.com",
        body_text="x",
        case_id=case.id,
        purpose="outcome",
        now=datetime.now(UTC),
    )
    dbs.commit()
    relay(dbs)
    run_worker()
    assert smtp.delivered == []
    row = email_row(dbs, email.id)
    assert row.status == "failed" and row.last_error.startswith("the message cannot be built")
    assert [kind for kind, _ in history(dbs, case)] == ["email_failed"]


def test_an_email_past_its_attempts_is_given_up_without_asking_the_server(
    smtp, mail_app, dbs, case
):
    """Attempts that ended in an unexpected error count too: the next one gives up."""
    email_id = queue_outcome_email(dbs, case)
    row = email_row(dbs, email_id)
    row.attempts = MAX_SEND_ATTEMPTS
    row.last_error = "UnicodeEncodeError: ..."
    dbs.commit()
    run_worker()
    assert smtp.delivered == []
    row = email_row(dbs, email_id)
    assert row.status == "failed"
    assert row.last_error == f"gave up after {MAX_SEND_ATTEMPTS} attempts: UnicodeEncodeError: ..."


def test_starttls_demanded_but_not_offered_sends_nothing_in_plain_text(smtp):
    mailer = SmtpMailer(smtp.host, smtp.port, security="starttls", timeout=5)
    message = build_message(
        mail_from="team@voiceapp.test",
        to=CUSTOMER,
        cc=[],
        subject="Hi",
        body_text="x",
        body_html=None,
        message_id="<voiceapp-email-1@voiceapp.test>",
    )
    with pytest.raises(TransientMailError, match="STARTTLS extension not supported"):
        mailer.send(message)
    assert smtp.delivered == []
