"""`voiceapp dev` (what scripts/run runs) has card payments working without a Stripe
account: the app's STRIPE_* settings point at the stand-in the simulator serves under
/stripe, the banner says so, and a card payment goes all the way round (the app makes the
checkout there, Pay there sends the signed event to the app, the order is paid)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal

import requests

from tests.conftest import TEST_REDIS_URL, csrf_from
from tests.integration.test_devserver import (
    alive,
    descendants,
    listening,
    started_by,
    wait_for,
)
from tests.mail_helpers import free_port
from voiceapp import create_app
from voiceapp.domain.payment_code import format_code
from voiceapp.models import Order
from voiceapp.services.orders import create_order, create_product

STRIPE_VARIABLES = ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "STRIPE_API_BASE")


def _order_in(database_url: str, instance) -> tuple[int, str]:
    """A pending order in the dev database, taken through the service."""
    from voiceapp import db

    app = create_app(
        {"env": "development", "database_url": database_url, "instance_path": instance}
    )
    with app.app_context():
        session = db.session()
        from voiceapp.services import accounts

        seller = accounts.find_user_by_email(session, "jonas@demo.voiceapp.test")
        contact_id = _a_contact(session, seller)
        product = create_product(
            session,
            {
                "name": "Demo course",
                "price": Decimal("119.00"),
                "price_is": "gross",
                "currency": "EUR",
            },
            now=datetime.now(UTC),
        )
        order = create_order(
            session,
            {
                "contact_id": contact_id,
                "items": [{"product_id": product.id, "quantity": 1}],
                "buyer": {"last_name": "Muster", "country": "DE"},
            },
            seller=seller,
            now=datetime.now(UTC),
        )
        session.commit()
        result = order.id, format_code(order.payment_code)
    app.extensions["voiceapp.db"].engine.dispose()
    return result


def _a_contact(session, owner) -> int:
    from voiceapp.models import Contact

    contact = Contact(kind="person", last_name="Muster", country="DE", owner_id=owner.id)
    session.add(contact)
    session.flush()
    return contact.id


def test_voiceapp_dev_takes_card_payments_through_the_stand_in(tmp_path):
    port, sim_port = free_port(), free_port()
    database_url = f"sqlite:///{tmp_path}/dev.sqlite3"
    env = {
        **os.environ,
        "VOICEAPP_ENV": "development",
        "VOICEAPP_INSTANCE_PATH": str(tmp_path),
        "DATABASE_URL": database_url,
        "REDIS_URL": TEST_REDIS_URL,
    }
    for name in ("VOICEAPP_SIM_URL", "PUBLIC_BASE_URL", "TWILIO_API_BASE", "SECRET_KEY"):
        env.pop(name, None)
    for name in STRIPE_VARIABLES:
        env.pop(name, None)
    banner = tmp_path / "banner.txt"
    with banner.open("w") as out:
        parent = subprocess.Popen(
            [
                *(sys.executable, "-m", "voiceapp.cli", "dev", "--port", str(port)),
                *("--sim-port", str(sim_port)),
            ],
            env=env,
            stdout=out,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    children: set[int] = set()
    app_url, sim_url = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{sim_port}"
    try:
        assert wait_for(lambda: listening(port) and listening(sim_port), 90), "never came up"
        assert wait_for(lambda: "stop with Ctrl-C" in banner.read_text(), 30)
        children = descendants(parent.pid)
        text = banner.read_text()
        assert f"Stripe: {sim_url}/stripe" in text
        assert f"{app_url}/webhooks/stripe" in text

        order_id, code = _order_in(database_url, tmp_path)
        customer = requests.Session()
        token = csrf_from(customer.get(f"{app_url}/sign-in", timeout=10).text)
        started = customer.post(
            f"{app_url}/p/{code}/stripe",
            data={"csrf_token": token},
            allow_redirects=False,
            timeout=20,
        )
        assert started.status_code == 303, started.text[:500]
        checkout = started.headers["Location"]
        assert re.fullmatch(rf"{sim_url}/stripe/checkout/cs_test_\w+", checkout), checkout
        assert "119.00 EUR" in requests.get(checkout, timeout=10).text
        paid = requests.post(f"{checkout}/pay", allow_redirects=False, timeout=20)
        assert paid.headers["Location"] == f"{app_url}/p/{code}/thanks"

        app = create_app(
            {"env": "development", "database_url": database_url, "instance_path": tmp_path}
        )
        from voiceapp import db

        with app.app_context():
            order = db.session().get(Order, order_id)
            assert order.status == "paid"
            assert [p.method for p in order.payments] == ["stripe"]
        app.extensions["voiceapp.db"].engine.dispose()
    finally:
        if parent.poll() is None:
            parent.send_signal(signal.SIGTERM)
            try:
                parent.wait(timeout=30)
            except subprocess.TimeoutExpired:
                parent.kill()
        for pid in children | descendants(parent.pid) | started_by(tmp_path):
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
