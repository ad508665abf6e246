"""Demo data: a small phone-sales team with numbers and customers. Safe to run again:
users are matched by e-mail, numbers by number, contacts by phone number."""

from __future__ import annotations

import random
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from voiceapp.db import utcnow
from voiceapp.domain.phones import try_normalize_phone
from voiceapp.models import NumberOperator, PhoneNumber
from voiceapp.models.settings import DEFAULT_BUSINESS_HOURS
from voiceapp.services import accounts
from voiceapp.services import contacts as contact_ops
from voiceapp.services.team_settings import editable_team_settings

DEMO_PASSWORD = "voiceapp-demo"

# email, name, role, languages, case types, extra member settings
DEMO_USERS = [
    (
        "admin@demo.voiceapp.test",
        "Alex Admin",
        "admin",
        ["de", "en"],
        [],
        {
            "can_approve_commissions": True,
            "can_set_affiliates": True,
            "can_change_affiliates": True,
        },
    ),
    (
        "manager@demo.voiceapp.test",
        "Mia Manager",
        "sales_manager",
        ["de", "en"],
        ["new_order", "payment_reminder", "callback_request"],
        {"manager_commission_percent": Decimal("10.00"), "can_approve_commissions": True},
    ),
    (
        "jonas@demo.voiceapp.test",
        "Jonas Becker",
        "agent",
        ["de"],
        ["new_order", "payment_reminder", "missed_call", "callback_request"],
        {"can_receive_payouts": True},
    ),
    (
        "lucia@demo.voiceapp.test",
        "Lucía García",
        "agent",
        ["es", "en"],
        ["new_order", "cancellation", "missed_call", "callback_request"],
        {"can_receive_payouts": True, "payout_factor": Decimal("0.8")},
    ),
    (
        "camille@demo.voiceapp.test",
        "Camille Martin",
        "agent",
        ["fr", "de"],
        ["debt_collection", "payment_reminder", "missed_call"],
        {"payout_factor": Decimal("0.5")},
    ),
]

DEMO_NUMBERS = [
    ("+4930901820", "Berlin hotline"),
    ("+34910602345", "Madrid hotline"),
    ("+33186950123", "Paris hotline"),
]

# country: language, first names, last names, places, mobile prefix and digits after it
_PEOPLE = {
    "DE": (
        "de",
        ["Anna", "Lukas", "Sophie", "Felix", "Marie", "Jan", "Laura", "Paul"],
        ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Wagner", "Hoffmann"],
        [("10115", "Berlin"), ("20095", "Hamburg"), ("80331", "München"), ("50667", "Köln")],
        ("+49151", 8),
    ),
    "AT": (
        "de",
        ["Lena", "Tobias", "Hannah", "David"],
        ["Gruber", "Huber", "Bauer", "Wagner"],
        [("1010", "Wien"), ("5020", "Salzburg"), ("8010", "Graz")],
        ("+43664", 7),
    ),
    "ES": (
        "es",
        ["Lucía", "Hugo", "Martina", "Pablo", "Carmen"],
        ["García", "Fernández", "López", "Martínez", "Sánchez"],
        [("28013", "Madrid"), ("08001", "Barcelona"), ("46001", "Valencia")],
        ("+34612", 6),
    ),
    "FR": (
        "fr",
        ["Camille", "Louis", "Chloé", "Hugo", "Léa"],
        ["Martin", "Bernard", "Dubois", "Thomas", "Robert"],
        [("75001", "Paris"), ("69001", "Lyon"), ("13001", "Marseille")],
        ("+33612", 6),
    ),
}
_STREETS = ["Hauptstraße 12", "Calle Mayor 5", "Rue de la Paix 3", "Lindenweg 7", "Gran Vía 22"]
_COMPANIES = [
    ("Bäckerei Sonnenschein GmbH", "DE", ("+4930", 7)),
    ("Solar Ibérica S.L.", "ES", ("+3491", 7)),
    ("Atelier Lumière SARL", "FR", ("+33142", 6)),
]
_TAGS = ["vip", "newsletter", "webinar-2026", "upsell", "b2b"]
CONTACTS_PER_COUNTRY = 10


def _number(rng: random.Random, pattern: tuple[str, int], index: int) -> str:
    prefix, digits = pattern
    # The last digit is the index, so numbers within a country never collide.
    return f"{prefix}{rng.randrange(10 ** (digits - 1)) * 10 + index:0{digits}d}"


def _demo_contacts(rng: random.Random):
    for country, (lang, firsts, lasts, places, pattern) in _PEOPLE.items():
        for i in range(CONTACTS_PER_COUNTRY):
            postcode, city = rng.choice(places)
            yield {
                "kind": "person",
                "first_name": rng.choice(firsts),
                "last_name": rng.choice(lasts),
                "language": lang,
                "country": country,
                "street": rng.choice(_STREETS),
                "postcode": postcode,
                "city": city,
                "phones": [{"number": _number(rng, pattern, i), "kind": "mobile"}],
                "emails": [f"customer{country.lower()}{i}@example.com"],
                "tags": rng.sample(_TAGS, rng.randrange(3)),
                "contact_type": rng.choice(["customer", "lead"]),
            }
    for name, country, pattern in _COMPANIES:
        yield {
            "kind": "company",
            "company_name": name,
            "country": country,
            "language": _PEOPLE[country][0],
            "phones": [{"number": _number(rng, pattern, 0), "kind": "work"}],
            "contact_type": "customer",
            "tags": ["b2b"],
        }


# Open around the clock: a demo call at any hour reaches an agent (the real defaults are
# weekdays 09:00-18:00).
DEMO_BUSINESS_HOURS = {
    day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
}


def demo_twilio_environment(web_url: str, sim_url: str) -> dict[str, str]:
    """The settings that point the app at the Twilio simulator: the same demo account, auth
    token, API key and TwiML App the simulator plays, its REST API as TWILIO_API_BASE, and
    the public base URL the simulator requests (so signatures validate)."""
    from voiceapp.sim.simulator import DEMO_DEFAULTS

    return {
        "PUBLIC_BASE_URL": web_url,
        "TWILIO_ACCOUNT_SID": DEMO_DEFAULTS["account_sid"],
        "TWILIO_AUTH_TOKEN": DEMO_DEFAULTS["auth_token"],
        "TWILIO_API_KEY_SID": DEMO_DEFAULTS["api_key_sid"],
        "TWILIO_API_KEY_SECRET": DEMO_DEFAULTS["api_key_secret"],
        "TWILIO_TWIML_APP_SID": DEMO_DEFAULTS["twiml_app_sid"],
        "TWILIO_API_BASE": sim_url,
        "TWILIO_SIMULATOR_URL": sim_url,
        "VOICEAPP_SIM_URL": sim_url,
    }


def seed(db: Session) -> dict[str, int]:
    now = utcnow()
    added = {"users": 0, "numbers": 0, "contacts": 0, "cases": 0, "products": 0, "orders": 0}
    agents, manager = [], None
    for email, name, role, languages, case_types, extra in DEMO_USERS:
        user = accounts.find_user_by_email(db, email)
        if user is None:
            user = accounts.create_user(
                db,
                email=email,
                name=name,
                role=role,
                password=DEMO_PASSWORD,
                languages=languages,
                case_types=case_types,
                **extra,
            )
            added["users"] += 1
        if role == "agent":
            agents.append(user)
        elif role == "sales_manager":
            manager = user
    for number, friendly in DEMO_NUMBERS:
        row = db.scalar(select(PhoneNumber).where(PhoneNumber.number == number))
        if row is None:
            row = PhoneNumber(number=number, friendly_name=friendly, recording_enabled=True)
            db.add(row)
            added["numbers"] += 1
        operator_ids = {op.user_id for op in row.operators}
        for agent in agents:
            if agent.id not in operator_ids:
                row.operators.append(NumberOperator(user_id=agent.id))
    settings = editable_team_settings(db)
    if settings.languages == ["de", "en"]:  # untouched defaults: offer the demo team's
        settings.languages = ["de", "en", "es", "fr"]
    if settings.business_hours == DEFAULT_BUSINESS_HOURS:  # untouched: open for the demo
        settings.business_hours = DEMO_BUSINESS_HOURS
    rng = random.Random(7)  # the same demo every time: every draw happens on every run
    for data in list(_demo_contacts(rng)):
        data["owner_id"] = rng.choice(agents).id
        data["visibility"] = "private" if rng.random() < 0.2 else "shared_write"
        number = try_normalize_phone(data["phones"][0]["number"], None)
        if number is None or contact_ops.find_by_phone(db, number):
            continue
        data["phones"][0]["number"] = number
        contact_ops.create_contact(db, data, actor=None, now=now)
        added["contacts"] += 1
    db.flush()
    from voiceapp.demo_cases import seed_cases
    from voiceapp.demo_orders import seed_orders

    added["cases"] = seed_cases(db, agents, now)
    # Jonas sells to German customers: orders, their follow-ups and a payment reminder.
    money = seed_orders(db, agents[0], now)
    added["cases"] += money["cases"]
    added["products"], added["orders"] = money["products"], money["orders"]
    from voiceapp.demo_tasks import seed_tasks

    added["tasks"] = seed_tasks(db, agents, manager, now)
    from voiceapp.demo_requests import seed_requests

    added["requests"] = seed_requests(db, agents, now)
    return added
