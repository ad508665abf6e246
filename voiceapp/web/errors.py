"""HTML error pages for the panel (the API answers JSON through flask-smorest)."""

from __future__ import annotations

from flask import render_template
from werkzeug.exceptions import HTTPException


def render_http_error(error: HTTPException):
    return (
        render_template(
            "error.html", code=error.code, name=error.name, description=error.description
        ),
        error.code,
        error.get_headers()
        and {k: v for k, v in error.get_headers() if k.lower() not in ("content-type",)},
    )


def register(app) -> None:
    from flask_wtf.csrf import CSRFError

    @app.errorhandler(CSRFError)
    def _csrf_error(error):
        error.description = (
            "The form had expired or did not come from this site. Go back, reload the page "
            "and try again."
        )
        return render_http_error(error)
