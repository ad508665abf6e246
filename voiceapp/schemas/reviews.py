"""Call review schemas: a manager's score of a call, and the review as the API shows it."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from voiceapp.domain.reviews import MAX_COMMENT, MAX_CRITERIA, MAX_SCORE, MIN_SCORE

SCORE = validate.Range(min=MIN_SCORE, max=MAX_SCORE)


class ReviewInputSchema(Schema):
    score = fields.Integer(
        required=True, strict=True, validate=SCORE, metadata={"description": "1 (poor) to 5"}
    )
    criteria = fields.Dict(
        keys=fields.String(validate=validate.Length(min=1, max=40)),
        values=fields.Integer(strict=True, validate=SCORE),
        load_default=dict,
        validate=validate.Length(max=MAX_CRITERIA),
        metadata={"description": "{criterion key: 1-5}, keys of the team's review criteria"},
    )
    comment = fields.String(
        allow_none=True, load_default=None, validate=validate.Length(max=MAX_COMMENT)
    )


class ReviewSchema(Schema):
    id = fields.Integer()
    call_sid = fields.String()
    reviewer_id = fields.Integer(allow_none=True)
    reviewer_name = fields.Function(lambda r: r.reviewer.name if r.reviewer else None)
    agent_id = fields.Integer(allow_none=True)
    score = fields.Integer()
    criteria = fields.Dict(keys=fields.String(), values=fields.Integer())
    comment = fields.String(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
