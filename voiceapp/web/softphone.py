"""The softphone bar on every panel page (base.html): what the page needs to start it
(presence, whether the account can issue tokens, demo mode, the SDK file, the country
picker) and the missed-calls badge. The bar itself is static/softphone.js."""

from __future__ import annotations

from functools import cache

import phonenumbers
from flask import current_app, g
from flask_login import current_user
from markupsafe import Markup, escape

from voiceapp import db
from voiceapp.db import utcnow
from voiceapp.services.calls.presence import presence_of
from voiceapp.services.dashboard import missed_today
from voiceapp.services.team_settings import team_zone
from voiceapp.telephony.credentials import current_credentials
from voiceapp.web.vendor import vendor_available

# The Twilio Voice JavaScript SDK as npm installs it (package.json; web.vendor).
SDK_FILE = "twilio.min.js"


@cache
def dial_regions() -> tuple[tuple[str, int], ...]:
    """Every country libphonenumber knows, with its calling code, for the dial pad's
    country picker (a national number is read in the country chosen)."""
    return tuple(
        sorted(
            (region, phonenumbers.country_code_for_region(region))
            for region in phonenumbers.SUPPORTED_REGIONS
        )
    )


@cache
def dial_region_options(default_region: str) -> Markup:
    """The country picker's <option>s, the default region selected, rendered once per
    default region: the template's loop over 245 countries cost a panel page more than
    the rest of the bar."""
    return Markup(
        "".join(
            f'<option value="{escape(region)}"{" selected" if region == default_region else ""}>'
            f"{escape(region)} +{code}</option>"
            for region, code in dial_regions()
        )
    )


def softphone_bar() -> dict | None:
    """What the bar shows and needs; None when nobody is signed in. Once per request."""
    if not current_user.is_authenticated:
        return None
    if "softphone_bar" not in g:
        dbs = db.session()
        settings = current_app.config["VOICEAPP"]
        now = utcnow()
        presence = presence_of(dbs, current_user, now=now)
        simulator = settings.simulator_url
        g.softphone_bar = {
            "presence": presence.status,
            "heartbeat_seconds": presence.heartbeat_seconds,
            "configured": current_credentials(dbs).can_issue_tokens,
            "simulator": simulator,
            "sdk": bool(simulator) or vendor_available(SDK_FILE),
            "sdk_file": SDK_FILE,
            "sdk_installed": vendor_available(SDK_FILE),
            "missed": missed_today(dbs, zone=team_zone(dbs), now=now),
            "default_region": settings.default_region,
            "region_options": dial_region_options(settings.default_region),
        }
    return g.softphone_bar


def init_softphone(app) -> None:
    app.jinja_env.globals["softphone_bar"] = softphone_bar
