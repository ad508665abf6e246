"""Account enumeration by timing: a wrong password for a real account, a wrong password
for a switched-off account and an unknown e-mail take the same time (each verifies one
Argon2 hash), so the answer's delay does not say which e-mails have accounts."""

from __future__ import annotations

import statistics
import time

from tests.conftest import csrf_from
from tests.factories import PASSWORD, UserFactory
from voiceapp.security import hash_password

ROUNDS = 11
# Medians may differ by this fraction of the slowest one: wide, because the suite runs on
# a shared machine, yet far from the leak it catches (before the fix an unknown e-mail
# answered in ~6 ms against ~330 ms for a real account: 2%).
TOLERANCE = 0.5


def _timed_sign_in(client, email: str) -> float:
    page = client.get("/sign-in")
    data = {"email": email, "password": "wrong password!", "csrf_token": csrf_from(page.text)}
    started = time.perf_counter()
    response = client.post("/sign-in", data=data)
    elapsed = time.perf_counter() - started
    assert response.status_code == 401
    return elapsed


def test_unknown_email_and_wrong_password_take_the_same_time(make_app, ctx):
    app = make_app(login_max_failures_per_account=1000, login_max_failures_per_address=1000)
    client = app.test_client()
    # With the app's own Argon2 parameters, as a real account's hash has them (the
    # factory's users carry a cheap hash to keep the suite's sign-ins fast).
    real_hash = hash_password(PASSWORD)
    real = UserFactory(password_hash=real_hash)
    switched_off = UserFactory(active=False, password_hash=real_hash)
    timings: dict[str, list[float]] = {"real": [], "switched_off": [], "unknown": []}
    _timed_sign_in(client, real.email)  # warm-up: first request compiles templates
    for n in range(ROUNDS):  # interleaved, so load on the machine hits all three alike
        timings["real"].append(_timed_sign_in(client, real.email))
        timings["switched_off"].append(_timed_sign_in(client, switched_off.email))
        timings["unknown"].append(_timed_sign_in(client, f"nobody{n}@example.com"))
    medians = {name: statistics.median(values) for name, values in timings.items()}
    slowest = max(medians.values())
    for name, median in medians.items():
        assert slowest - median <= TOLERANCE * slowest, (name, medians)
