"""The IVR menu's pure state machine (voiceapp.ivr.menu): what the caller hears next."""

from __future__ import annotations

from voiceapp.ivr import menu
from voiceapp.ivr.menu import AskLanguage, AskReason, IvrConfig, IvrState, Route, Voicemail

TWO_BY_TWO = IvrConfig(
    languages=("de", "en"),
    case_types=("new_order", "payment_reminder"),
    max_attempts=3,
    is_open=True,
)


def test_a_closed_line_goes_to_voicemail_in_the_first_language():
    state, action = menu.start(IvrConfig(("fr", "en"), ("new_order",), 3, is_open=False))
    assert action == Voicemail("fr", "closed")
    assert state.step == menu.DONE


def test_two_languages_are_asked_first():
    state, action = menu.start(TWO_BY_TWO)
    assert action == AskLanguage(("de", "en"), retry=False)
    assert state == IvrState(step=menu.LANGUAGE)


def test_one_language_and_one_reason_route_at_once():
    state, action = menu.start(IvrConfig(("es",), ("cancellation",), 3, is_open=True))
    assert action == Route("es", "cancellation")
    assert (state.language, state.case_type) == ("es", "cancellation")


def test_one_language_and_several_reasons_ask_the_reason():
    _state, action = menu.start(IvrConfig(("de",), ("a", "b"), 3, is_open=True))
    assert action == AskReason("de", ("a", "b"), retry=False)


def test_the_keys_choose_language_then_reason():
    state, _ = menu.start(TWO_BY_TWO)
    state, action = menu.on_input(state, TWO_BY_TWO, "2")
    assert action == AskReason("en", TWO_BY_TWO.case_types, retry=False)
    state, action = menu.on_input(state, TWO_BY_TWO, "2")
    assert action == Route("en", "payment_reminder")
    assert state.step == menu.DONE


def test_a_wrong_key_repeats_the_menu_and_counts_the_attempt():
    state, _ = menu.start(TWO_BY_TWO)
    state, action = menu.on_input(state, TWO_BY_TWO, "9")
    assert action == AskLanguage(("de", "en"), retry=True)
    assert state.attempts == 1
    state, action = menu.on_input(state, TWO_BY_TWO, None)
    assert action == AskLanguage(("de", "en"), retry=True)
    assert state.attempts == 2


def test_after_the_last_attempt_the_call_goes_on_with_defaults():
    state, _ = menu.start(TWO_BY_TWO)
    state, _ = menu.on_input(state, TWO_BY_TWO, "7")
    state, _ = menu.on_input(state, TWO_BY_TWO, "7")
    state, action = menu.on_input(state, TWO_BY_TWO, "7")
    assert action == AskReason("de", TWO_BY_TWO.case_types, retry=False)  # first language
    state, _ = menu.on_input(state, TWO_BY_TWO, "")
    state, _ = menu.on_input(state, TWO_BY_TWO, "x")
    state, action = menu.on_input(state, TWO_BY_TWO, "3")
    assert action == Route("de", None)  # any reason
    assert state.step == menu.DONE


def test_keys_past_the_options_are_wrong_keys():
    state, _ = menu.start(TWO_BY_TWO)
    _state, action = menu.on_input(state, TWO_BY_TWO, "3")
    assert isinstance(action, AskLanguage) and action.retry


def test_input_after_the_menus_routes_as_decided():
    done = IvrState(step=menu.DONE, language="en", case_type="new_order")
    state, action = menu.on_input(done, TWO_BY_TWO, "1")
    assert state == done
    assert action == Route("en", "new_order")
