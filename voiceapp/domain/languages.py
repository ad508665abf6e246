"""Languages by their ISO 639-1 codes, as the team's settings, members and cases store them."""

from __future__ import annotations

# The names of the languages a team is likely to offer; others show as their code.
LANGUAGE_NAMES = {
    "de": "German",
    "en": "English",
    "es": "Spanish",
    "fr": "French",
    "it": "Italian",
    "nl": "Dutch",
    "pl": "Polish",
    "pt": "Portuguese",
    "tr": "Turkish",
}


def language_label(code: str | None) -> str:
    """ "German (de)"; a code we have no name for shows as itself."""
    if not code:
        return ""
    name = LANGUAGE_NAMES.get(code)
    return f"{name} ({code})" if name else code
