"""marshmallow schemas of the API. The panel's contact form loads through the same
ContactInputSchema, so both say the same thing about bad input."""

from __future__ import annotations

from marshmallow import (
    Schema,
    ValidationError,
    fields,
    post_load,
    pre_load,
    validate,
    validates_schema,
)

from voiceapp.domain.contacts import CONTACT_KINDS, PHONE_KINDS, VISIBILITIES
from voiceapp.schemas.fast_dump import FastDumpSchema
from voiceapp.schemas.fields import ID_MAX, CountryCode, Id, PhoneNumber

MAX_PER_PAGE = 200


class PageArgsSchema(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=ID_MAX))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PER_PAGE))


class PageSchema(Schema):
    total = fields.Integer(required=True)
    page = fields.Integer()
    per_page = fields.Integer()


def _blank_to_none(data: dict, names: tuple[str, ...]) -> dict:
    return {
        k: (None if k in names and isinstance(v, str) and not v.strip() else v)
        for k, v in data.items()
    }


class PhoneInputSchema(Schema):
    number = PhoneNumber(required=True)
    kind = fields.String(load_default="mobile", validate=validate.OneOf(PHONE_KINDS))


class PhoneOutputSchema(Schema):
    number = fields.String()
    kind = fields.String()
    invalid = fields.Boolean()


OPTIONAL_TEXT = (
    "salutation",
    "title",
    "first_name",
    "last_name",
    "company_name",
    "contact_type",
    "street",
    "postcode",
    "city",
    "state",
    "notes",
    "language",
    "country",
    "currency",
)


def _text(max_length: int) -> fields.String:
    return fields.String(allow_none=True, validate=validate.Length(max=max_length))


class ContactInputSchema(Schema):
    """POST and (partially) PATCH /api/contacts."""

    kind = fields.String(validate=validate.OneOf(CONTACT_KINDS))
    salutation = _text(20)
    title = _text(50)
    first_name = _text(100)
    last_name = _text(100)
    company_name = _text(200)
    contact_type = _text(50)
    language = fields.String(
        allow_none=True,
        validate=validate.Regexp(r"^[a-z]{2}$", error="use a two-letter ISO 639-1 code, e.g. de"),
    )
    country = CountryCode(allow_none=True)
    street = _text(200)
    postcode = _text(20)
    city = _text(100)
    state = _text(100)
    currency = fields.String(
        allow_none=True,
        validate=validate.Regexp(r"^[A-Z]{3}$", error="use a three-letter ISO 4217 code, e.g. EUR"),
    )
    notes = _text(10_000)
    tags = fields.List(fields.String(validate=validate.Length(min=1, max=50)))
    phones = fields.List(fields.Nested(PhoneInputSchema), validate=validate.Length(max=20))
    emails = fields.List(fields.Email(), validate=validate.Length(max=20))
    visibility = fields.String(validate=validate.OneOf(VISIBILITIES))
    owner_id = Id(allow_none=True)

    @pre_load
    def _clean(self, data, **_kwargs):
        if not isinstance(data, dict):
            return data
        data = _blank_to_none(data, OPTIONAL_TEXT)
        if isinstance(data.get("language"), str):
            data["language"] = data["language"].strip().lower()
        if isinstance(data.get("currency"), str):
            data["currency"] = data["currency"].strip().upper()
        return data

    @post_load
    def _tidy(self, data, **_kwargs):
        if "tags" in data:
            data["tags"] = list(dict.fromkeys(t.strip() for t in data["tags"] if t.strip()))
        if not self.partial:
            data.setdefault("kind", "person")
        return data

    @validates_schema
    def _has_a_name_or_number(self, data, partial=None, **_kwargs):
        if partial:
            if (
                data.get("kind") == "company"
                and "company_name" in data
                and not data["company_name"]
            ):
                raise ValidationError("a company needs a company name", "company_name")
            return
        if data.get("kind") == "company" and not data.get("company_name"):
            raise ValidationError("a company needs a company name", "company_name")
        if not any(data.get(k) for k in ("first_name", "last_name", "company_name", "phones")):
            raise ValidationError(
                "give at least a name, a company name or a phone number", "_schema"
            )


class ContactSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    display_name = fields.String()
    salutation = fields.String(allow_none=True)
    title = fields.String(allow_none=True)
    first_name = fields.String(allow_none=True)
    last_name = fields.String(allow_none=True)
    company_name = fields.String(allow_none=True)
    contact_type = fields.String(allow_none=True)
    phones = fields.List(fields.Nested(PhoneOutputSchema))
    emails = fields.Method("_emails")
    language = fields.String(allow_none=True)
    country = fields.String(allow_none=True)
    street = fields.String(allow_none=True)
    postcode = fields.String(allow_none=True)
    city = fields.String(allow_none=True)
    state = fields.String(allow_none=True)
    currency = fields.String(allow_none=True)
    tags = fields.List(fields.String())
    notes = fields.String(allow_none=True)
    timezone = fields.String(allow_none=True)
    visibility = fields.String()
    owner_id = Id(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()

    def _emails(self, contact) -> list[str]:
        return [e.email for e in contact.emails]


class ContactListArgsSchema(PageArgsSchema):
    q = fields.String(validate=validate.Length(max=100))
    phone = PhoneNumber()


class ContactPageSchema(FastDumpSchema, PageSchema):
    # Dumped by its compiled twin (schemas.fast_dump), checked against marshmallow.
    items = fields.List(fields.Nested(ContactSchema), required=True)


class ContactEventSchema(Schema):
    id = fields.Integer()
    occurred_at = fields.DateTime()
    kind = fields.String()
    summary = fields.String()
    actor_id = fields.Integer(allow_none=True)
    ref_type = fields.String(allow_none=True)
    ref_id = fields.String(allow_none=True)


class ContactEventPageSchema(PageSchema):
    items = fields.List(fields.Nested(ContactEventSchema), required=True)


class ContactPatchSchema(ContactInputSchema):
    """PATCH /api/contacts/<id>: every field optional; lists given replace the old ones."""

    def __init__(self, **kwargs):
        # Partial at the top level only: a phone given must still have its number.
        super().__init__(partial=tuple(ContactInputSchema._declared_fields), **kwargs)
