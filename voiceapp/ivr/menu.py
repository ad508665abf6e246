"""The IVR as a pure state machine: (state, caller's digits) -> (new state, what to do).

The state lives in the database per CallSid; this module only decides. A caller who
presses nothing or a wrong key hears the menu again, at most `max_attempts` times; then
the call goes on with a default (the first language; any reason) rather than hanging up.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

LANGUAGE = "language"
REASON = "reason"
DONE = "done"


@dataclass(frozen=True)
class IvrConfig:
    languages: tuple[str, ...]
    case_types: tuple[str, ...]  # the reasons a caller can choose, in menu order
    max_attempts: int
    is_open: bool


@dataclass(frozen=True)
class IvrState:
    step: str
    language: str | None = None
    case_type: str | None = None
    attempts: int = 0


@dataclass(frozen=True)
class AskLanguage:
    languages: tuple[str, ...]
    retry: bool  # the caller pressed nothing or a wrong key


@dataclass(frozen=True)
class AskReason:
    language: str
    case_types: tuple[str, ...]
    retry: bool


@dataclass(frozen=True)
class Route:
    language: str
    case_type: str | None


@dataclass(frozen=True)
class Voicemail:
    language: str
    reason: str  # "closed" | "no_agent" | "no_answer"


Action = AskLanguage | AskReason | Route | Voicemail


def _default_language(config: IvrConfig) -> str:
    return config.languages[0] if config.languages else "en"


def _after_language(config: IvrConfig, language: str) -> tuple[IvrState, Action]:
    if len(config.case_types) > 1:
        return IvrState(step=REASON, language=language), AskReason(
            language, config.case_types, retry=False
        )
    case_type = config.case_types[0] if config.case_types else None
    return IvrState(step=DONE, language=language, case_type=case_type), Route(language, case_type)


def start(config: IvrConfig) -> tuple[IvrState, Action]:
    if not config.is_open:
        language = _default_language(config)
        return IvrState(step=DONE, language=language), Voicemail(language, "closed")
    if len(config.languages) > 1:
        return IvrState(step=LANGUAGE), AskLanguage(config.languages, retry=False)
    return _after_language(config, _default_language(config))


def _choice(digits: str | None, options: tuple[str, ...]) -> str | None:
    if digits and digits.isdigit() and 1 <= int(digits) <= len(options):
        return options[int(digits) - 1]
    return None


def on_input(state: IvrState, config: IvrConfig, digits: str | None) -> tuple[IvrState, Action]:
    """The caller answered the current menu with `digits` (None: nothing pressed)."""
    if state.step == LANGUAGE:
        language = _choice(digits, config.languages)
        if language is not None:
            return _after_language(config, language)
        attempts = state.attempts + 1
        if attempts >= config.max_attempts:
            return _after_language(config, _default_language(config))
        return replace(state, attempts=attempts), AskLanguage(config.languages, retry=True)

    if state.step == REASON:
        language = state.language or _default_language(config)
        case_type = _choice(digits, config.case_types)
        if case_type is not None:
            return IvrState(step=DONE, language=language, case_type=case_type), Route(
                language, case_type
            )
        attempts = state.attempts + 1
        if attempts >= config.max_attempts:
            return IvrState(step=DONE, language=language), Route(language, None)
        return replace(state, attempts=attempts), AskReason(language, config.case_types, True)

    # Input after the menus are done (a late or replayed request): route as decided.
    language = state.language or _default_language(config)
    return state, Route(language, state.case_type)
