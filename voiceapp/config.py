"""Every setting voiceapp reads, from the environment, with safe defaults.

`Settings.from_env()` only reads os.environ; nothing here touches the disk or the
network, so importing the package never does I/O.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from urllib.parse import urlsplit

ENVIRONMENTS = ("development", "testing", "production")
STRIPE_CHECKOUT_ORIGIN = "https://checkout.stripe.com"
SMTP_SECURITY = ("starttls", "ssl", "none")
STORAGE_KINDS = ("local", "s3")


class ConfigError(RuntimeError):
    """A setting is missing or wrong; the message says which and how to fix it."""


def _default_instance_path() -> Path:
    return Path(os.environ.get("VOICEAPP_INSTANCE_PATH", Path.cwd() / "instance")).resolve()


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _env_optional_bool(name: str) -> bool | None:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return None
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from exc


@dataclass(frozen=True)
class Settings:
    # development | testing | production. Production is the default so that a
    # forgotten variable fails loudly instead of running with development shortcuts.
    env: str = "production"
    secret_key: str | None = None
    database_url: str | None = None
    redis_url: str = "redis://localhost:6379/0"
    public_base_url: str | None = None
    # Send Strict-Transport-Security: None follows public_base_url (on when https); False
    # when the proxy in front already sends it, True to send it whatever the URL says.
    hsts: bool | None = None
    # Number of proxies in front of the app whose X-Forwarded-* headers are trusted.
    trusted_proxies: int = 0
    timezone: str = "Europe/Berlin"
    default_region: str = "DE"
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_api_key_sid: str | None = None
    twilio_api_key_secret: str | None = None
    twilio_twiml_app_sid: str | None = None
    twilio_api_base: str | None = None
    # The secret of a Webhooks SharedKey, when a Webhook Rule makes Twilio sign with it
    # instead of the auth token (it then adds X-Twilio-Webhooks-Signature-Settings:
    # https://www.twilio.com/docs/usage/webhooks/webhook-shared-keys). Unset: such
    # requests are refused with a log line naming that header.
    twilio_webhook_shared_key_secret: str | None = None
    # The Twilio simulator's address, for the panel's softphone in demo mode (`voiceapp dev`
    # sets it). Ignored in production: a browser there talks to Twilio only.
    twilio_simulator_url: str | None = None
    # A panel browser that sent no presence heartbeat for this long is taken as gone: its
    # agent counts as offline and no longer rings (domain.presence).
    presence_timeout_seconds: int = 60
    # How long a softphone's access token lasts (Twilio's default: an hour); the browser
    # asks for a new one shortly before (tokenWillExpire), also during a call.
    voice_token_ttl_seconds: int = 3600
    # Stripe Checkout, the pay page's card payments. Configured when the secret key is set
    # (sk_live_... or sk_test_...); without it the pay page offers no card payment.
    stripe_secret_key: str | None = None
    # The signing secret of the webhook endpoint (whsec_...): every POST /webhooks/stripe
    # must be signed with it, or it is refused (400) and changes nothing.
    stripe_webhook_secret: str | None = None
    # Where the stripe library sends its API requests; unset: https://api.stripe.com. The
    # local stand-in (voiceapp.sim.stripe) in development and tests.
    stripe_api_base: str | None = None
    # Failed panel sign-ins allowed per window before further attempts are refused.
    login_max_failures_per_account: int = 5
    login_max_failures_per_address: int = 20
    login_failure_window_seconds: int = 900
    # Requests per client address to the customer's pay page (/p/...), all its routes
    # together: a payment code has 40 random bits, and this keeps guessing one hopeless.
    # Flask-Limiter's notation; several limits separated by ";". Members signed in to the
    # panel (an agent entering a customer's bank details) are not counted.
    pay_page_rate_limit: str = "30 per minute;300 per hour"
    # Requests sent per client address through the public request form (/r/...) and
    # customer replies on their private page: a person sends a few, a robot hundreds.
    request_form_rate_limit: str = "5 per minute;20 per hour"
    # A person needs a few seconds to fill in the request form; a robot posts at once.
    request_form_min_seconds: int = 3
    # The demo payment provider on the pay page: None = on in development and testing,
    # off in production; PAYMENT_DEMO=1 or 0 decides explicitly.
    payment_demo: bool | None = None
    # Where recordings fetched from Twilio are stored (default: instance/recordings).
    recordings_path: Path | None = None
    # Where files attached to case outcomes are stored (default: instance/case-files).
    case_files_path: Path | None = None
    # Where recordings, case files and report downloads are kept (voiceapp.storage):
    # "local" (the folders above, the default) or "s3", an S3-compatible bucket for web
    # processes and workers on several hosts. Keys left unset: boto3's own chain
    # (AWS_* variables, an instance role). S3_ENDPOINT_URL: a server other than AWS
    # (MinIO, Ceph, R2, ...). S3_PREFIX: a folder in the bucket for this team's files.
    storage: str = "local"
    s3_bucket: str | None = None
    s3_endpoint_url: str | None = None
    s3_region: str | None = None
    s3_access_key_id: str | None = None
    s3_secret_access_key: str | None = None
    s3_prefix: str = ""
    s3_timeout_seconds: int = 10
    # A panel session ends after this long without a request.
    session_idle_minutes: int = 12 * 60
    # Outgoing e-mail (outcome e-mails, reminders). Without SMTP_HOST, development writes
    # messages to instance/mail/ and other environments keep them waiting (retried).
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_password: str | None = None
    # starttls (upgrade a plain connection, port 587), ssl (TLS from the start, port 465)
    # or none (a relay on the same host or network, tests).
    smtp_security: str = "starttls"
    smtp_timeout_seconds: int = 30
    mail_from: str = "voiceapp@localhost"
    instance_path: Path = field(default_factory=_default_instance_path)

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ.get("VOICEAPP_ENV", "production").strip().lower()
        return cls(
            env=env,
            secret_key=os.environ.get("SECRET_KEY") or None,
            database_url=os.environ.get("DATABASE_URL") or None,
            redis_url=os.environ.get("REDIS_URL") or cls.redis_url,
            public_base_url=os.environ.get("PUBLIC_BASE_URL") or None,
            hsts=_env_optional_bool("HSTS"),
            trusted_proxies=_env_int("TRUSTED_PROXIES", 0),
            timezone=os.environ.get("TIMEZONE") or cls.timezone,
            default_region=(os.environ.get("DEFAULT_REGION") or cls.default_region).upper(),
            twilio_account_sid=os.environ.get("TWILIO_ACCOUNT_SID") or None,
            twilio_auth_token=os.environ.get("TWILIO_AUTH_TOKEN") or None,
            twilio_api_key_sid=os.environ.get("TWILIO_API_KEY_SID") or None,
            twilio_api_key_secret=os.environ.get("TWILIO_API_KEY_SECRET") or None,
            twilio_twiml_app_sid=os.environ.get("TWILIO_TWIML_APP_SID") or None,
            twilio_api_base=os.environ.get("TWILIO_API_BASE") or None,
            twilio_webhook_shared_key_secret=os.environ.get("TWILIO_WEBHOOK_SHARED_KEY_SECRET")
            or None,
            twilio_simulator_url=os.environ.get("TWILIO_SIMULATOR_URL") or None,
            presence_timeout_seconds=_env_int("PRESENCE_TIMEOUT_SECONDS", 60),
            voice_token_ttl_seconds=_env_int("VOICE_TOKEN_TTL_SECONDS", 3600),
            stripe_secret_key=os.environ.get("STRIPE_SECRET_KEY") or None,
            stripe_webhook_secret=os.environ.get("STRIPE_WEBHOOK_SECRET") or None,
            stripe_api_base=os.environ.get("STRIPE_API_BASE") or None,
            login_max_failures_per_account=_env_int("LOGIN_MAX_FAILURES_PER_ACCOUNT", 5),
            login_max_failures_per_address=_env_int("LOGIN_MAX_FAILURES_PER_ADDRESS", 20),
            login_failure_window_seconds=_env_int("LOGIN_FAILURE_WINDOW_SECONDS", 900),
            pay_page_rate_limit=os.environ.get("PAY_PAGE_RATE_LIMIT") or cls.pay_page_rate_limit,
            request_form_rate_limit=os.environ.get("REQUEST_FORM_RATE_LIMIT")
            or cls.request_form_rate_limit,
            request_form_min_seconds=_env_int("REQUEST_FORM_MIN_SECONDS", 3),
            payment_demo=_env_optional_bool("PAYMENT_DEMO"),
            session_idle_minutes=_env_int("SESSION_IDLE_MINUTES", 12 * 60),
            smtp_host=os.environ.get("SMTP_HOST") or None,
            smtp_port=_env_int("SMTP_PORT", 587),
            smtp_user=os.environ.get("SMTP_USER") or None,
            smtp_password=os.environ.get("SMTP_PASSWORD") or None,
            smtp_security=(os.environ.get("SMTP_SECURITY") or cls.smtp_security).strip().lower(),
            smtp_timeout_seconds=_env_int("SMTP_TIMEOUT_SECONDS", 30),
            mail_from=os.environ.get("MAIL_FROM") or cls.mail_from,
            recordings_path=Path(os.environ["RECORDINGS_PATH"])
            if os.environ.get("RECORDINGS_PATH")
            else None,
            case_files_path=Path(os.environ["CASE_FILES_PATH"])
            if os.environ.get("CASE_FILES_PATH")
            else None,
            storage=(os.environ.get("STORAGE") or cls.storage).strip().lower(),
            s3_bucket=os.environ.get("S3_BUCKET") or None,
            s3_endpoint_url=os.environ.get("S3_ENDPOINT_URL") or None,
            s3_region=os.environ.get("S3_REGION") or None,
            s3_access_key_id=os.environ.get("S3_ACCESS_KEY_ID") or None,
            s3_secret_access_key=os.environ.get("S3_SECRET_ACCESS_KEY") or None,
            s3_prefix=os.environ.get("S3_PREFIX") or "",
            s3_timeout_seconds=_env_int("S3_TIMEOUT_SECONDS", 10),
        )

    def with_overrides(self, overrides: dict) -> Settings:
        known = {f.name for f in fields(self)}
        unknown = set(overrides) - known
        if unknown:
            raise ConfigError(f"unknown settings: {', '.join(sorted(unknown))}")
        overrides = dict(overrides)
        for name in ("instance_path", "recordings_path", "case_files_path"):
            if isinstance(overrides.get(name), str):
                overrides[name] = Path(overrides[name])
        return replace(self, **overrides)

    @property
    def is_development(self) -> bool:
        return self.env == "development"

    @property
    def sends_hsts(self) -> bool:
        if self.hsts is not None:
            return self.hsts
        return bool(self.public_base_url and self.public_base_url.startswith("https://"))

    @property
    def demo_payments(self) -> bool:
        """Whether the pay page offers the demo provider (never by default in production)."""
        if self.payment_demo is not None:
            return self.payment_demo
        return self.env in ("development", "testing")

    @property
    def simulator_url(self) -> str | None:
        """Where the panel's softphone finds the Twilio simulator; never in production."""
        if self.env == "production" or not self.twilio_simulator_url:
            return None
        return self.twilio_simulator_url.rstrip("/")

    @property
    def stripe_configured(self) -> bool:
        """Card payments through Stripe Checkout are offered (STRIPE_SECRET_KEY is set)."""
        return bool(self.stripe_secret_key)

    @property
    def stripe_checkout_origin(self) -> str | None:
        """Where Stripe's hosted checkout page lives, so the pay page's form may lead there
        (its Content-Security-Policy's form-action): checkout.stripe.com, or the stand-in
        that STRIPE_API_BASE names (it serves its checkout page beside its API)."""
        if not self.stripe_configured:
            return None
        if not self.stripe_api_base:
            return STRIPE_CHECKOUT_ORIGIN
        parts = urlsplit(self.stripe_api_base)
        return f"{parts.scheme}://{parts.netloc}"

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.instance_path / 'voiceapp.sqlite3'}"

    def resolved_recordings_path(self) -> Path:
        return self.recordings_path or self.instance_path / "recordings"

    def resolved_case_files_path(self) -> Path:
        return self.case_files_path or self.instance_path / "case-files"

    def report_files_path(self) -> Path:
        """Report files the panel's downloads wrote, kept a day (services.reports)."""
        return self.instance_path / "reports"

    def storage_root(self, area: str) -> Path:
        """The local folder of a storage area (voiceapp.storage) when STORAGE=local."""
        return {
            "recordings": self.resolved_recordings_path,
            "case-files": self.resolved_case_files_path,
            "reports": self.report_files_path,
        }[area]()

    def validate(self) -> None:
        if self.env not in ENVIRONMENTS:
            raise ConfigError(
                f"VOICEAPP_ENV must be one of {', '.join(ENVIRONMENTS)}, got {self.env!r}"
            )
        if not self.secret_key and self.env != "development":
            raise ConfigError(
                "SECRET_KEY is not set. Set SECRET_KEY to a long random value "
                '(for example: python -c "import secrets; print(secrets.token_urlsafe(48))"), '
                "or set VOICEAPP_ENV=development on a developer machine."
            )
        if self.smtp_security not in SMTP_SECURITY:
            raise ConfigError(
                f"SMTP_SECURITY must be one of {', '.join(SMTP_SECURITY)}, "
                f"got {self.smtp_security!r}"
            )
        if self.smtp_timeout_seconds <= 0:
            raise ConfigError("SMTP_TIMEOUT_SECONDS must be a positive number of seconds")
        if self.stripe_secret_key and not self.stripe_webhook_secret:
            raise ConfigError(
                "STRIPE_SECRET_KEY is set but STRIPE_WEBHOOK_SECRET is not: card payments "
                "would never be confirmed. Set STRIPE_WEBHOOK_SECRET to the signing secret "
                "(whsec_...) of the webhook endpoint PUBLIC_BASE_URL/webhooks/stripe."
            )
        if self.stripe_api_base and urlsplit(self.stripe_api_base).scheme not in ("http", "https"):
            raise ConfigError(
                f"STRIPE_API_BASE must be an http(s) address, got {self.stripe_api_base!r}"
            )
        self._validate_pay_page_rate_limit()
        self._validate_storage()
        if self.secret_key and len(self.secret_key) < 16 and self.env == "production":
            raise ConfigError("SECRET_KEY is too short: use at least 16 random characters.")
        if self.env == "production":
            self._validate_public_base_url()

    def _validate_public_base_url(self) -> None:
        """Twilio signs every webhook for the URL it requested, and every TwiML URL the app
        writes starts with the public address: without it, each webhook would answer 403
        and each action URL would point inside (the test suite's environment, "testing",
        builds apps without one on purpose; development guesses from the request)."""
        url = self.public_base_url
        if not url:
            raise ConfigError(
                "PUBLIC_BASE_URL is not set. Set PUBLIC_BASE_URL to the address Twilio and "
                "customers reach this app at (for example https://calls.example.com): "
                "Twilio's signatures are checked against it and every TwiML URL starts with it."
            )
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError(f"PUBLIC_BASE_URL must be an http(s) address, got {url!r}")
        if parts.scheme == "http" and self.trusted_proxies == 0:
            raise ConfigError(
                f"PUBLIC_BASE_URL is {url!r} (http://) while TRUSTED_PROXIES is 0. Twilio "
                "and customers must reach the app over TLS: set PUBLIC_BASE_URL to its "
                "https:// address; if a proxy terminates TLS in front of the app, also set "
                "TRUSTED_PROXIES to the number of proxies."
            )

    def _validate_storage(self) -> None:
        if self.storage not in STORAGE_KINDS:
            raise ConfigError(
                f"STORAGE must be one of {', '.join(STORAGE_KINDS)}, got {self.storage!r}"
            )
        if self.storage == "s3" and not self.s3_bucket:
            raise ConfigError(
                "STORAGE=s3 needs S3_BUCKET (and S3_ENDPOINT_URL for a server other than "
                "AWS; S3_REGION, S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY as it asks)."
            )
        if self.s3_endpoint_url and urlsplit(self.s3_endpoint_url).scheme not in (
            "http",
            "https",
        ):
            raise ConfigError(
                f"S3_ENDPOINT_URL must be an http(s) address, got {self.s3_endpoint_url!r}"
            )
        if self.s3_prefix and (self.s3_prefix.startswith("/") or not self.s3_prefix.endswith("/")):
            raise ConfigError(
                f"S3_PREFIX must be a folder such as 'voiceapp/' (no leading '/', a "
                f"trailing one), got {self.s3_prefix!r}"
            )
        if self.s3_timeout_seconds <= 0:
            raise ConfigError("S3_TIMEOUT_SECONDS must be a positive number of seconds")

    def _validate_pay_page_rate_limit(self) -> None:
        from limits import parse_many

        for name, value in (
            ("PAY_PAGE_RATE_LIMIT", self.pay_page_rate_limit),
            ("REQUEST_FORM_RATE_LIMIT", self.request_form_rate_limit),
        ):
            try:
                parsed = parse_many(value)
            except ValueError:
                parsed = []
            if not parsed:
                raise ConfigError(
                    f"{name} must be limits such as '30 per minute;300 per hour', got {value!r}"
                )
