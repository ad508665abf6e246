"""Answer a GET for a stored file through the app, whatever store keeps it: the rights
check stays in front of every byte, byte ranges work (the audio player seeks with
them), and nothing is read whole into memory.

Streaming through the app, rather than handing the browser a presigned bucket URL: the
page's Content-Security-Policy stays 'self' only, a listen is logged by the request
that plays it (a presigned URL could be replayed unseen until it expires), and the
same code serves a local folder and a bucket."""

from __future__ import annotations

from flask import Response, request
from werkzeug.datastructures import ContentRange

from voiceapp.storage import FileStore, StoredFile


def send_stored(
    store: FileStore,
    stored: StoredFile,
    *,
    mimetype: str,
    download_name: str | None = None,
) -> Response:
    size = stored.size
    start, stop, status = 0, size, 200
    wanted = request.range
    if_range = request.if_range
    # If-Range: a range of the file the browser already has part of, or else all of it.
    asked_if = if_range.etag is not None or if_range.date is not None
    fresh = not asked_if or if_range.etag == stored.etag
    if wanted is not None and wanted.units == "bytes" and fresh:
        bounds = wanted.range_for_length(size)
        if bounds is None:
            refused = Response(status=416)
            refused.content_range = ContentRange("bytes", None, None, size)
            return refused
        start, stop = bounds
        status = 206
    body = store.read_range(stored.key, start, stop) if request.method != "HEAD" else iter(())
    response = Response(body, status=status, mimetype=mimetype, direct_passthrough=True)
    response.content_length = stop - start
    response.accept_ranges = "bytes"
    response.set_etag(stored.etag)
    response.last_modified = stored.modified
    if status == 206:
        response.content_range = ContentRange("bytes", start, stop, size)
    if download_name is not None:
        response.headers.set("Content-Disposition", "attachment", filename=download_name)
    return response
