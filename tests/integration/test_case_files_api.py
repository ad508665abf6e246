"""/api/cases/<id>/files: an API client attaches a conversation file to a case and
downloads it again; the panel's limits hold, and a refused file stores nothing."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from tests.factories import CaseFactory, ContactFactory, UserFactory
from voiceapp.models import CaseEvent, CaseFile
from voiceapp.services.cases.files import MAX_FILE_BYTES


@pytest.fixture
def agent(ctx):
    return UserFactory(
        role="agent", name="Jonas Becker", languages=["de"], case_types=["payment_reminder"]
    )


@pytest.fixture
def files_root(app):
    return app.config["VOICEAPP"].resolved_case_files_path()


def upload(api, case_id: int, data: bytes, filename: str):
    return api(
        "POST",
        f"/api/cases/{case_id}/files",
        data={"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def stored_files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_a_file_is_attached_listed_and_downloaded(as_user, agent, dbs):
    case = CaseFactory(assignee_id=agent.id)
    api = as_user(agent)
    response = upload(api, case.id, b"Kundin ruft morgen zurueck.", "notes.txt")
    assert response.status_code == 201, response.json
    body = response.json
    assert body["filename"] == "notes.txt" and body["content_type"] == "text/plain"
    assert body["size"] == len(b"Kundin ruft morgen zurueck.")
    assert body["api_url"] == f"/api/cases/{case.id}/files/{body['id']}"

    detail = api("GET", f"/api/cases/{case.id}").json
    assert [f["id"] for f in detail["files"]] == [body["id"]]
    assert detail["history"][-1]["summary"] == "File attached: notes.txt"

    download = api("GET", body["api_url"])
    assert download.status_code == 200
    assert download.data == b"Kundin ruft morgen zurueck."
    assert download.mimetype == "text/plain"
    assert "notes.txt" in download.headers["Content-Disposition"]


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"MZ\x90\x00", "tool.exe", "are not kept"),
        (b"", "empty.txt", "the file is empty"),
        (b"x" * (MAX_FILE_BYTES + 1), "big.txt", "larger than 10 MB"),
    ],
)
def test_a_refused_file_is_a_422_and_stores_nothing(
    as_user, agent, dbs, files_root, data, filename, message
):
    case = CaseFactory(assignee_id=agent.id)
    events_before = dbs.scalar(select(func.count()).select_from(CaseEvent))
    # The instance folder is shared by the session's tests: compare with what was there.
    files_before = stored_files(files_root)
    response = upload(as_user(agent), case.id, data, filename)
    assert response.status_code == 422
    assert message in response.json["errors"]["files"]["file"][0]
    dbs.rollback()
    assert dbs.scalar(select(func.count()).select_from(CaseFile)) == 0
    assert dbs.scalar(select(func.count()).select_from(CaseEvent)) == events_before
    assert stored_files(files_root) == files_before


def test_a_request_without_a_file_is_a_422(as_user, agent, dbs):
    case = CaseFactory(assignee_id=agent.id)
    response = as_user(agent)(
        "POST", f"/api/cases/{case.id}/files", data={}, content_type="multipart/form-data"
    )
    assert response.status_code == 422
    assert "file" in response.json["errors"]["files"]


def test_files_of_cases_an_agent_may_not_see_are_not_found(as_user, agent, dbs):
    owner = UserFactory(role="agent", languages=["de"], case_types=["payment_reminder"])
    hidden = CaseFactory(contact=ContactFactory(owner_id=owner.id, visibility="private"))
    mine = CaseFactory(assignee_id=agent.id)
    attached = upload(as_user(owner), hidden.id, b"private notes", "notes.txt")
    assert attached.status_code == 201
    file_id = attached.json["id"]

    api = as_user(agent)
    assert upload(api, hidden.id, b"hello", "notes.txt").status_code == 404
    assert api("GET", f"/api/cases/{hidden.id}/files/{file_id}").status_code == 404
    # Nor through a case the agent may see: the file must belong to that case.
    assert api("GET", f"/api/cases/{mine.id}/files/{file_id}").status_code == 404
    assert api("GET", f"/api/cases/{mine.id}/files/999999").status_code == 404


def test_the_openapi_document_describes_the_upload_as_multipart(client):
    spec = client.get("/api/openapi.json").json
    upload_op = spec["paths"]["/api/cases/{case_id}/files"]["post"]
    ref = upload_op["requestBody"]["content"]["multipart/form-data"]["schema"]["$ref"]
    form = spec["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    assert form["properties"]["file"]["format"] == "binary"
    assert form["required"] == ["file"]
    assert "get" in spec["paths"]["/api/cases/{case_id}/files/{file_id}"]
