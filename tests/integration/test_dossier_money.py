"""The money side of requests through the services, on the real database: quotes (send,
withdraw, only the latest accepted, the accepted price on the order), the request's order
and payment link, payments moving the dossier's stage whatever way they arrive, the
online-payment switch on the pay page, processing and archiving, and optimistic locking."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from tests.dossier_helpers import make_on_request_product, make_request
from tests.factories import UserFactory
from tests.order_helpers import make_product
from voiceapp.models import (
    Notification,
    Order,
    OutgoingEmail,
    Payment,
    Quote,
    Request,
    RequestEvent,
    RequestMessage,
    RequestNote,
)
from voiceapp.services.orders import OrderError, create_order, pay_page, payments
from voiceapp.services.orders.manual_payments import outstanding
from voiceapp.services.requests import money, pipeline, quotes
from voiceapp.services.requests.activity import StaleRequest
from voiceapp.services.team_settings import update_team_settings

NOW = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
BASE = "https://pay.example.org"


@pytest.fixture
def agent(ctx):
    return UserFactory(role="agent", name="Alice Agent")


@pytest.fixture
def manager(ctx):
    return UserFactory(role="sales_manager", name="Max Manager")


def fresh(dbs, request_id: int) -> Request:
    dbs.expire_all()
    return dbs.get(Request, request_id)


def log_lines(dbs, request_id: int) -> list[str]:
    """The activity log as "who: what" (the customer or the system: "-")."""
    events = dbs.scalars(
        select(RequestEvent).where(RequestEvent.request_id == request_id).order_by(RequestEvent.id)
    )
    return [f"{e.actor.name if e.actor else '-'}: {e.text}" for e in events]


def test_an_on_request_product_cannot_be_ordered_without_a_quote(dbs, agent):
    product = make_on_request_product(dbs)
    req = make_request(dbs, product=product)
    dbs.commit()
    with pytest.raises(OrderError) as refused:
        create_order(
            dbs,
            {
                "contact_id": req.contact_id,
                "items": [{"product_id": product.id, "quantity": 1}],
                "buyer": {"last_name": "Kunde", "country": "DE"},
            },
            seller=agent,
            now=NOW,
        )
    assert "on request" in str(refused.value.errors)
    with pytest.raises(money.MoneyError) as no_price:
        money.order_for_request(dbs, req, seller=agent, now=NOW)
    assert "quote is needed" in str(no_price.value.errors)
    dbs.rollback()
    assert dbs.scalar(select(Order.id)) is None


def test_a_new_quote_withdraws_the_one_before_and_only_the_latest_can_be_accepted(dbs, agent):
    req = make_request(dbs, product=make_on_request_product(dbs))
    first = quotes.send_quote(
        dbs,
        req,
        amount=Decimal("900"),
        currency=None,
        message="Hi",
        actor=agent,
        now=NOW,
        page_url="https://x.example/r/page",
    )
    second = quotes.send_quote(
        dbs,
        req,
        amount=Decimal("850.50"),
        currency="eur",
        message=None,
        actor=agent,
        now=NOW + timedelta(minutes=5),
        page_url=None,
    )
    dbs.commit()
    req = fresh(dbs, req.id)
    assert dbs.get(Quote, first.id).status == "withdrawn"
    assert (second.status, second.currency) == ("sent", "EUR")
    assert (req.status, req.stage) == ("awaiting_reply", "awaiting_payment")
    mails = dbs.scalars(select(OutgoingEmail).order_by(OutgoingEmail.id)).all()
    assert [m.purpose for m in mails] == ["request_quote", "request_quote"]
    assert "900.00 EUR" in mails[0].body_text and "https://x.example/r/page" in mails[0].body_text

    accepted = quotes.answer_quote(dbs, req, accept=True, now=NOW + timedelta(hours=1))
    dbs.commit()
    req = fresh(dbs, req.id)
    assert accepted.id == second.id
    assert (req.price, req.currency, req.status) == (Decimal("850.50"), "EUR", "in_progress")
    # The order the pay page takes the money for asks for the accepted price.
    order = req.order
    assert order is not None and order.total == Decimal("850.50")
    assert order.items[0].unit_price == Decimal("850.50")
    assert order.auto_cancel_at is None
    assert pay_page.left_to_pay(dbs, order) == Decimal("850.50")
    with pytest.raises(quotes.QuoteError):
        quotes.answer_quote(dbs, req, accept=True, now=NOW + timedelta(hours=2))
    lines = log_lines(dbs, req.id)
    assert lines[0].startswith("Alice Agent: Quote sent: 900.00 EUR")
    assert lines[1] == "Alice Agent: Quote of 900.00 EUR withdrawn (a new quote replaces it)"
    assert "-: The customer accepted the quote of 850.50 EUR" in lines
    # The order is made for the member who sent the accepted quote.
    assert f"Alice Agent: Order {order.number} created: 850.50 EUR" in lines


def test_the_team_is_told_when_the_customer_answers(dbs, agent, manager):
    req = make_request(dbs, product=make_on_request_product(dbs), assignee_id=agent.id)
    quotes.send_quote(
        dbs,
        req,
        amount=Decimal("90"),
        currency=None,
        message=None,
        actor=agent,
        now=NOW,
        page_url=None,
    )
    quotes.answer_quote(dbs, req, accept=False, now=NOW)
    dbs.commit()
    told = dbs.scalars(select(Notification)).all()
    assert [(n.user_id, n.kind) for n in told] == [(agent.id, "quote_answered")]
    assert "rejected the quote of 90.00 EUR" in told[0].message
    assert fresh(dbs, req.id).price is None


def test_members_who_want_mail_also_get_the_answer_by_mail(dbs, agent, manager, ctx, monkeypatch):
    """Without an assignee every manager and admin is told; those whose profile asks for
    mail get an e-mail too, with a link to the request."""
    mailed = UserFactory(role="sales_manager", name="Mia Mail", notify_by_email=True)
    UserFactory(role="agent", notify_by_email=True)  # not told: an agent, not assigned
    req = make_request(dbs, product=make_on_request_product(dbs))
    quotes.send_quote(
        dbs,
        req,
        amount=Decimal("120"),
        currency=None,
        message=None,
        actor=agent,
        now=NOW,
        page_url=None,
    )
    settings = ctx.config["VOICEAPP"].with_overrides({"public_base_url": BASE})
    monkeypatch.setitem(ctx.config, "VOICEAPP", settings)
    quotes.answer_quote(dbs, req, accept=True, now=NOW + timedelta(hours=1))
    dbs.commit()
    told = dbs.scalars(select(Notification).order_by(Notification.user_id)).all()
    assert [n.user_id for n in told] == sorted([manager.id, mailed.id])
    sent = dbs.scalars(select(OutgoingEmail).where(OutgoingEmail.purpose == "quote_answered")).all()
    assert [e.to_address for e in sent] == [mailed.email]
    assert sent[0].subject == f"Request #{req.id}: Ada Kunde accepted the quote of 120.00 EUR"
    assert f"{BASE}/requests/{req.id}" in sent[0].body_text
    assert sent[0].body_text.startswith("Hello Mia Mail,")


def test_a_withdrawn_quote_cannot_be_accepted(dbs, agent):
    req = make_request(dbs, product=make_on_request_product(dbs))
    quote = quotes.send_quote(
        dbs,
        req,
        amount=Decimal("90"),
        currency=None,
        message=None,
        actor=agent,
        now=NOW,
        page_url=None,
    )
    quotes.withdraw_quote(dbs, req, quote.id, actor=agent, now=NOW)
    dbs.commit()
    assert fresh(dbs, req.id).status == "in_progress"
    with pytest.raises(quotes.QuoteError):
        quotes.answer_quote(dbs, fresh(dbs, req.id), accept=True, now=NOW)


def test_a_quote_in_another_currency_or_without_a_product_is_refused(dbs, agent):
    req = make_request(dbs, product=make_on_request_product(dbs))
    with pytest.raises(quotes.QuoteError) as currency:
        quotes.send_quote(
            dbs,
            req,
            amount=Decimal("90"),
            currency="USD",
            message=None,
            actor=agent,
            now=NOW,
            page_url=None,
        )
    assert "currency" in currency.value.errors
    simple = make_request(dbs)
    with pytest.raises(quotes.QuoteError):
        quotes.send_quote(
            dbs,
            simple,
            amount=Decimal("90"),
            currency=None,
            message=None,
            actor=agent,
            now=NOW,
            page_url=None,
        )
    with pytest.raises(quotes.QuoteError):
        quotes.send_quote(
            dbs,
            req,
            amount=Decimal("0"),
            currency=None,
            message=None,
            actor=agent,
            now=NOW,
            page_url=None,
        )
    dbs.rollback()
    assert dbs.scalar(select(Quote.id)) is None


def test_payment_link_then_partial_and_full_payments_move_the_dossier(dbs, agent, manager):
    req = make_request(dbs, product=make_product(dbs, price=Decimal("500.00")))
    order = money.send_payment_link(dbs, req, actor=agent, now=NOW, base_url=BASE)
    dbs.commit()
    req = fresh(dbs, req.id)
    assert req.stage == "awaiting_payment"
    mail = dbs.scalar(select(OutgoingEmail).where(OutgoingEmail.purpose == "request_payment_link"))
    assert f"{BASE}/p/" in mail.body_text and mail.to_address == req.email
    # A deposit recorded by hand, with the payer and the day.
    payment = money.record_request_payment(
        dbs,
        req,
        amount=Decimal("150.00"),
        method="bank_transfer",
        received_on=NOW.date() - timedelta(days=1),
        payer_name="Bob Kunde",
        payer_address="Hauptstr. 1, 10115 Berlin",
        reference="deposit",
        actor=manager,
        now=NOW,
    )
    dbs.commit()
    assert payment.details["payer_name"] == "Bob Kunde"
    assert payment.details["received_on"] == "2026-05-03"
    assert fresh(dbs, req.id).stage == "deposit_paid"
    # The rest through the pay page's demo provider.
    pay_page.demo_payment(
        dbs,
        order.id,
        checkout_ref="demo_rest",
        amount=Decimal("350.00"),
        now=NOW,
        ip_address="203.0.113.9",
    )
    dbs.commit()
    req = fresh(dbs, req.id)
    assert req.stage == "paid_in_full" and req.order.status == "paid"
    pipeline.mark_processed(dbs, req, actor=agent, now=NOW)
    dbs.commit()
    assert fresh(dbs, req.id).stage == "processed"
    lines = log_lines(dbs, req.id)
    assert any(line.startswith("Alice Agent: Payment link sent to") for line in lines)
    assert (
        f"Max Manager: Payment received on order {order.number}: 150.00 of 500.00 EUR in" in lines
    )
    assert "Max Manager: Stage: awaiting payment -> deposit paid (payment)" in lines
    assert f"-: Payment received on order {order.number}: 500.00 of 500.00 EUR in" in lines
    assert "-: Stage: deposit paid -> paid in full (payment)" in lines
    assert "Alice Agent: Entered in our system: paid in full -> processed" in lines


def test_a_stripe_or_sepa_payment_also_moves_the_stage(dbs, agent, manager):
    req = make_request(dbs, product=make_product(dbs, price=Decimal("100.00")))
    order = money.order_for_request(dbs, req, seller=agent, now=NOW)
    debit = payments.record_payment(
        dbs, order.id, amount=Decimal("100.00"), method="sepa", status="pending", now=NOW
    )
    dbs.commit()
    assert fresh(dbs, req.id).stage == "new"  # announced, not received
    payments.mark_payment_received(dbs, debit.id, now=NOW, actor=manager)
    dbs.commit()
    assert fresh(dbs, req.id).stage == "paid_in_full"


def test_a_hand_payment_cannot_exceed_what_is_outstanding(dbs, manager):
    req = make_request(dbs, product=make_product(dbs, price=Decimal("100.00")))
    with pytest.raises(payments.PaymentError):
        money.record_request_payment(
            dbs,
            req,
            amount=Decimal("100.01"),
            method="manual",
            received_on=NOW.date(),
            payer_name=None,
            payer_address=None,
            reference=None,
            actor=manager,
            now=NOW,
        )
    with pytest.raises(money.MoneyError):
        money.record_request_payment(
            dbs,
            req,
            amount=Decimal("1"),
            method="manual",
            received_on=NOW.date() + timedelta(days=2),
            payer_name=None,
            payer_address=None,
            reference=None,
            actor=manager,
            now=NOW,
        )


def test_online_payment_off_leaves_only_the_bank_transfer_on_the_pay_page(dbs, agent):
    update_team_settings(
        dbs, bank_iban="DE89370400440532013000", sepa_creditor_id="DE98ZZZ09999999999"
    )
    req = make_request(dbs, product=make_product(dbs, price=Decimal("100.00")))
    order = money.order_for_request(dbs, req, seller=agent, now=NOW)
    assert pay_page.offered_methods(dbs, order, demo=True, card=True) == [
        "demo",
        "card",
        "sepa",
        "bank_transfer",
    ]
    money.set_online_payment(dbs, req, False, actor=agent, now=NOW)
    dbs.commit()
    assert pay_page.offered_methods(dbs, order, demo=True, card=True) == ["bank_transfer"]
    assert outstanding(order) == Decimal("100.00")
    assert "Alice Agent: Online payment switched off" in log_lines(dbs, req.id)


def test_archiving_erases_the_content_but_keeps_the_conversation(dbs, agent, manager):
    req = make_request(dbs, product=make_product(dbs), stage="processed")
    dbs.add(RequestMessage(request_id=req.id, outgoing=True, body="Thanks!", author_id=agent.id))
    dbs.add(RequestNote(request_id=req.id, body="VIP", author_id=agent.id))
    dbs.add(Quote(request_id=req.id, amount=Decimal(5), currency="EUR", status="withdrawn"))
    dbs.add(RequestEvent(request_id=req.id, kind="note", text="old line", actor_id=agent.id))
    dbs.commit()
    with pytest.raises(pipeline.PipelineForbidden):
        pipeline.archive(dbs, req, actor=agent, now=NOW)
    pipeline.archive(dbs, req, actor=manager, now=NOW)
    dbs.commit()
    req = fresh(dbs, req.id)
    assert (req.stage, req.message, req.email, req.phone, req.archived_at) == (
        "archived",
        None,
        None,
        None,
        NOW.replace(tzinfo=req.archived_at.tzinfo),
    )
    assert [m.body for m in dbs.scalars(select(RequestMessage))] == ["Thanks!"]
    assert dbs.scalar(select(RequestNote.id)) is None and dbs.scalar(select(Quote.id)) is None
    assert log_lines(dbs, req.id) == [
        "Max Manager: Archived (processed -> archived): its content was erased, "
        "the conversation kept"
    ]


def test_an_edit_based_on_an_older_version_is_refused_and_changes_nothing(dbs, agent):
    req = make_request(dbs, product=make_product(dbs))
    dbs.commit()
    read_version = req.version
    money.set_online_payment(dbs, req, False, actor=agent, now=NOW, expected_version=read_version)
    dbs.commit()
    with pytest.raises(StaleRequest):
        money.send_payment_link(
            dbs,
            fresh(dbs, req.id),
            actor=agent,
            now=NOW,
            base_url=BASE,
            expected_version=read_version,
        )
    dbs.rollback()
    req = fresh(dbs, req.id)
    assert (req.stage, req.order_id) == ("new", None)
    assert dbs.scalar(select(Payment.id)) is None


def test_stage_counts_cover_every_stage(dbs):
    product = make_product(dbs)
    make_request(dbs, product=product)
    make_request(dbs, product=product, stage="deposit_paid")
    make_request(dbs)
    dbs.commit()
    counts = pipeline.stage_counts(dbs)
    assert list(counts) == [
        "new",
        "in_progress",
        "awaiting_payment",
        "deposit_paid",
        "paid_in_full",
        "processed",
        "archived",
    ]
    assert (counts["new"], counts["deposit_paid"], counts["archived"]) == (1, 1, 0)
