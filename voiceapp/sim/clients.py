"""HTTP clients the `voiceapp sim` commands use: the simulator's /sim endpoints, and the
app's JSON API as the scenario's agents and a manager use it (one API token each)."""

from __future__ import annotations

import json
from collections.abc import Callable

import requests

from voiceapp.domain.agent_identity import user_id_from_identity

TIMEOUT = 30


class SimClient:
    def __init__(self, url: str):
        self.url = url.rstrip("/")

    def status(self) -> dict:
        try:
            response = requests.get(f"{self.url}/sim", timeout=5)
        except requests.RequestException as exc:
            raise RuntimeError(
                f"the simulator does not answer at {self.url} (start it with "
                "`voiceapp sim serve`, or `voiceapp dev`)"
            ) from exc
        response.raise_for_status()
        return response.json()

    def place(self, path: str, payload: dict, on_entry: Callable[[dict], None] | None = None):
        """Place a call and follow its log line by line; returns the final entry."""
        response = requests.post(
            f"{self.url}/sim/{path}",
            json={**payload, "stream": True},
            stream=True,
            timeout=(5, 600),
        )
        if response.status_code != 200:
            raise RuntimeError(f"the simulator refused the call: {response.text.strip()}")
        final = None
        for line in response.iter_lines():
            if not line:
                continue
            entry = json.loads(line)
            if on_entry is not None:
                on_entry(entry)
            if entry["kind"] == "final":
                final = entry
        return final

    def press(self, call_sid: str, keys: str) -> None:
        requests.post(
            f"{self.url}/sim/calls/{call_sid}/keys", json={"keys": keys}, timeout=5
        ).raise_for_status()

    def put(self, path: str, payload: dict) -> None:
        requests.put(f"{self.url}/sim/{path}", json=payload, timeout=5).raise_for_status()


class AppClient:
    """The app's JSON API with API tokens made for the scenario's users (revoked by
    close()). Needs the app's settings (database) in the environment, like every voiceapp
    command."""

    def __init__(self, app_url: str, flask_app):
        self.url = app_url.rstrip("/")
        self.flask_app = flask_app
        self.tokens: dict[int, tuple[int, str]] = {}  # user id -> (token row id, token)

    def token(self, user_id: int) -> str:
        if user_id not in self.tokens:
            from voiceapp import db
            from voiceapp.db import utcnow
            from voiceapp.models import User
            from voiceapp.services import accounts

            with self.flask_app.app_context():
                dbs = db.session()
                user = dbs.get(User, user_id)
                if user is None or not user.active:
                    raise RuntimeError(f"no active user {user_id} in the app's database")
                row, token = accounts.create_api_token(
                    dbs, user, name="Twilio simulator", now=utcnow()
                )
                dbs.commit()
                self.tokens[user_id] = (row.id, token)
        return self.tokens[user_id][1]

    def call(self, user_id: int, method: str, path: str, **kwargs) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token(user_id)}"}
        return requests.request(method, self.url + path, headers=headers, timeout=TIMEOUT, **kwargs)

    def presence(self, user_id: int) -> str:
        response = self.call(user_id, "GET", "/api/agents/me/presence")
        response.raise_for_status()
        return response.json()["status"]

    def set_presence(self, user_id: int, status: str) -> None:
        """As the panel's softphone does when an agent clicks "Go online"."""
        response = self.call(user_id, "PUT", "/api/agents/me/presence", json={"status": status})
        if response.status_code != 200:
            raise RuntimeError(f"could not set agent {user_id} {status}: {response.text}")

    def heartbeat(self, user_id: int) -> None:
        """As the panel's softphone does while its page is open: without it the agent's
        presence expires (PRESENCE_TIMEOUT_SECONDS) and they no longer ring."""
        self.call(user_id, "POST", "/api/agents/me/presence/heartbeat").raise_for_status()

    def online(self, identity: str) -> None:
        user_id = user_id_from_identity(identity)
        if user_id is None:
            raise RuntimeError(f"{identity} is not an agent identity (agent_<id>)")
        self.set_presence(user_id, "online")

    def total(self, user_id: int, path: str, **params) -> int:
        response = self.call(user_id, "GET", path, params={**params, "per_page": 1})
        response.raise_for_status()
        return response.json()["total"]

    def call_detail(self, user_id: int, sid: str) -> dict | None:
        response = self.call(user_id, "GET", f"/api/calls/{sid}")
        return response.json() if response.status_code == 200 else None

    def close(self) -> None:
        from voiceapp import db
        from voiceapp.db import utcnow
        from voiceapp.models import User
        from voiceapp.services import accounts

        with self.flask_app.app_context():
            dbs = db.session()
            for user_id, (token_id, _token) in self.tokens.items():
                user = dbs.get(User, user_id)
                if user is not None:
                    accounts.revoke_api_token(dbs, user, token_id, now=utcnow())
            dbs.commit()
        self.tokens.clear()
