"""Case files with STORAGE=s3: an API client attaches a file, it lands in the bucket under
case-files/ (nothing in a local folder), and the API and the panel download it from the
bucket through the app (the case's checks in front of it)."""

from __future__ import annotations

import io
import socket

import pytest
from sqlalchemy import func, select

from tests.conftest import sign_in
from tests.factories import PASSWORD, CaseFactory, UserFactory
from tests.integration.test_case_files_api import upload
from tests.s3server import bucket_keys
from voiceapp.db import utcnow
from voiceapp.models import CaseFile
from voiceapp.services.accounts import create_api_token

NOTE = "Kundin ruft morgen zurück.".encode()


@pytest.fixture
def s3_app(make_app, s3_settings, tmp_path):
    app = make_app(**s3_settings, case_files_path=tmp_path / "case-files")
    yield app
    app.extensions["voiceapp.db"].engine.dispose()


@pytest.fixture
def client(s3_app):
    return s3_app.test_client()


def test_a_case_file_is_kept_in_the_bucket_and_downloaded_from_it(
    as_user, client, dbs, s3_endpoint, s3_bucket, tmp_path
):
    agent = UserFactory(role="agent", languages=["de"], case_types=["payment_reminder"])
    case = CaseFactory(assignee_id=agent.id)
    response = upload(as_user(agent), case.id, NOTE, "notes.txt")
    assert response.status_code == 201, response.json
    body = response.json

    (key,) = bucket_keys(s3_endpoint, s3_bucket)
    assert key.startswith(f"case-files/{case.id}/") and key.endswith("-notes.txt")
    assert bucket_keys(s3_endpoint, s3_bucket)[key] == NOTE
    assert not (tmp_path / "case-files").exists()

    download = as_user(agent)("GET", body["api_url"])
    assert (download.status_code, download.data, download.mimetype) == (200, NOTE, "text/plain")
    assert download.headers["Content-Disposition"] == "attachment; filename=notes.txt"

    other_case = CaseFactory(assignee_id=agent.id)  # the file is not another case's
    assert (
        as_user(agent)("GET", f"/api/cases/{other_case.id}/files/{body['id']}").status_code == 404
    )

    panel = client.application.test_client()
    sign_in(panel, UserFactory(role="admin").email, PASSWORD)
    page = panel.get(f"/cases/{case.id}/files/{body['id']}")
    assert (page.status_code, page.data) == (200, NOTE)


def test_a_bucket_that_does_not_answer_is_a_503_and_stores_nothing(make_app, s3_settings, dbs):
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    probe.close()  # nothing listens there now
    down = make_app(**{**s3_settings, "s3_endpoint_url": closed, "s3_timeout_seconds": 1})
    agent = UserFactory(role="agent", languages=["de"], case_types=["payment_reminder"])
    case = CaseFactory(assignee_id=agent.id)
    client = down.test_client()
    _row, token = create_api_token(dbs, agent, name="t", now=utcnow())
    dbs.commit()
    response = client.post(
        f"/api/cases/{case.id}/files",
        data={"file": (io.BytesIO(NOTE), "notes.txt")},
        content_type="multipart/form-data",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 503, response.data
    assert "file storage cannot be reached" in response.json["message"]
    dbs.rollback()
    assert dbs.scalar(select(func.count()).select_from(CaseFile)) == 0
    down.extensions["voiceapp.db"].engine.dispose()
