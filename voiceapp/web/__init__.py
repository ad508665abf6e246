"""The panel: server-rendered pages (Jinja) for agents, managers and admins. Blueprints
parse forms, authorise, call services and render; they may import anything below them
but models (rows are read and written through services; a type named for an annotation
is imported under `if TYPE_CHECKING:`)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app

from voiceapp.domain.contacts import VISIBILITY_LABELS
from voiceapp.domain.languages import language_label
from voiceapp.domain.payment_code import format_code
from voiceapp.domain.phones import format_international
from voiceapp.domain.requests import LABEL_COLOURS
from voiceapp.domain.roles import ROLE_LABELS, is_manager_or_admin


def local_time(value: datetime | None, zone: str | None = None, fmt: str = "%Y-%m-%d %H:%M"):
    """A stored UTC time shown in the team's zone (or the given one)."""
    if value is None:
        return ""
    tz = ZoneInfo(zone or current_app.config["VOICEAPP"].timezone)
    return value.astimezone(tz).strftime(fmt)


def init_web(app) -> None:
    from voiceapp.web import (
        account,
        auth_views,
        call_page,
        calls,
        case_settings,
        cases,
        commission_settings,
        commissions,
        contacts,
        dossiers,
        email_templates,
        errors,
        home,
        invitations,
        member_bulk,
        members,
        notifications,
        numbers,
        order_page,
        orders,
        pay,
        pay_stripe,
        payouts,
        products,
        recording_settings,
        reports,
        request_public,
        request_settings,
        requests,
        reviews,
        softphone,
        tasks,
        telephony_admin,
        vendor,
    )

    for module in (
        auth_views,
        home,
        contacts,
        cases,
        tasks,
        requests,
        request_settings,
        account,
        members,
        member_bulk,
        commission_settings,
        invitations,
        calls,
        reviews,
        call_page,
        telephony_admin,
        recording_settings,
        numbers,
        case_settings,
        notifications,
        email_templates,
        products,
        order_page,
        orders,
        commissions,
        pay_stripe,
        payouts,
        reports,
    ):
        app.register_blueprint(module.bp)
    vendor.init_vendor(app)  # the npm libraries, under /static/vendor/
    softphone.init_softphone(app)  # the softphone bar on every panel page
    pay.init_pay_page(app)  # the customer's pay page, with its rate limit
    request_public.init_request_pages(app)  # /r/...: on the pay page's limiter
    dossiers.init_dossier_pages(app)  # quotes, payments, stages, subscriptions
    errors.register(app)
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["phone"] = format_international
    app.jinja_env.filters["language"] = language_label
    app.jinja_env.filters["payment_code"] = format_code
    app.jinja_env.globals.update(
        ROLE_LABELS=ROLE_LABELS,
        VISIBILITY_LABELS=VISIBILITY_LABELS,
        is_manager_or_admin=is_manager_or_admin,
        unread_notifications=notifications.unread_notifications,
        requests_waiting=requests.requests_waiting,
        LABEL_COLOURS=LABEL_COLOURS,
    )
