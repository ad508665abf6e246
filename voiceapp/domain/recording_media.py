"""Recording media formats: what a team may keep, and what a stored file is."""

from __future__ import annotations

FORMATS = ("mp3", "wav")
DEFAULT_FORMAT = "mp3"
# What the player is told a stored file is, by the key's extension.
MEDIA_TYPES = {"mp3": "audio/mpeg", "wav": "audio/wav"}
LABELS = {
    "mp3": "MP3 (mono, 32 kbit/s: about 235 KiB a minute, an eighth of a dual-channel WAV)",
    "wav": "WAV (lossless, each party on a channel of its own: 0.9-1.8 MiB a minute)",
}


def format_problem(value: str | None) -> str | None:
    if value not in FORMATS:
        return f"choose one of {', '.join(FORMATS)}"
    return None


def media_type_of(key: str) -> str:
    """The Content-Type of a stored recording: files stored before MP3 were all WAV."""
    extension = key.rsplit(".", 1)[-1].lower() if "." in key else "wav"
    return MEDIA_TYPES.get(extension, "application/octet-stream")
