"""Stripe's request parameters: form-encoded with brackets for nesting
(`line_items[0][price_data][unit_amount]=1999`, as the stripe library writes them), decoded
here into dicts and lists, and the Checkout Session's checked the way Stripe checks them,
with Stripe's messages and error codes, so a wrong request fails here as it would there."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from voiceapp.domain.money import is_known_currency

_SEGMENT = re.compile(r"\[([^\[\]]*)\]")
MIN_LIFETIME, MAX_LIFETIME = 30 * 60, 24 * 3600
METADATA_KEYS, METADATA_KEY_LENGTH, METADATA_VALUE_LENGTH = 50, 40, 500
# Checkout's locales (https://docs.stripe.com/api/checkout/sessions/create#locale).
LOCALES = frozenset(
    {
        "auto", "bg", "cs", "da", "de", "el", "en", "en-GB", "es", "es-419", "et", "fi",
        "fil", "fr", "fr-CA", "hr", "hu", "id", "it", "ja", "ko", "lt", "lv", "ms", "mt",
        "nb", "nl", "pl", "pt", "pt-BR", "ro", "ru", "sk", "sl", "sv", "th", "tr", "vi",
        "zh", "zh-HK", "zh-TW",
    }
)  # fmt: skip
SESSION_PARAMS = frozenset(
    {
        "mode", "line_items", "success_url", "cancel_url", "client_reference_id",
        "metadata", "customer_email", "expires_at", "locale", "payment_method_types",
        "expand",
    }
)  # fmt: skip
LINE_ITEM_PARAMS = frozenset({"quantity", "price_data"})
PRICE_DATA_PARAMS = frozenset({"currency", "unit_amount", "product_data"})
PRODUCT_DATA_PARAMS = frozenset({"name", "description"})


class ParamError(ValueError):
    """A parameter Stripe would refuse: a 400 invalid_request_error naming it."""

    def __init__(self, message: str, param: str | None = None, code: str = "parameter_invalid"):
        super().__init__(message)
        self.message, self.param, self.code = message, param, code


def decode_form(pairs) -> dict:
    """`a[b][0][c]=v` pairs -> {"a": {"b": [{"c": "v"}]}}; all values stay text."""
    root: dict = {}
    for key, value in pairs:
        head, _, rest = key.partition("[")
        path = [head] + (_SEGMENT.findall("[" + rest) if rest else [])
        node = root
        for part in path[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ParamError(f"Invalid parameter: {key}", key)
        node[path[-1]] = value
    return _lists(root)


def _lists(node):
    """Dicts whose keys are all 0, 1, 2 ... become lists (Stripe's indexed arrays)."""
    if not isinstance(node, dict):
        return node
    node = {k: _lists(v) for k, v in node.items()}
    if node and all(k.isdigit() for k in node):
        indexes = sorted(int(k) for k in node)
        if indexes == list(range(len(indexes))):
            return [node[str(i)] for i in indexes]
    return node


def _param(where: str, name: str) -> str:
    """Stripe's name of a nested parameter: line_items[0][quantity]."""
    return f"{where}[{name}]" if where else name


def _unknown(given: dict, allowed: frozenset, where: str = "") -> None:
    for name in given:
        if name not in allowed:
            param = _param(where, name)
            raise ParamError(f"Received unknown parameter: {param}", param, "parameter_unknown")


def _required(given: dict, name: str, where: str = ""):
    value = given.get(name)
    if value is None or value == "":
        param = _param(where, name)
        raise ParamError(f"Missing required param: {param}.", param, "parameter_missing")
    return value


def _integer(value, param: str, minimum: int | None = None) -> int:
    if not isinstance(value, str) or not re.fullmatch(r"-?\d+", value):
        raise ParamError(f"Invalid integer: {value}", param, "parameter_invalid_integer")
    number = int(value)
    if minimum is not None and number < minimum:
        raise ParamError(
            f"This value must be greater than or equal to {minimum}.", param, "parameter_invalid"
        )
    return number


def _url(value, param: str) -> str:
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise ParamError("Not a valid URL", param, "url_invalid")
    return value


def _line_item(item, index: int) -> dict:
    where = f"line_items[{index}]"
    if not isinstance(item, dict):
        raise ParamError(f"Invalid object: {where}", where)
    _unknown(item, LINE_ITEM_PARAMS, where)
    quantity = _integer(_required(item, "quantity", where), f"{where}[quantity]", 1)
    price = _required(item, "price_data", where)
    if not isinstance(price, dict):
        raise ParamError(f"Invalid object: {where}[price_data]", f"{where}[price_data]")
    where = f"{where}[price_data]"
    _unknown(price, PRICE_DATA_PARAMS, where)
    currency = str(_required(price, "currency", where)).lower()
    if not is_known_currency(currency.upper()):
        raise ParamError(f"Invalid currency: {currency}.", f"{where}[currency]")
    amount = _integer(_required(price, "unit_amount", where), f"{where}[unit_amount]", 0)
    product = _required(price, "product_data", where)
    if not isinstance(product, dict):
        raise ParamError(f"Invalid object: {where}[product_data]", f"{where}[product_data]")
    _unknown(product, PRODUCT_DATA_PARAMS, f"{where}[product_data]")
    name = _required(product, "name", f"{where}[product_data]")
    return {
        "quantity": quantity,
        "price_data": {
            "currency": currency,
            "unit_amount": amount,
            "product_data": {"name": name, "description": product.get("description")},
        },
    }


def _metadata(value) -> dict[str, str]:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise ParamError("Invalid object: metadata", "metadata")
    if len(value) > METADATA_KEYS:
        raise ParamError(f"You can have at most {METADATA_KEYS} metadata keys.", "metadata")
    for key, text in value.items():
        if len(key) > METADATA_KEY_LENGTH or not isinstance(text, str):
            raise ParamError(f"Invalid metadata key or value: {key}", f"metadata[{key}]")
        if len(text) > METADATA_VALUE_LENGTH:
            raise ParamError(
                f"Metadata values can have up to {METADATA_VALUE_LENGTH} characters",
                f"metadata[{key}]",
            )
    return dict(value)


def checkout_session_params(given: dict, now: int) -> dict:
    """The parameters of POST /v1/checkout/sessions, checked and typed; ParamError as
    Stripe would answer it. The stand-in plays hosted, one-off card payments only."""
    _unknown(given, SESSION_PARAMS)
    mode = _required(given, "mode")
    if mode != "payment":
        raise ParamError(f"Invalid mode: the stand-in plays mode=payment only, not {mode}", "mode")
    items = _required(given, "line_items")
    if not isinstance(items, list):
        raise ParamError("Invalid array: line_items", "line_items", "parameter_invalid")
    line_items = [_line_item(item, i) for i, item in enumerate(items)]
    if len({item["price_data"]["currency"] for item in line_items}) > 1:
        raise ParamError("All line items must be in the same currency.", "line_items")
    if sum(i["price_data"]["unit_amount"] * i["quantity"] for i in line_items) <= 0:
        raise ParamError("The Checkout Session's total amount due must be more than 0.")
    methods = given.get("payment_method_types") or ["card"]
    if not isinstance(methods, list) or any(m != "card" for m in methods):
        raise ParamError(
            "Invalid payment_method_types: the stand-in plays card payments only",
            "payment_method_types",
        )
    params = {
        "mode": mode,
        "line_items": line_items,
        "success_url": _url(_required(given, "success_url"), "success_url"),
        "cancel_url": _url(given["cancel_url"], "cancel_url") if given.get("cancel_url") else None,
        "metadata": _metadata(given.get("metadata")),
        "payment_method_types": methods,
    }
    reference = given.get("client_reference_id")
    if reference is not None:
        if not isinstance(reference, str) or len(reference) > 200:
            raise ParamError("client_reference_id: at most 200 characters", "client_reference_id")
        params["client_reference_id"] = reference
    if given.get("customer_email"):
        email = given["customer_email"]
        if not isinstance(email, str) or "@" not in email.strip("@"):
            raise ParamError(f"Invalid email address: {email}", "customer_email", "email_invalid")
        params["customer_email"] = email
    if given.get("locale"):
        if given["locale"] not in LOCALES:
            raise ParamError(f"Invalid locale: {given['locale']}", "locale")
        params["locale"] = given["locale"]
    if given.get("expires_at") is not None:
        expires_at = _integer(given["expires_at"], "expires_at")
        if not now + MIN_LIFETIME <= expires_at <= now + MAX_LIFETIME:
            raise ParamError(
                "The `expires_at` timestamp must be between 30 minutes and 24 hours from the "
                "Checkout Session creation.",
                "expires_at",
            )
        params["expires_at"] = expires_at
    return params
