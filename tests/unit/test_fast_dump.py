"""The compiled dump of the API's list pages says exactly what marshmallow says, for every
field: random objects carrying every field (values of each type, None where allowed,
attributes absent), dumped both ways and compared."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from types import SimpleNamespace

import pytest
from marshmallow import Schema, fields, post_dump

from voiceapp.schemas.calls import CallPageSchema
from voiceapp.schemas.cases import CasePageSchema
from voiceapp.schemas.contacts import ContactPageSchema
from voiceapp.schemas.fast_dump import FastDumpSchema, NotCompilable, compile_schema

PAGE_SCHEMAS = [CasePageSchema, CallPageSchema, ContactPageSchema]
TEXTS = ["", "x", "Zoë Müller", "a\nb", "0151 1234567", "<b>&amp;</b>"]


def moment(rng: random.Random) -> datetime:
    zone = rng.choice([UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5))])
    base = datetime(2026, 11, 30, 12, 0, tzinfo=UTC) + timedelta(
        seconds=rng.randint(-(10**7), 10**7), microseconds=rng.choice([0, 1, 999_999])
    )
    return base.astimezone(zone)


def sample_value(field: fields.Field, rng: random.Random, depth: int):
    if getattr(field, "allow_none", False) and rng.random() < 0.25:
        return None
    if isinstance(field, fields.Nested):
        schema = field.schema
        if schema.many or field.many:
            return [sample_object(schema, rng, depth + 1) for _ in range(rng.randint(0, 3))]
        return sample_object(schema, rng, depth + 1)
    if isinstance(field, fields.List):
        return [sample_value(field.inner, rng, depth + 1) for _ in range(rng.randint(0, 3))]
    if isinstance(field, fields.Boolean):
        return rng.choice([True, False])
    if isinstance(field, fields.Integer):
        return rng.choice([0, 1, 7, 2**31 - 1, rng.randint(1, 10**6)])
    if isinstance(field, fields.Decimal):
        return Decimal(rng.choice(["0", "0.0120", "1", "-0.5", "12.345678", "1E+2"]))
    if isinstance(field, (fields.DateTime, fields.Date)):
        return moment(rng)
    if isinstance(field, fields.Dict):
        return rng.choice([{}, {"fields": ["a", "b"]}, {"n": 1, "nested": {"x": None}}])
    if isinstance(field, fields.String):
        return rng.choice(TEXTS)
    raise AssertionError(f"no sample for {type(field).__name__}")


def extras(rng: random.Random) -> dict:
    """What the schemas' Function and Method fields read besides the fields themselves."""
    return {
        "status": rng.choice(["open", "closed", "completed"]),
        "due_at": moment(rng),
        "order_status": rng.choice([None, "paid", "pending"]),
        "order_id": rng.choice([None, 5]),
        "order": rng.choice([None, SimpleNamespace(status="refunded")]),
        "fetched_at": rng.choice([None, moment(rng)]),
        "deleted_at": rng.choice([None, moment(rng)]),
        "sid": "RE" + "a" * 32,
        "emails": [SimpleNamespace(email=e) for e in rng.sample(["a@x.de", "b@y.fr"], 2)],
    }


def sample_object(schema: Schema, rng: random.Random, depth: int = 0) -> SimpleNamespace:
    values = extras(rng)
    read_by_functions = set(values)
    for name, field in schema.dump_fields.items():
        if isinstance(field, (fields.Function, fields.Method)):
            continue
        attribute = field.attribute or name
        if attribute not in read_by_functions and rng.random() < 0.05:
            continue  # absent: marshmallow leaves the key out
        values[field.attribute or name] = sample_value(field, rng, depth)
    return SimpleNamespace(**values)


def seen_keys(dumped, prefix: str = "") -> set[str]:
    """Every key path holding a value other than None somewhere in `dumped`."""
    keys = set()
    if isinstance(dumped, list):
        for each in dumped:
            keys |= seen_keys(each, prefix)
    elif isinstance(dumped, dict):
        for key, value in dumped.items():
            if value is not None and value != []:
                keys.add(prefix + key)
            keys |= seen_keys(value, prefix + key + ".")
    return keys


def declared_keys(schema: Schema, prefix: str = "") -> set[str]:
    keys = set()
    for name, field in schema.dump_fields.items():
        key = prefix + (field.data_key or name)
        keys.add(key)
        inner = field.inner if isinstance(field, fields.List) else field
        if isinstance(inner, fields.Nested):
            keys |= declared_keys(inner.schema, key + ".")
    return keys


@pytest.mark.parametrize("schema_class", PAGE_SCHEMAS, ids=lambda c: c.__name__)
def test_the_compiled_dump_equals_marshmallows_over_every_field(schema_class):
    schema = schema_class()
    rng = random.Random(schema_class.__name__)
    covered: set[str] = set()
    for _ in range(400):
        page = {
            "items": [sample_object(schema.fields["items"].inner.schema, rng) for _ in range(3)],
            "total": rng.randint(0, 10**6),
            "page": rng.randint(1, 9),
            "per_page": 50,
        }
        fast = schema.dump(page)
        assert fast == schema.marshmallow_dump(page)
        covered |= seen_keys(fast)
    assert schema._fast_dump is not None  # the fast path really ran
    assert declared_keys(schema) - covered == set()  # every field was compared with a value


def test_types_are_kept_not_only_equal_values():
    """1 == True and 1 == 1.0 in Python: a dump that turned an int into a bool or float
    would pass an equality check, so the JSON the two make is compared too."""
    import json

    schema = CallPageSchema()
    rng = random.Random(3)
    for _ in range(100):
        page = {"items": [sample_object(schema.fields["items"].inner.schema, rng)], "total": 1}
        assert json.dumps(schema.dump(page), sort_keys=True, default=str) == json.dumps(
            schema.marshmallow_dump(page), sort_keys=True, default=str
        )


def test_lists_and_nested_objects_keep_marshmallows_nones_and_types():
    """Lists of nested objects or of plain values, and a nested object, dump as marshmallow
    dumps them: None for the list or the object, None among the items, and items not yet
    of their type (a number for a string, a string for an int). The random objects above
    never hold None among a list's items."""

    class Inner(Schema):
        number = fields.String()

    class Outer(FastDumpSchema):
        phones = fields.List(fields.Nested(Inner, allow_none=True), allow_none=True)
        tags = fields.List(fields.String(allow_none=True), allow_none=True)
        counts = fields.List(fields.Integer(allow_none=True))
        flags = fields.List(fields.Boolean())
        first = fields.Nested(Inner, allow_none=True)

    inner = SimpleNamespace(number="+4930901820")
    objects = [
        SimpleNamespace(
            phones=[inner, None],
            tags=["a", None, 7],
            counts=[1, "2", None],
            flags=[True],
            first=inner,
        ),
        SimpleNamespace(phones=None, tags=None, counts=[], flags=[], first=None),
    ]
    schema = Outer()
    for obj in objects:
        dumped = schema.dump(obj)
        assert dumped == schema.marshmallow_dump(obj)
        assert [type(x) for x in dumped["counts"]] == [
            type(x) for x in schema.marshmallow_dump(obj)["counts"]
        ]
    assert schema._fast_dump is not None
    assert objects[0].tags[2] == 7 and schema.dump(objects[0])["tags"] == ["a", None, "7"]


def test_a_schema_the_compiler_does_not_know_is_dumped_by_marshmallow():
    class Hooked(FastDumpSchema):
        name = fields.String()

        @post_dump
        def shout(self, data, **_kwargs):
            return {**data, "name": data["name"].upper()}

    class Odd(FastDumpSchema):
        number = fields.Float()

    with pytest.raises(NotCompilable):
        compile_schema(Hooked())
    with pytest.raises(NotCompilable):
        compile_schema(Odd())
    assert Hooked().dump({"name": "ada"}) == {"name": "ADA"}
    assert Odd().dump({"number": 2}) == {"number": 2.0}


def test_models_dump_as_marshmallow_dumps_them():
    """Models as the lists hand them over: loaded columns and relationships read from the
    instance's __dict__, properties (a contact's name, its callable numbers) and absent
    values through getattr, as marshmallow reads them."""
    from voiceapp.models import Call, Contact, ContactEmail, ContactPhone, Recording

    started = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    contacts = [
        Contact(
            id=7,
            kind="person",
            first_name="Zoë",
            last_name="Müller",
            tags=["vip"],
            timezone="Europe/Berlin",
            phones=[
                ContactPhone(number="+4915112345678", kind="mobile", position=0, invalid=False),
                ContactPhone(number="+4930901820", kind="work", position=1, invalid=True),
            ],
            emails=[ContactEmail(email="zoe@example.com", position=0)],
            created_at=started,
            updated_at=started,
        ),
        Contact(id=8, kind="company", company_name="ACME", phones=[], emails=[]),
    ]
    calls = [
        Call(
            sid="CA1",
            direction="inbound",
            from_number="+4915112345678",
            to_number="+4930901820",
            status="completed",
            started_at=started,
            answered_at=started + timedelta(seconds=4),
            duration=61,
            price=Decimal("0.0125"),
            price_unit="EUR",
            missed=False,
            voicemail=False,
            recordings=[Recording(sid="RE1", status="completed", duration=60, channels=2)],
        ),
        Call(sid="CA2", direction="outbound", from_number="client:agent_1", to_number="+1"),
    ]
    for schema, items in ((ContactPageSchema(), contacts), (CallPageSchema(), calls)):
        page = {"items": items, "total": len(items), "page": 1, "per_page": 50}
        fast = schema.dump(page)
        assert fast == schema.marshmallow_dump(page)
        assert schema._fast_dump is not None
    assert fast["items"][0]["recordings"][0]["duration"] == 60
