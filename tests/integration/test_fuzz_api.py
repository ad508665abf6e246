"""Fuzzing the JSON API with schemathesis: every operation of /api/openapi.json, with an
admin's bearer token, valid and invalid input alike; none may answer a 5xx it does not
document (GET /api/token documents its 503 when Twilio is not configured).

Random examples rarely hit the values that broke the app (a NUL in a string on
PostgreSQL, a year-1 date at +14:00), so each operation also gets the short list of
hostile values in every query parameter and every field of its JSON body.

A bounded number of examples per operation keeps the whole file well under a minute.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.generation import GenerationMode

from tests.factories import CaseFactory, ContactFactory, OrderFactory, UserFactory
from tests.hostile_values import HOSTILE_JSON, HOSTILE_TEXT
from tests.request_helpers import make_request
from voiceapp.db import utcnow
from voiceapp.models import Call, Commission, Contact, Product, Recording, RequestLabel, Task
from voiceapp.services.accounts import create_api_token

EXAMPLES_PER_OPERATION = 20


def _strategy(operation):
    """Valid input and invalid input (wrong types, out-of-range values, missing fields)."""
    strategies = []
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        try:
            strategies.append(operation.as_strategy(mode))
        except Exception:  # an operation without parameters has no invalid input
            continue
    return st.one_of(strategies)


def documented_server_errors(operation) -> set[int]:
    return {
        int(code)
        for code in operation.definition.raw.get("responses", {})
        if code.isdigit() and int(code) >= 500
    }


@pytest.fixture
def admin_token(ctx, dbs):
    """An admin's token, and a few rows for the generated ids to find (ids start at 1)."""
    admin = UserFactory(role="admin")
    for _ in range(2):
        CaseFactory(contact=ContactFactory(), assignee_id=admin.id)
    dbs.add(Product(name="Fuzzed course", price="99.90", price_is="gross", currency="EUR"))
    dbs.flush()
    order = OrderFactory(contact_id=ContactFactory().id, seller_id=admin.id)
    # Commission 1, of another member (the admin may decide on it) on order 1.
    seller = UserFactory(role="agent")
    dbs.add(
        Commission(
            key="fuzz",
            user_id=seller.id,
            order_id=order.id,
            reason="sales_team",
            amount="10.00",
            currency="EUR",
            base_net="100.00",
            due_at=utcnow(),
        )
    )
    dbs.flush()
    # Call "CA1", taken by the seller and recorded: its reviews take the fuzzed input.
    dbs.add(
        Call(
            sid="CA1",
            direction="inbound",
            from_number="+4915100000001",
            to_number="+4930901820",
            agent_id=seller.id,
            status="completed",
        )
    )
    dbs.flush()
    dbs.add(
        Recording(
            sid="RE1",
            call_sid="CA1",
            status="completed",
            media_path="RE1.wav",
            media_bytes=16,
            fetched_at=utcnow(),
        )
    )
    # Task 1, on contact 1, the admin's.
    dbs.add(Task(title="Fuzzed task", due_at=utcnow(), assignee_id=admin.id, contact_id=1))
    dbs.flush()
    # Label 1.
    dbs.add(RequestLabel(name="Fuzzed label"))
    # Request 1 is a dossier of product 1 (with an e-mail) with quote 1 sent; subscription
    # 1 is over request 2's order (product 1 with two subscription plans), so changes
    # reach the plan rules; request 3 is a simple request from the form.
    _quote_and_subscription(dbs, admin)
    make_request(dbs, name="Fuzzed customer", email="fuzz@example.com")
    _row, token = create_api_token(dbs, admin, name="fuzz", now=utcnow())
    dbs.commit()
    return token


def _quote_and_subscription(dbs, admin) -> None:
    from tests.dossier_helpers import SUBSCRIPTION_PLAN
    from tests.dossier_helpers import make_request as make_dossier
    from voiceapp.services.requests.quotes import send_quote
    from voiceapp.services.requests.subscriptions import start_subscription

    product = dbs.get(Product, 1)
    product.plans = [
        {"kind": "single"},
        SUBSCRIPTION_PLAN,
        {**SUBSCRIPTION_PLAN, "interval_unit": "year"},
    ]
    dossier = make_dossier(dbs, product=product, contact=dbs.get(Contact, 1))
    send_quote(
        dbs,
        dossier,
        amount=Decimal("90"),
        currency=None,
        message=None,
        actor=admin,
        now=utcnow(),
        page_url=None,
    )
    confirmed = make_dossier(
        dbs,
        product=product,
        contact=dbs.get(Contact, 1),
        plan=SUBSCRIPTION_PLAN,
        status="confirmed",
    )
    start_subscription(dbs, confirmed, actor=admin, now=utcnow(), today=utcnow().date())
    dbs.flush()


def _fuzzer(operation, headers: dict):
    """A Hypothesis test of one operation: call it, and allow only its documented 5xx."""
    allowed = documented_server_errors(operation)

    @given(case=_strategy(operation))
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,  # no .hypothesis directory in the work tree
        suppress_health_check=list(HealthCheck),
    )
    def fuzz(case):
        response = case.call(headers=headers)
        assert response.status_code < 500 or response.status_code in allowed, (
            f"{case.method} {case.formatted_path} answered {response.status_code}: "
            f"{case.as_curl_command()}\n{response.text[:300]}"
        )

    return fuzz


def test_no_operation_answers_an_undocumented_5xx(app, admin_token):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20  # every operation of the API, not a few
    headers = {"Authorization": f"Bearer {admin_token}"}
    failures: list[str] = []

    for operation in operations:
        fuzz = _fuzzer(operation, headers)
        try:
            fuzz()
        except AssertionError as exc:  # the shrunk example; go on with the others
            failures.append(str(exc))
    assert not failures, "\n\n".join(failures)


# Path parameters that name the rows admin_token made, so the hostile values reach the
# code behind the 404 check.
EXISTING = {
    "contact_id": 1,
    "case_id": 1,
    "file_id": 1,
    "notification_id": 1,
    "product_id": 1,
    "order_id": 1,
    "user_id": 1,  # the admin
    "payout_id": 1,
    "commission_id": 1,
    "task_id": 1,
    "request_id": 1,
    "quote_id": 1,
    "subscription_id": 1,
    "sid": "CA1",  # recorded, with an agent: reviews of it reach the review rules
}


def _parameters(operation, location: str) -> list[str]:
    raw = operation.definition.raw.get("parameters", [])
    return [p["name"] for p in raw if p.get("in") == location]


def _body_fields(operation) -> list[str]:
    content = operation.definition.raw.get("requestBody", {}).get("content", {})
    schema = content.get("application/json", {}).get("schema")
    if schema is None:
        return []
    if "$ref" in schema:
        schema = operation.schema.raw_schema["components"]["schemas"][
            schema["$ref"].rsplit("/", 1)[-1]
        ]
    return sorted(schema.get("properties", {}))


def test_hostile_values_in_every_parameter_and_field(app, admin_token):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {admin_token}"}
    failures: list[str] = []
    tried = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        allowed = documented_server_errors(operation)
        path = operation.path.format(**EXISTING)
        requests = [
            {"query_string": {name: value}}
            for name in _parameters(operation, "query")
            for value in HOSTILE_TEXT
        ]
        requests += [
            {"data": f'{{"{name}": {value}}}', "content_type": "application/json"}
            for name in _body_fields(operation)
            for value in HOSTILE_JSON
        ]
        for kwargs in requests:
            response = client.open(path, method=operation.method.upper(), headers=headers, **kwargs)
            tried += 1
            if response.status_code >= 500 and response.status_code not in allowed:
                failures.append(
                    f"{operation.method.upper()} {path} {str(kwargs)[:200]} answered "
                    f"{response.status_code}"
                )
    assert tried > 300
    assert not failures, "\n".join(failures)
