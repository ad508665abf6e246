"""The short list of hostile values sent to every panel form and filter, signed in as an
admin with a valid CSRF token: no answer may be a 5xx.

The pages come from app.url_map (every panel GET rule, its ids pointing at real rows);
the forms and their fields from the pages themselves, so a new form is fuzzed without
touching this file. Each field gets each hostile value while the others keep the values
the page filled in.
"""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from werkzeug.routing import IntegerConverter

from tests.conftest import sign_in
from tests.factories import PASSWORD, CaseFactory, ContactFactory, UserFactory
from tests.hostile_values import HOSTILE_TEXT
from tests.order_helpers import make_product, take_order
from voiceapp import db
from voiceapp.db import utcnow
from voiceapp.services.orders.payments import record_payment

NOT_PANEL = ("/api/", "/twilio/", "/static/", "/healthz")
# Forms whose submission ends the test's session or removes what it fuzzes.
NOT_SUBMITTED = ("/sign-out", "/delete", "/revoke")
# Pages that need a query parameter to show their form.
EXTRA_PAGES = ["/cases/new?contact_id=1", "/orders/new?contact_id=1"]


class Form:
    def __init__(self, action: str, method: str):
        self.action = action
        self.method = method
        self.defaults: dict[str, str] = {}
        self.fields: list[str] = []

    def add(self, name: str, value: str, *, fuzz: bool, default: bool = True) -> None:
        if default:
            self.defaults.setdefault(name, value)
        if fuzz and name not in self.fields:
            self.fields.append(name)


class FormParser(HTMLParser):
    """Every <form> of a page: its action, method, fields and filled-in values."""

    def __init__(self, page_url: str):
        super().__init__()
        self.page_url = page_url
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None
        self._first_option: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            action = urljoin(self.page_url, a.get("action") or self.page_url)
            self._form = Form(action, (a.get("method") or "get").lower())
            self.forms.append(self._form)
        elif self._form is None or (not a.get("name") and tag != "option"):
            return
        elif tag == "input":
            kind = a.get("type", "text")
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            checked = kind not in ("checkbox", "radio") or "checked" in a
            self._form.add(
                a["name"],
                a.get("value", "on" if kind == "checkbox" else ""),
                fuzz=a["name"] != "csrf_token",
                default=checked,
            )
        elif tag == "textarea":
            self._form.add(a["name"], "", fuzz=True)
        elif tag == "select":
            self._select, self._first_option = a["name"], None
            self._form.add(a["name"], "", fuzz=True, default=False)
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._first_option is None or "selected" in a:
                self._first_option = value
                self._form.defaults[self._select] = value

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def _panel_pages(app) -> list[str]:
    pages = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule.startswith(NOT_PANEL):
            continue
        values = {
            name: 1 if isinstance(rule._converters[name], IntegerConverter) else "x"
            for name in rule.arguments
        }
        pages.append(rule.rule if not values else _build(app, rule.endpoint, values))
    return sorted(set(pages)) + EXTRA_PAGES


def _build(app, endpoint: str, values: dict) -> str:
    with app.test_request_context():
        from flask import url_for

        return url_for(endpoint, **values)


def _rows():
    """Row 1 of what the pages' ids name: a contact with a case and an order, a member (an
    agent, not the admin: fuzzing the member form must not take the admin's own rights
    away)."""
    agent = UserFactory(role="agent")
    admin = UserFactory(role="admin")
    contact = ContactFactory()
    CaseFactory(contact=contact, assignee_id=agent.id)
    # A product on sale and order 1, pending and unpaid: the order form's products, the
    # payment screen, the order page's payment, cancel, auto-cancel and note forms.
    take_order(db.session(), agent, product=make_product(db.session()), contact=contact)
    # Order 2, paid: commission 1 (the agent's, pending) for the commission pages.
    paid = take_order(db.session(), agent, product=make_product(db.session()), contact=contact)
    record_payment(db.session(), paid.id, amount=paid.total, method="demo", now=utcnow())
    db.session().commit()
    return admin


def test_hostile_values_in_every_panel_form_and_filter(app, client, ctx):
    admin = _rows()
    sign_in(client, admin.email, PASSWORD)
    failures: list[str] = []
    tried = 0
    posted: set[str] = set()
    seen: set[tuple[str, str]] = set()

    def check(response, what: str) -> None:
        nonlocal tried
        tried += 1
        if response.status_code >= 500:
            failures.append(f"{what} answered {response.status_code}")

    for page in _panel_pages(app):
        response = client.get(page)
        check(response, f"GET {page}")
        if response.status_code != 200 or "html" not in response.content_type:
            continue
        parser = FormParser(page)
        parser.feed(response.text)
        for form in parser.forms:
            path = urlsplit(form.action).path
            key = (form.method, path)
            if key in seen or path.endswith(NOT_SUBMITTED):
                continue
            seen.add(key)
            for field in form.fields:
                for value in HOSTILE_TEXT:
                    data = {**form.defaults, field: value}
                    if form.method == "post":
                        check(client.post(form.action, data=data), f"POST {path} {field}")
                        posted.add(path)
                    else:
                        # A browser sends a GET form's fields as the whole query string,
                        # replacing any query its action (or the page's address) had.
                        url = urlsplit(form.action)._replace(query="").geturl()
                        check(client.get(url, query_string=data), f"GET {path} {field}")
    assert tried > 500
    # Forms of every kind were reached, not only the filters.
    assert {
        "/contacts/new",
        "/cases/new",
        "/members/new",
        "/settings/cases",
        "/orders/new",
    } <= posted
    assert {"/orders/1/payments", "/orders/1/auto-cancel", "/orders/1/notes"} <= posted
    assert {"/commissions/decisions", "/commissions/reassign"} <= posted
    assert not failures, "\n".join(failures)
