"""The hosted checkout page a session's `url` leads to (Stripe's checkout.stripe.com/c/pay/
...): what is bought, a test card shown, and two buttons. Pay completes the session
(paid), sends checkout.session.completed to the app's webhook URL, then sends the browser
to success_url; Cancel sends it back to cancel_url and changes nothing."""

from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, abort, current_app, redirect, render_template_string, url_for

from voiceapp.domain.stripe_amounts import stripe_decimals
from voiceapp.sim.stripe.delivery import deliver, deliver_later

bp = Blueprint("stripe_hosted", __name__, url_prefix="/checkout")
# Stripe replaces this in success_url with the session's id.
SESSION_ID_TEMPLATE = "{CHECKOUT_SESSION_ID}"

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Pay · Stripe stand-in</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; background: #f6f9fc; color: #1a1f36; margin: 0; }
  main { max-width: 26rem; margin: 3rem auto; background: #fff; padding: 2rem;
         border-radius: 8px; box-shadow: 0 2px 12px rgba(50, 50, 93, .12); }
  .note { font-size: .8rem; color: #697386; text-transform: uppercase; letter-spacing: .05em; }
  h1 { font-size: 1.1rem; margin: .2rem 0 1rem; }
  table { width: 100%; border-collapse: collapse; margin-bottom: 1rem; }
  td { padding: .3rem 0; } td.amount { text-align: right; white-space: nowrap; }
  tr.total td { border-top: 1px solid #e3e8ee; font-weight: 600; }
  label { display: block; font-size: .9rem; margin-top: .6rem; color: #3c4257; }
  .field { border: 1px solid #e3e8ee; border-radius: 4px; padding: .45rem .6rem; color: #697386; }
  .buttons { display: flex; gap: .6rem; margin-top: 1.4rem; }
  button { font: inherit; border-radius: 4px; padding: .6rem 1rem; cursor: pointer; border: 0; }
  form.pay { flex: 1; display: flex; }
  button.pay { background: #635bff; color: #fff; flex: 1; }
  button.cancel { background: #fff; color: #3c4257; border: 1px solid #e3e8ee; }
</style>
</head>
<body>
<main>
  <p class="note">Stripe stand-in · test mode · no money moves</p>
  {% if session.status == "open" %}
  <h1>Pay {{ total }}</h1>
  <table>
    {% for item in session.line_items %}
    <tr>
      <td>{{ item.price_data.product_data.name }}
        {%- if item.quantity > 1 %} x {{ item.quantity }}{% endif %}</td>
      <td class="amount">{{ amount(item.price_data.unit_amount * item.quantity) }}</td>
    </tr>
    {% endfor %}
    <tr class="total"><td>Total</td><td class="amount">{{ total }}</td></tr>
  </table>
  {% if session.customer_email %}
  <label>E-mail</label><div class="field">{{ session.customer_email }}</div>
  {% endif %}
  <label>Card</label><div class="field">4242 4242 4242 4242 · 12/34 · 123</div>
  <div class="buttons">
    <form method="post" action="{{ url_for('stripe_hosted.cancel', session_id=session.id) }}">
      <button class="cancel" type="submit">Cancel</button>
    </form>
    <form class="pay" method="post"
          action="{{ url_for('stripe_hosted.pay', session_id=session.id) }}">
      <button class="pay" type="submit">Pay</button>
    </form>
  </div>
  {% else %}
  <h1>This checkout is {{ "paid" if session.status == "complete" else session.status }}.</h1>
  {% if session.status == "complete" %}
  <p><a href="{{ success_url }}">Back to the shop</a></p>
  {% elif session.cancel_url %}
  <p><a href="{{ session.cancel_url }}">Back to the shop</a></p>
  {% endif %}
  {% endif %}
</main>
</body>
</html>
"""


def _standin():
    return current_app.extensions["voiceapp.sim.stripe"]


def _session(session_id: str):
    session = _standin().session(session_id)
    if session is None:
        abort(404)
    return session


def _amount_text(session):
    decimals = stripe_decimals(session.currency)

    def amount(value: int) -> str:
        return f"{Decimal(value).scaleb(-decimals):.{decimals}f} {session.currency.upper()}"

    return amount


def _success_url(session) -> str:
    return session.success_url.replace(SESSION_ID_TEMPLATE, session.id)


@bp.get("/<session_id>")
def page(session_id: str):
    session = _session(session_id)
    amount = _amount_text(session)
    return render_template_string(
        PAGE,
        session=session,
        amount=amount,
        total=amount(session.amount_total),
        success_url=_success_url(session),
    )


@bp.post("/<session_id>/pay")
def pay(session_id: str):
    standin = _standin()
    session = _session(session_id)
    with standin.lock:
        if session.status != "open":
            return redirect(url_for("stripe_hosted.page", session_id=session.id), 303)
        event = standin.make_event(session, "checkout.session.completed")
    delay = standin.config.delivery_delay
    if delay > 0:
        deliver_later(standin, event, delay)
    else:
        deliver(standin, event)
    return redirect(_success_url(session), 303)


@bp.post("/<session_id>/cancel")
def cancel(session_id: str):
    session = _session(session_id)
    if session.status != "open" or not session.cancel_url:
        return redirect(url_for("stripe_hosted.page", session_id=session.id), 303)
    return redirect(session.cancel_url, 303)
