"""The API's blueprint: flask-smorest's, with each argument schema made once.

Given a schema class, webargs makes a new instance for every request, copying each of its
declared fields (0.1-0.2 ms for a list's query arguments). A marshmallow schema keeps no
state between loads, so one instance, made when the view is declared, serves every
request. The OpenAPI document is the same either way (tests/unit/test_api_blueprint.py).
"""

from __future__ import annotations

import flask_smorest


class Blueprint(flask_smorest.Blueprint):
    def arguments(self, schema, *args, **kwargs):
        if isinstance(schema, type):
            schema = schema()
        return super().arguments(schema, *args, **kwargs)
