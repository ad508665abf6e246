"""The verbs other than <Dial>: each returns None (go on with the next verb) or where to
go next (kind, url, method, parameters)."""

from __future__ import annotations

from voiceapp.sim.engine import KEY_INTERVAL, WORDS_PER_SECOND, CallEnded, CallerHungUp, CallRun
from voiceapp.sim.parties import Party
from voiceapp.sim.twiml import Verb

PLAY_SECONDS = 5.0
BEEP_SECONDS = 0.5


def _loops(verb: Verb) -> int:
    loop = verb.int_attr("loop", 1)
    return 1 if loop <= 0 else min(loop, 10)  # loop="0" repeats until the call moves on


def say(run: CallRun, verb: Verb, base_url: str):
    words = len(verb.text.split())
    run.spend(max(1.0, words / WORDS_PER_SECOND) * _loops(verb))


def play(run: CallRun, verb: Verb, base_url: str):
    run.spend(PLAY_SECONDS * _loops(verb))


def pause(run: CallRun, verb: Verb, base_url: str):
    run.spend(verb.int_attr("length", 1))


def hangup(run: CallRun, verb: Verb, base_url: str):
    raise CallEnded("completed", "<Hangup>")


def reject(run: CallRun, verb: Verb, base_url: str):
    """https://www.twilio.com/docs/voice/twiml/reject: a first <Reject> never answers the
    call; reason="busy" ends it busy (a busy tone), the default reason="rejected" ends it
    no-answer (a not-in-service message)."""
    if run.parent.answered_at is not None:  # too late to reject: Twilio hangs up
        raise CallEnded("completed", "<Reject> after the call was answered")
    run.flags.add("rejected")
    reason = verb.attrs.get("reason", "rejected")
    status = "busy" if reason == "busy" else "no-answer"
    raise CallEnded(status, f"<Reject reason={reason}>")


def redirect(run: CallRun, verb: Verb, base_url: str):
    from urllib.parse import urljoin

    url = urljoin(base_url, verb.text.strip() or base_url)
    return (
        "redirect",
        url,
        (verb.attrs.get("method") or "POST").upper(),
        run.parent.params("in-progress"),
    )


def gather(run: CallRun, verb: Verb, base_url: str):
    """Prompts play, then the caller presses the scripted keys a second apart. Without
    input by `timeout` Twilio goes on with the next verb; otherwise it requests the action
    with Digits (and the finishing key)."""
    timeout = verb.int_attr("timeout", 5)
    num_digits = verb.int_attr("numDigits", 0)
    finish = verb.attrs.get("finishOnKey", "#")
    for child in verb.children:
        if child.name == "Pause":
            pause(run, child, base_url)
        elif child.name == "Play":
            play(run, child, base_url)
        else:
            say(run, child, base_url)
    keys = ""
    if isinstance(run.caller, Party):
        keys = run.keys_from_person() if run.caller.interactive else run.caller.next_input()
    if keys == "hangup":
        run.spend(KEY_INTERVAL)
        raise CallerHungUp()
    typed, finished_on = "", ""
    complete = False
    for key in keys:
        run.spend(KEY_INTERVAL)
        if finish and key in finish:
            finished_on, complete = key, True
            break
        typed += key
        if num_digits and len(typed) >= num_digits:
            complete = True
            break
    if not complete:
        run.spend(timeout)  # Twilio waits `timeout` seconds after the last key
    if not typed and verb.attrs.get("actionOnEmptyResult", "false").lower() != "true":
        run.note("input", f"no digits within {timeout} s: next verb")
        return None
    run.note("input", f"caller pressed {typed}{finished_on}")
    url, method = run.action_url(verb, base_url)
    params = run.parent.params("in-progress")
    params.update({"Digits": typed, "FinishedOnKey": finished_on})
    return ("action", url, method, params)


def record(run: CallRun, verb: Verb, base_url: str):
    """The caller speaks the scripted message after the beep, then hangs up (what callers
    leaving a voicemail do). Silence: no recording, next verb."""
    if verb.attrs.get("playBeep", "true").lower() != "false":
        run.spend(BEEP_SECONDS)
    max_length = verb.int_attr("maxLength", 3600) or 3600
    timeout = verb.int_attr("timeout", 5)
    speaks = run.caller.message_seconds if isinstance(run.caller, Party) else 0
    if speaks <= 0:
        run.spend(timeout)
        run.recording_callback(
            None, verb, base_url, status="absent", channels=1, source="RecordVerb"
        )
        run.note("input", f"silence for {timeout} s: nothing recorded, next verb")
        return None
    started, began = run.elapsed, run.clock.now()
    hung_up = True
    try:
        run.spend(min(speaks, max_length))
    except CallerHungUp:
        pass
    else:
        hung_up = speaks <= max_length  # a short message ends with the caller hanging up
    length = max(1, round(run.elapsed - started))
    recording = run.new_recording(length, 1, "RecordVerb", started=began)
    run.flags.add("voicemail")
    run.recording_callback(
        recording, verb, base_url, status="completed", channels=1, source="RecordVerb"
    )
    url, method = run.action_url(verb, base_url)
    params = run.parent.params("completed" if hung_up else "in-progress")
    params.update(
        {
            "RecordingUrl": run.recording_url(recording.sid),
            "RecordingSid": recording.sid,
            "RecordingDuration": str(length),
            "Digits": "hangup" if hung_up else "",
        }
    )
    if hung_up:
        run.request("action", url, method, params)
        raise CallerHungUp()
    return ("action", url, method, params)
