"""The people and objects the rights matrix asks about, and how it asks.

Roles: an admin, a sales manager, an agent, another agent, and someone signed out. The
object states are named from the agent's side ("own" is the agent's, "private" is the
other agent's private one), so the other agent sees each state mirrored: the agent's
private contact is private to someone else for them.
"""

from __future__ import annotations

import io
import itertools
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from tests.conftest import csrf_from, sign_in
from tests.factories import PASSWORD, CaseFactory, ContactFactory, OrderFactory, UserFactory
from tests.order_helpers import make_product, take_order
from voiceapp.db import Base, utcnow
from voiceapp.domain.payment_code import format_code
from voiceapp.models import (
    Call,
    Commission,
    EmailTemplate,
    Notification,
    NumberOperator,
    PhoneNumber,
    Product,
    Recording,
    Task,
    User,
)
from voiceapp.services import cases as case_ops
from voiceapp.services.accounts import create_api_token
from voiceapp.services.invitations import invitation_token
from voiceapp.services.team_settings import update_team_settings
from voiceapp.storage import CASE_FILES, REPORTS, store_for

ROLES = ("admin", "sales_manager", "agent", "other_agent", "signed_out")
# What the agents handle: a pool case of these is theirs to take (domain.case_rights).
AGENT_TYPES, AGENT_LANGUAGES = ["payment_reminder"], ["de"]

# The states of each kind of object a route takes, named from the agent's side.
STATES = {
    # own: the agent's private contact; shared_read / shared_write: the other agent's,
    # shared; private: the other agent's private contact.
    "contact": ("own", "shared_read", "shared_write", "private"),
    # own: assigned to the agent; colleague: assigned to the other agent (contact shared
    # read and write); shared_read: the other agent's, on their contact shared read-only;
    # private: the other agent's, on their private contact; pool: unassigned, of the
    # agents' type and language; pool_other: unassigned, of a type and language they do
    # not handle.
    "case": ("own", "colleague", "shared_read", "private", "pool", "pool_other"),
    # ... and file_of_private: the agent's own case in the URL, with the file id of a case
    # on the other agent's private contact.
    "case_file": (
        "own",
        "colleague",
        "shared_read",
        "private",
        "pool",
        "pool_other",
        "file_of_private",
    ),
    # own: a call the agent took; colleague: the other agent's; unanswered: nobody's.
    "call": ("own", "colleague", "unanswered"),
    "recording": ("own", "colleague", "unanswered"),
    "notification": ("own", "colleague"),
    "token": ("own", "colleague"),
    # Admin-only objects: nobody owns them.
    "template": ("any",),
    "member": ("any",),
    "number": ("any",),
    "operator": ("any",),
    "product": ("any",),
    # own: sold by the agent to their private contact; colleague: sold by the other agent
    # to a shared contact; private: sold by the other agent to their private contact.
    "order": ("own", "colleague", "private"),
    # The customer's pay page names an order by its payment code; it answers everybody
    # the same (public, no sign-in): open is a pending order with every way to pay.
    "pay_code": ("open",),
    # A new member's invitation link (signed, unused, in time).
    "invitation": ("open",),
    # A pending payout (of a freelancer's due commission) and the run that made it.
    "payout": ("pending",),
    "run": ("any",),
    # own: a commission of the agent's; colleague: the other agent's (both pending).
    "commission": ("own", "colleague"),
    # A report file the sales manager asked for (written): theirs alone to fetch.
    "report_download": ("managers",),
    # own: given to the agent by the admin; added: added by the agent for the other agent;
    # colleague: the other agent's own (all on a contact shared read and write); hidden:
    # given to the agent by the other agent, on the other agent's private contact.
    "task": ("own", "added", "colleague", "hidden"),
    # Requests are the whole team's (one shared inbox): one pending request from the
    # public form; a team label; a public request form, by its id or its address; the
    # customer's signed link to their page.
    # dossier: a request with a priced product, its deposit paid (stage deposit_paid), so
    # the money routes (payment link, payments by hand, processed, archive) can act.
    "request": ("pending", "dossier"),
    # A sent quote on a dossier of an on-request product, by its request and its id.
    "quote": ("sent",),
    # A subscription from a confirmed request: shared is on a contact shared read and
    # write, private on the other agent's private contact.
    "subscription": ("shared", "private"),
    "label": ("any",),
    "form": ("any",),
    "request_form": ("open",),
    "request_link": ("open",),
}

# A route's URL arguments tell which kind of object it takes.
KINDS = {
    frozenset({"contact_id"}): "contact",
    frozenset({"case_id"}): "case",
    frozenset({"case_id", "file_id"}): "case_file",
    frozenset({"sid"}): "call",
    frozenset({"recording_sid"}): "recording",
    frozenset({"notification_id"}): "notification",
    frozenset({"token_id"}): "token",
    frozenset({"template_id"}): "template",
    frozenset({"user_id"}): "member",
    frozenset({"number_id"}): "number",
    frozenset({"number_id", "operator_id"}): "operator",
    frozenset({"product_id"}): "product",
    frozenset({"order_id"}): "order",
    frozenset({"code"}): "pay_code",
    frozenset({"invitation"}): "invitation",
    frozenset({"payout_id"}): "payout",
    frozenset({"run_id"}): "run",
    frozenset({"filename"}): "static",
    frozenset({"vendor_file"}): "vendor",
    frozenset({"commission_id"}): "commission",
    frozenset({"download"}): "report_download",
    frozenset({"task_id"}): "task",
    frozenset({"request_id"}): "request",
    frozenset({"request_id", "quote_id"}): "quote",
    frozenset({"subscription_id"}): "subscription",
    frozenset({"label_id"}): "label",
    frozenset({"form_id"}): "form",
    frozenset({"slug"}): "request_form",
    frozenset({"token"}): "request_link",
}
STATES["static"] = ("any",)
STATES["vendor"] = ("any",)
# Routes that name their object in the query string or the body rather than the path.
BODY_OBJECTS = {
    ("GET", "/cases/new"): "contact",
    ("POST", "/cases/new"): "contact",
    ("POST", "/api/cases"): "contact",
    ("POST", "/api/tasks"): "contact",
    ("POST", "/api/orders"): "contact",
    ("GET", "/orders/new"): "contact",
    ("POST", "/orders/new"): "contact",
    ("POST", "/api/commissions/decisions"): "commission",
    ("POST", "/commissions/decisions"): "commission",
}
_serial = itertools.count(1)

# Columns that every request may touch (the session's and the token's last use): left
# out of the "did anything change" snapshot.
VOLATILE_COLUMNS = frozenset({"last_seen_at", "last_used_at"})
# Rows that outlive a test: the members, their sign-ins and tokens, the team's settings.
KEPT_TABLES = frozenset({"users", "user_sessions", "api_tokens", "team_settings"})


def snapshot(engine) -> dict:
    """Every row of every table (but the volatile columns), as the app committed them."""
    state = {}
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if c.name not in VOLATILE_COLUMNS]
            rows = conn.execute(select(*columns).order_by(*table.primary_key.columns)).all()
            state[table.name] = [tuple(r) for r in rows]
    return state


def changed_tables(before: dict, after: dict) -> list[str]:
    return [name for name in before if before[name] != after[name]]


def clear_objects(engine) -> None:
    """Empty every table but the members' (a test's objects must not meet the next's)."""
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            if table.name not in KEPT_TABLES:
                conn.execute(table.delete())


@dataclass
class Asker:
    """One role's way in: a panel client (signed in through the real form, with its CSRF
    token) and, for the API, a bearer token."""

    role: str
    client: object
    csrf: str
    bearer: str | None = None

    def open(self, method: str, path: str, *, api: bool, **kwargs):
        headers = dict(kwargs.pop("headers", {}))
        if api and self.bearer:
            headers["Authorization"] = f"Bearer {self.bearer}"
        if not api and method not in ("GET", "HEAD"):
            data = dict(kwargs.pop("data", None) or {})
            data["csrf_token"] = self.csrf
            kwargs["data"] = data
        return self.client.open(path, method=method, headers=headers, **kwargs)


def signed_in_client(app, email: str | None):
    client = app.test_client()
    if email is None:
        return client, csrf_from(client.get("/sign-in").text)
    sign_in(client, email, PASSWORD)
    return client, csrf_from(client.get("/account/tokens").text)


@dataclass
class World:
    dbs: object
    app: object
    users: dict = field(default_factory=dict)
    askers: dict = field(default_factory=dict)

    @classmethod
    def build(cls, dbs, app) -> World:
        world = cls(dbs=dbs, app=app)
        for role in ROLES[:4]:
            world.users[role] = UserFactory(
                role="agent" if role == "other_agent" else role,
                name=role,
                case_types=list(AGENT_TYPES),
                languages=list(AGENT_LANGUAGES),
            )
        for role in ROLES:
            user = world.users.get(role)
            client, csrf = signed_in_client(app, user.email if user else None)
            bearer = None
            if user is not None:
                _row, bearer = create_api_token(dbs, user, name="matrix", now=utcnow())
                dbs.commit()
            world.askers[role] = Asker(role, client, csrf, bearer)
        return world

    def fresh_asker(self, role: str) -> Asker:
        """A second sign-in of `role` (for signing out without losing the first)."""
        user = self.users.get(role)
        client, csrf = signed_in_client(self.app, user.email if user else None)
        return Asker(role, client, csrf, self.askers[role].bearer)

    def forget_objects(self) -> None:
        """After clear_objects: SQLite hands out the deleted rows' ids again, so the data
        session must not remember the old rows; only the members are loaded again."""
        ids = {role: user.id for role, user in self.users.items()}
        self.dbs.rollback()
        self.dbs.expunge_all()
        self.users = {role: self.dbs.get(User, user_id) for role, user_id in ids.items()}

    # --- objects -----------------------------------------------------------------------

    @property
    def agent(self):
        return self.users["agent"]

    @property
    def other(self):
        return self.users["other_agent"]

    def contact(self, state: str):
        owner, visibility = {
            "own": (self.agent, "private"),
            "shared_read": (self.other, "shared_read"),
            "shared_write": (self.other, "shared_write"),
            "private": (self.other, "private"),
        }[state]
        return ContactFactory(owner_id=owner.id, visibility=visibility)

    def case(self, state: str):
        contact_state, assignee, case_type, language = {
            "own": ("shared_write", self.agent, "payment_reminder", "de"),
            "colleague": ("shared_write", self.other, "payment_reminder", "de"),
            "shared_read": ("shared_read", self.other, "payment_reminder", "de"),
            "private": ("private", self.other, "payment_reminder", "de"),
            "pool": ("shared_write", None, "payment_reminder", "de"),
            "pool_other": ("shared_write", None, "new_order", "en"),
        }[state]
        return CaseFactory(
            contact=self.contact(contact_state),
            assignee_id=assignee.id if assignee else None,
            type=case_type,
            language=language,
        )

    def case_file(self, state: str):
        if state == "file_of_private":
            _private, row = self.case_file("private")
            return self.case("own"), row
        case = self.case(state)
        row = case_ops.attach_file(
            self.dbs,
            case,
            filename="note.txt",
            declared_type="text/plain",
            data=b"what the customer said",
            user=self.users["admin"],
            store=store_for(self.app.config["VOICEAPP"], CASE_FILES),
            now=utcnow(),
        )
        self.dbs.commit()
        return case, row

    def call(self, state: str):
        agent = {"own": self.agent, "colleague": self.other, "unanswered": None}[state]
        n = next(_serial)
        call = Call(
            sid=f"CA{n:032d}",
            direction="inbound",
            from_number="+4915100000000",
            to_number="+4930901820",
            agent_id=agent.id if agent else None,
            contact_id=self.contact("shared_write").id,
            status="completed" if agent else "no-answer",
            missed=agent is None,
        )
        self.dbs.add(call)
        self.dbs.commit()
        return call

    def recording(self, state: str):
        call = self.call(state)
        n = next(_serial)
        root = self.app.config["VOICEAPP"].resolved_recordings_path()
        root.mkdir(parents=True, exist_ok=True)
        (root / f"matrix-{n}.wav").write_bytes(b"RIFF....WAVEfmt ")
        rec = Recording(
            sid=f"RE{n:032d}",
            call_sid=call.sid,
            status="completed",
            media_path=f"matrix-{n}.wav",
            media_bytes=16,
            fetched_at=utcnow(),
        )
        self.dbs.add(rec)
        self.dbs.commit()
        return rec

    def notification(self, state: str):
        return self.notification_for({"own": self.agent, "colleague": self.other}[state])

    def notification_for(self, user):
        row = Notification(user_id=user.id, kind="case_due", message="A case is due")
        self.dbs.add(row)
        self.dbs.commit()
        return row

    def token(self, state: str):
        user = {"own": self.agent, "colleague": self.other}[state]
        row, _token = create_api_token(self.dbs, user, name="to revoke", now=utcnow())
        self.dbs.commit()
        return row

    def template(self, _state: str):
        row = EmailTemplate(
            key=f"matrix_{next(_serial)}", name="After a call", subject="Hello", body_text="Hi"
        )
        self.dbs.add(row)
        self.dbs.commit()
        return row

    def member(self, _state: str):
        return UserFactory(role="agent")

    def number(self, _state: str):
        row = PhoneNumber(number=f"+49309{next(_serial):07d}", friendly_name="Matrix")
        self.dbs.add(row)
        self.dbs.commit()
        return row

    def operator(self, _state: str):
        number = self.number("any")
        row = NumberOperator(phone_number_id=number.id, user_id=self.member("any").id)
        self.dbs.add(row)
        self.dbs.commit()
        return number, row

    def product(self, _state: str):
        row = Product(name="Matrix course", price="99.90", price_is="gross", currency="EUR")
        self.dbs.add(row)
        self.dbs.commit()
        return row

    def order(self, state: str):
        seller, contact_state = {
            "own": (self.agent, "own"),
            "colleague": (self.other, "shared_write"),
            "private": (self.other, "private"),
        }[state]
        # A total, so a payment recorded by hand has something to pay.
        row = OrderFactory(
            contact_id=self.contact(contact_state).id, seller_id=seller.id, total=Decimal("119.00")
        )
        self.dbs.commit()
        return row

    def commission(self, state: str):
        return self.commission_for({"own": self.agent, "colleague": self.other}[state])

    def commission_for(self, user):
        """A pending commission of `user` on an order they sold (as a paid order's)."""
        order = OrderFactory(
            contact_id=self.contact("shared_write").id, seller_id=user.id, total=Decimal("119.00")
        )
        row = Commission(
            key=f"matrix:{next(_serial)}",
            user_id=user.id,
            order_id=order.id,
            reason="sales_team",
            amount=Decimal("10.00"),
            currency="EUR",
            base_net=Decimal("100.00"),
            status="pending",
            due_at=utcnow(),
        )
        self.dbs.add(row)
        self.dbs.commit()
        return row

    def task(self, state: str):
        admin = self.users["admin"]
        assignee, creator, contact_state = {
            "own": (self.agent, admin, "shared_write"),
            "added": (self.other, self.agent, "shared_write"),
            "colleague": (self.other, self.other, "shared_write"),
            "hidden": (self.agent, self.other, "private"),
        }[state]
        row = Task(
            title="Send the contract",
            due_at=utcnow() + timedelta(days=1),
            assignee_id=assignee.id,
            created_by_id=creator.id,
            contact_id=self.contact(contact_state).id,
        )
        self.dbs.add(row)
        self.dbs.commit()
        return row

    def pay_code(self, _state: str):
        """A pending order of a German consumer, taken through the real service, with
        the team's bank account and SEPA creditor id set (every way to pay offered)."""
        update_team_settings(
            self.dbs,
            seller_name="Matrix GmbH",
            bank_account_holder="Matrix GmbH",
            bank_iban="DE02120300000000202051",
            sepa_creditor_id="DE98ZZZ09999999999",
        )
        order = take_order(self.dbs, self.agent, product=make_product(self.dbs))
        return format_code(order.payment_code)

    def invitation(self, _state: str) -> str:
        """The token of a member added without a password, as the invitation e-mail
        carries it."""
        user = UserFactory(role="agent", password_hash=None)
        return invitation_token(user, secret_key=self.app.secret_key)

    def payable_member(self):
        """A freelancer with one approved, due commission: something for a run to pay."""
        from tests.payout_helpers import earned, freelancer

        member = freelancer()
        earned(self.dbs, member, "50.00")
        self.dbs.commit()
        return member

    def payout(self, _state: str):
        from voiceapp.services.commissions.payouts import create_run

        result = create_run(
            self.dbs,
            actor=self.users["admin"],
            member_ids=[self.payable_member().id],
            minimum=Decimal("0"),
            currency="EUR",
            include_not_due=False,
            mark_paid=False,
            now=utcnow(),
        )
        self.dbs.commit()
        return result.run.payouts[0]

    def run(self, state: str):
        return self.payout(state).run

    def report_download(self, _state: str) -> str:
        """The token of a report file written for the sales manager."""
        from voiceapp.services.reports.downloads import save_file

        token = f"matrix{next(_serial):016d}"
        store = store_for(self.app.config["VOICEAPP"], REPORTS)
        save_file(store, self.users["sales_manager"].id, token, "calls-report.csv", "Member\n")
        return token

    def request(self, state: str):
        from tests.request_helpers import make_request

        if state == "dossier":
            return self.dossier(make_product(self.dbs), stage="deposit_paid")
        return make_request(self.dbs, name="Anna Muster", email="anna@example.com")

    def dossier(self, product, contact=None, **fields):
        from tests.dossier_helpers import make_request as make_dossier

        contact = contact or self.contact("shared_write")
        row = make_dossier(self.dbs, product=product, contact=contact, **fields)
        self.dbs.commit()
        return row

    def quote(self, _state: str):
        from tests.dossier_helpers import make_on_request_product
        from voiceapp.services.requests.quotes import send_quote

        req = self.dossier(make_on_request_product(self.dbs))
        quote = send_quote(
            self.dbs,
            req,
            amount=Decimal("90.00"),
            currency=None,
            message=None,
            actor=self.users["admin"],
            now=utcnow(),
            page_url=None,
        )
        self.dbs.commit()
        return req, quote

    def subscription(self, state: str):
        from tests.dossier_helpers import SUBSCRIPTION_PLAN
        from voiceapp.services.requests.subscriptions import start_subscription

        yearly = {**SUBSCRIPTION_PLAN, "interval_unit": "year"}
        product = make_product(self.dbs, plans=[SUBSCRIPTION_PLAN, yearly])
        contact = self.contact({"shared": "shared_write", "private": "private"}[state])
        req = self.dossier(product, contact=contact, plan=SUBSCRIPTION_PLAN, status="confirmed")
        row = start_subscription(
            self.dbs, req, actor=self.users["admin"], now=utcnow(), today=utcnow().date()
        )
        self.dbs.commit()
        return row

    def label(self, _state: str):
        from voiceapp.models import RequestLabel

        row = RequestLabel(name=f"Label {next(_serial)}")
        self.dbs.add(row)
        self.dbs.commit()
        return row

    def form(self, _state: str):
        from tests.request_helpers import make_form

        return make_form(self.dbs, slug=f"form-{next(_serial)}")

    def request_link(self, _state: str) -> str:
        from voiceapp.services.requests.conversation import customer_token

        req = self.request("pending")
        with self.app.test_request_context():
            return customer_token(req)

    def url_args(self, kind: str, state: str) -> dict:
        """Build one object of `kind` in `state`; the URL arguments that name it."""
        if kind == "report_download":
            return {"download": self.report_download(state)}
        if kind == "static":
            return {"filename": "style.css"}
        if kind == "vendor":  # an npm library (web.vendor; `npm ci` installs it)
            return {"vendor_file": "chart.umd.min.js"}
        if kind == "pay_code":
            return {"code": self.pay_code(state)}
        if kind == "invitation":
            return {"invitation": self.invitation(state)}
        if kind == "request_form":
            return {"slug": self.form(state).slug}
        if kind == "request_link":
            return {"token": self.request_link(state)}
        made = getattr(self, kind)(state)
        if kind == "case_file":
            return {"case_id": made[0].id, "file_id": made[1].id}
        if kind == "quote":
            return {"request_id": made[0].id, "quote_id": made[1].id}
        if kind == "operator":
            return {"number_id": made[0].id, "operator_id": made[1].id}
        name = {
            "call": "sid",
            "recording": "recording_sid",
            "member": "user_id",
        }.get(kind, f"{kind}_id")
        value = made.sid if kind in ("call", "recording") else made.id
        return {name: value}


def upload(name: str = "note.txt", content: bytes = b"what the customer said"):
    return (io.BytesIO(content), name)
