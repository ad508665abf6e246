"""The app's file stores (voiceapp.storage), as its settings say: one place for
services, jobs and blueprints to get them."""

from __future__ import annotations

from flask import current_app

from voiceapp.storage import CASE_FILES, RECORDINGS, REPORTS, FileStore, store_for

__all__ = ["CASE_FILES", "RECORDINGS", "REPORTS", "app_store"]


def app_store(area: str) -> FileStore:
    return store_for(current_app.config["VOICEAPP"], area)
