"""marshmallow fields shared by the API schemas."""

from __future__ import annotations

from datetime import UTC

import phonenumbers
from flask import current_app, has_app_context
from marshmallow import ValidationError, fields, validate

from voiceapp.domain.phones import InvalidPhoneNumber, normalize_phone


def default_region() -> str:
    return current_app.config["VOICEAPP"].default_region if has_app_context() else "DE"


class PhoneNumber(fields.String):
    """Any written form of a phone number on input; E.164 on output."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return normalize_phone(text, default_region())
        except InvalidPhoneNumber as exc:
            raise ValidationError(str(exc)) from exc


class CountryCode(fields.String):
    """ISO 3166-1 alpha-2, upper-cased."""

    def _deserialize(self, value, attr, data, **kwargs):
        code = super()._deserialize(value, attr, data, **kwargs).strip().upper()
        if code not in phonenumbers.SUPPORTED_REGIONS:
            raise ValidationError(f"not an ISO 3166 country code: {value!r}")
        return code


# Row ids are 32-bit integers on PostgreSQL; a bigger number can only be "not found".
ID_MAX = 2**31 - 1


def Id(**kwargs) -> fields.Integer:
    """A row id: a whole number from 1 to ID_MAX (422 otherwise, never a database error)."""
    return fields.Integer(validate=validate.Range(min=1, max=ID_MAX), **kwargs)


# Dates people mean: a filter or a due date outside these years is a typing mistake, and
# one at the calendar's very edge (year 1 at +14:00) has no UTC equivalent at all.
FIRST_YEAR, LAST_YEAR = 2000, 2999


class Moment(fields.AwareDateTime):
    """An ISO 8601 time with an offset whose UTC time lies between FIRST_YEAR and
    LAST_YEAR (422 otherwise, never an overflow further down)."""

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        try:
            in_utc = moment.astimezone(UTC)
        except OverflowError:
            in_utc = None
        if in_utc is None or not FIRST_YEAR <= in_utc.year <= LAST_YEAR:
            raise ValidationError(f"choose a date between {FIRST_YEAR} and {LAST_YEAR}")
        return moment
