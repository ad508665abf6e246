"""E-mail templates with `{$variable}` placeholders (seed 000: `{$name}` ...).

Pure functions: which variables exist, which a template uses, and the rendered text. In
HTML bodies the values are escaped, so a customer called `<b>` stays text.
"""

from __future__ import annotations

import re
from html import escape

VARIABLES = {
    "name": "the customer's full name",
    "first_name": "the customer's first name",
    "last_name": "the customer's last name",
    "agent_name": "the name of the agent who called",
    "case_type": "the case type, as its label",
    "order_number": "the order's number (empty without an order)",
    "payment_url": "the order's payment URL (empty without an order)",
    "team_phone": "the number the customer can call back",
}

PLACEHOLDER = re.compile(r"\{\$([A-Za-z_][A-Za-z0-9_]*)\}")

DEFAULT_TEMPLATES = [
    {
        "key": "not_reached",
        "name": "We tried to reach you",
        "subject": "We tried to call you",
        "body_text": "Hello {$name},\n\nwe tried to call you today about your "
        "{$case_type} and could not reach you. We will try again; you can also call us "
        "back at {$team_phone}.\n\nKind regards,\n{$agent_name}",
        "body_html": "<p>Hello {$name},</p><p>we tried to call you today about your "
        "{$case_type} and could not reach you. We will try again; you can also call us "
        "back at {$team_phone}.</p><p>Kind regards,<br>{$agent_name}</p>",
    },
    {
        "key": "conversation_summary",
        "name": "Thank you for the conversation",
        "subject": "Thank you for our conversation",
        "body_text": "Hello {$first_name},\n\nthank you for talking to us today. "
        "If you have any question, just call us back at {$team_phone}.\n\n"
        "Kind regards,\n{$agent_name}",
        "body_html": "<p>Hello {$first_name},</p><p>thank you for talking to us today. "
        "If you have any question, just call us back at {$team_phone}.</p>"
        "<p>Kind regards,<br>{$agent_name}</p>",
    },
    {
        "key": "payment_reminder",
        "name": "Payment reminder",
        "subject": "Your order {$order_number}",
        "body_text": "Hello {$name},\n\nas discussed on the phone, you can pay your order "
        "{$order_number} here: {$payment_url}\n\nKind regards,\n{$agent_name}",
        "body_html": "<p>Hello {$name},</p><p>as discussed on the phone, you can pay your "
        'order {$order_number} here: <a href="{$payment_url}">{$payment_url}</a></p>'
        "<p>Kind regards,<br>{$agent_name}</p>",
    },
]


def used_variables(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text or ""))


def unknown_variables(text: str) -> list[str]:
    """Placeholders that no case can fill: an admin's typo, refused when saving."""
    return sorted(used_variables(text) - set(VARIABLES))


def render(text: str, values: dict[str, str | None], *, html: bool = False) -> str:
    """`text` with every `{$variable}` replaced; a variable without a value becomes empty."""

    def fill(match: re.Match) -> str:
        value = values.get(match.group(1)) or ""
        return escape(value) if html else value

    return PLACEHOLDER.sub(fill, text or "")
