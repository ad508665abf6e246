"""The JSON API (flask-smorest + marshmallow). OpenAPI document at GET /api/openapi.json.
Blueprints parse with schemas, authorise, call services and dump; they may import
anything below them but models (read and written through services)."""

from __future__ import annotations

from flask import request
from flask_smorest import Api as SmorestApi

from voiceapp.auth import csrf


class Api(SmorestApi):
    def handle_http_exception(self, error):
        # flask-smorest answers every HTTP error of the whole app in JSON; the panel's
        # pages want their own HTML error pages.
        from voiceapp.web.errors import error_headers, render_http_error

        if request.path.startswith("/api/"):
            payload, code, headers = super().handle_http_exception(error)
            # flask-smorest keeps only the headers given to abort(); the error's own
            # (Allow on a 405, Retry-After on a 503) belong in the answer too.
            return payload, code, {**error_headers(error), **(headers or {})}
        return render_http_error(error)


def init_api(app) -> None:
    app.config.update(
        API_TITLE="voiceapp",
        API_VERSION="1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={
            "info": {
                "description": "voiceapp JSON API. Authenticate with 'Authorization: Bearer "
                "<token>' (create one with `voiceapp tokens create` or in the panel under "
                'API tokens). Lists answer {"items": [...], "total": N}. Bad input '
                "answers 422 with field errors."
            },
            "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
            "security": [{"bearerAuth": []}],
        },
    )
    api = Api(app)

    from voiceapp.api.cases import blp as cases_blp
    from voiceapp.api.commissions import blp as commissions_blp
    from voiceapp.api.commissions import reassign_blp
    from voiceapp.api.contacts import blp as contacts_blp
    from voiceapp.api.dashboard import blp as dashboard_blp
    from voiceapp.api.dossier_pipeline import blp as dossier_pipeline_blp
    from voiceapp.api.dossiers import quotes_blp, subscriptions_blp
    from voiceapp.api.notifications import blp as notifications_blp
    from voiceapp.api.orders import blp as orders_blp
    from voiceapp.api.payouts import blp as payouts_blp
    from voiceapp.api.products import blp as products_blp
    from voiceapp.api.reports import blp as reports_blp
    from voiceapp.api.requests import blp as requests_blp
    from voiceapp.api.reviews import blp as reviews_blp
    from voiceapp.api.tasks import blp as tasks_blp
    from voiceapp.api.team import blp as team_blp
    from voiceapp.api.telephony import blp as telephony_blp

    for blp in (
        contacts_blp,
        cases_blp,
        tasks_blp,
        telephony_blp,
        reviews_blp,
        notifications_blp,
        products_blp,
        orders_blp,
        requests_blp,
        quotes_blp,
        dossier_pipeline_blp,
        subscriptions_blp,
        dashboard_blp,
        reports_blp,
        team_blp,
        payouts_blp,
        commissions_blp,
        reassign_blp,
    ):
        # Bearer-token clients carry no CSRF cookie; session-cookie requests are checked
        # in authenticate_api_request instead.
        csrf.exempt(blp)
        api.register_blueprint(blp)
