"""Conversation files attached to a case's outcome (seed 000: "upload a conversation
file"): size and type limited, kept in storage (voiceapp.storage: CASE_FILES_PATH, or the
bucket's case-files/ prefix), listed in the case."""

from __future__ import annotations

import mimetypes
import secrets
from datetime import datetime
from pathlib import PurePath

from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from voiceapp.domain.case_rights import OUTCOME
from voiceapp.models import Case, CaseFile, User
from voiceapp.services.cases import rights
from voiceapp.services.cases.history import add_history
from voiceapp.services.storage import CASE_FILES, app_store
from voiceapp.storage import BadKey, FileStore, StoredFile

MAX_FILE_BYTES = 10 * 1024 * 1024
# Recordings of the conversation, notes, scans and office documents.
ALLOWED_TYPES = {
    "audio/mpeg",
    "audio/wav",
    "audio/x-wav",
    "audio/ogg",
    "audio/mp4",
    "application/pdf",
    "image/png",
    "image/jpeg",
    "text/plain",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.oasis.opendocument.text",
}


class FileRefused(ValueError):
    """The upload is too big, empty or of a type we do not keep; the message says which."""


def _safe_name(filename: str) -> str:
    name = PurePath(filename.replace("\\", "/")).name.strip() or "file"
    return "".join(c for c in name if c.isprintable())[:200]


def content_type_of(filename: str, declared: str | None) -> str:
    """The type the name says (browsers declare application/octet-stream freely)."""
    guessed, _ = mimetypes.guess_type(filename)
    return guessed or (declared or "application/octet-stream").split(";")[0].strip()


def attach_file(
    db: Session,
    case: Case,
    *,
    filename: str,
    declared_type: str | None,
    data: bytes,
    user: User,
    store: FileStore,
    now: datetime,
) -> CaseFile:
    # A file belongs to a call's outcome: whoever may record it may attach one.
    rights.require(OUTCOME, user, case)
    name = _safe_name(filename)
    content_type = content_type_of(name, declared_type)
    if not data:
        raise FileRefused("the file is empty")
    if len(data) > MAX_FILE_BYTES:
        raise FileRefused(f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    if content_type not in ALLOWED_TYPES:
        raise FileRefused(
            f"files of type {content_type} are not kept; audio, PDF, images, text and "
            "office documents are"
        )
    relative = f"{case.id}/{secrets.token_hex(8)}-{_key_safe(name)}"
    store.put(relative, data, content_type)
    row = CaseFile(
        case=case,
        filename=name,
        content_type=content_type,
        size=len(data),
        path=relative,
        uploaded_by_id=user.id,
        created_at=now,
    )
    db.add(row)
    db.flush()
    add_history(
        db,
        case,
        "file",
        f"File attached: {name}",
        now=now,
        actor=user,
        data={"file_id": row.id, "size": len(data)},
    )
    return row


def _key_safe(name: str) -> str:
    """The name as a storage key's last part: no "/" (it was cut off already) and not
    "." or ".." (a key names no folder)."""
    return name if name not in (".", "..") else "file"


def files_store() -> FileStore:
    """Where the app keeps case files (CASE_FILES_PATH, or the bucket)."""
    return app_store(CASE_FILES)


def attach_upload(
    db: Session, case: Case, upload: FileStorage, *, user: User, now: datetime
) -> CaseFile:
    """A file uploaded through the panel's form or the API attached to the case. At most
    one byte past the limit is read, so a file too large is refused without reading it
    whole."""
    return attach_file(
        db,
        case,
        filename=upload.filename or "file",
        declared_type=upload.mimetype,
        data=upload.read(MAX_FILE_BYTES + 1),
        user=user,
        store=files_store(),
        now=now,
    )


def stored_file(row: CaseFile, store: FileStore) -> StoredFile | None:
    """The file in storage, or None when it is gone or its path is no key of ours."""
    try:
        return store.stat(row.path)
    except BadKey:
        return None


def case_file(db: Session, case: Case, file_id: int) -> CaseFile | None:
    """A file attached to this case (None for another case's file)."""
    row = db.get(CaseFile, file_id)
    return row if row is not None and row.case_id == case.id else None
