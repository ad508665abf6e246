"""The API's Blueprint makes each argument schema once, and documents it as flask-smorest's."""

from __future__ import annotations

import flask_smorest
from flask import Flask
from flask.views import MethodView
from marshmallow import Schema, fields

from voiceapp.api.blueprint import Blueprint


class CountedArgs(Schema):
    made = 0
    page = fields.Integer(load_default=1)
    view = fields.String(load_default="all")

    def __init__(self, *args, **kwargs):
        type(self).made += 1
        super().__init__(*args, **kwargs)


def api_with(blueprint_class):
    app = Flask(__name__)
    app.config.update(API_TITLE="t", API_VERSION="1", OPENAPI_VERSION="3.0.3")
    api = flask_smorest.Api(app)
    blp = blueprint_class("Things", __name__, url_prefix="/things")

    @blp.route("")
    class Things(MethodView):
        @blp.arguments(CountedArgs, location="query")
        def get(self, args):
            return args

    api.register_blueprint(blp)
    return app, api


def test_one_schema_instance_serves_every_request():
    CountedArgs.made = 0
    app, _api = api_with(Blueprint)
    client = app.test_client()
    answers = [client.get(f"/things?page={n}").json for n in (1, 2, 3)]
    assert answers == [{"page": n, "view": "all"} for n in (1, 2, 3)]
    assert client.get("/things?page=x").status_code == 422
    assert CountedArgs.made == 1


def test_the_openapi_document_is_flask_smorests():
    _app, ours = api_with(Blueprint)
    _app, theirs = api_with(flask_smorest.Blueprint)
    assert ours.spec.to_dict() == theirs.spec.to_dict()
