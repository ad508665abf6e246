"""voiceapp: a telephony-first sales and call-centre application."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from voiceapp.config import Settings
from voiceapp.json_provider import OrjsonProvider

__all__ = ["create_app"]


def _development_secret_key(instance_path: Path) -> str:
    """A random key kept under instance/, so development sessions survive restarts and
    every gunicorn worker signs cookies with the same key."""
    key_file = instance_path / "dev-secret-key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(48))
    return key_file.read_text().strip()


class RowIdConverter(IntegerConverter):
    def __init__(self, map, *args, **kwargs):
        from voiceapp.schemas.fields import ID_MAX

        kwargs.setdefault("max", ID_MAX)
        super().__init__(map, *args, **kwargs)


def create_app(config: dict | Settings | None = None) -> Flask:
    """Build the Flask app. `config` overrides environment settings (a dict of Settings
    field names, or a whole Settings)."""
    if isinstance(config, Settings):
        settings = config
    else:
        settings = Settings.from_env().with_overrides(config or {})
    settings.validate()

    settings.instance_path.mkdir(parents=True, exist_ok=True)
    app = Flask(
        __name__,
        instance_path=str(settings.instance_path),
        template_folder="web/templates",
        static_folder="web/static",
    )
    app.json = OrjsonProvider(app)
    secret_key = settings.secret_key or _development_secret_key(settings.instance_path)
    app.config.update(
        SECRET_KEY=secret_key,
        VOICEAPP=settings,
        TESTING=settings.env == "testing",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=bool(
            settings.public_base_url and settings.public_base_url.startswith("https://")
        ),
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=settings.session_idle_minutes),
        MAX_CONTENT_LENGTH=20 * 1024 * 1024,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
    )
    # Every <int:...> in a URL is a row id: a number past the database's integer range is
    # a 404, not a database error.
    app.url_map.converters["int"] = RowIdConverter
    if settings.trusted_proxies:
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n)

    from voiceapp import db, redis_client

    app.extensions["voiceapp.db"] = db.Database(settings.resolved_database_url())
    app.extensions["voiceapp.redis"] = redis_client.make_redis(settings.redis_url)
    app.extensions["voiceapp.redis_breaker"] = redis_client.RedisBreaker(settings.redis_url)
    from voiceapp.mailer import make_mailer

    app.extensions["voiceapp.mailer"] = make_mailer(settings)
    app.teardown_appcontext(db.close_session)

    from voiceapp.auth import init_auth
    from voiceapp.headers import init_headers
    from voiceapp.input_guard import init_input_guard

    init_input_guard(app)  # first: before the CSRF check and sign-in read the request
    init_auth(app)
    init_headers(app)

    from voiceapp.api import init_api
    from voiceapp.health import bp as health_bp
    from voiceapp.ivr.blueprint import bp as ivr_bp
    from voiceapp.web import init_web
    from voiceapp.webhooks import callbacks, voice
    from voiceapp.webhooks import stripe as stripe_webhooks

    app.register_blueprint(health_bp)
    app.register_blueprint(voice.bp)
    app.register_blueprint(callbacks.bp)
    app.register_blueprint(stripe_webhooks.bp)
    app.register_blueprint(ivr_bp)
    init_web(app)
    init_api(app)

    if not app.debug:
        logging.basicConfig(level=logging.INFO)
    return app
