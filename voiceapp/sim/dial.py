"""<Dial>: up to 10 <Client>/<Number> legs ring at once, the first to answer wins and the
others are canceled; the bridge lasts until one side hangs up; then the action URL gets
DialCallStatus, DialCallSid, DialCallDuration, DialBridged (and the recording, if any)."""

from __future__ import annotations

from dataclasses import dataclass

from voiceapp.sim.engine import CallerHungUp, CallRun
from voiceapp.sim.legs import Leg, parse_events
from voiceapp.sim.parties import BrowserPhone, Party
from voiceapp.sim.state import CallRecord, new_sid
from voiceapp.sim.twiml import TwimlError, Verb

MAX_NOUNS = 10
RECORDING_MODES = {
    "record-from-answer": 1,
    "record-from-ringing": 1,
    "true": 1,
    "record-from-answer-dual": 2,
    "record-from-ringing-dual": 2,
}


@dataclass
class Ringing:
    leg: Leg
    who: Party | BrowserPhone | None  # None: nobody there (an unregistered client)
    answer_at: float | None = None  # dial time a scripted party answers
    reject_at: float | None = None
    state: str = "ringing"


def _noun_target(noun: Verb) -> str:
    address = noun.text.strip()
    if noun.name == "Client":
        identity = noun.attrs.get("identity") or address
        return f"client:{identity}"
    return address


def _open_leg(run: CallRun, noun: Verb, caller_id: str) -> Ringing:
    to = _noun_target(noun)
    record = CallRecord(
        sid=new_sid("CA"),
        account_sid=run.sim.account.sid,
        from_=caller_id,
        to=to,
        direction="outbound-dial",
        parent_sid=run.parent.sid,
        status="queued",
    )
    with run.sim.account.lock:
        run.sim.account.calls[record.sid] = record
    leg = Leg(
        record,
        callback_url=noun.attrs.get("statusCallback"),
        callback_method=(noun.attrs.get("statusCallbackMethod") or "POST").upper(),
        events=parse_events(noun.attrs.get("statusCallbackEvent")),
    )
    run.children.append(leg)
    if to.startswith("client:"):
        who = run.sim.phones.who(to.removeprefix("client:"), run.agents)
    else:
        who = run.sim.callee(to, run.callees)
    return Ringing(leg, who)


def _start_ringing(run: CallRun, ring: Ringing) -> None:
    ring.leg.emit(run, "initiated", "initiated")
    who = ring.who
    if isinstance(who, Party):
        if who.answers in ("busy", "fail"):
            _end(run, ring, "busy" if who.answers == "busy" else "failed")
            return
        if who.answers == "answer":
            ring.answer_at = who.answer_after
        elif who.answers == "reject":
            ring.reject_at = who.answer_after
    ring.leg.emit(run, "ringing", "ringing")
    if isinstance(who, BrowserPhone):
        with who.lock:
            who.calls[ring.leg.sid] = run.events
        run.persons += 1
        params = ring.leg.params("ringing")
        who.push({"type": "incoming", "call_sid": ring.leg.sid, "parameters": params})
    run.note("ring", f"{ring.leg.record.to} rings ({_who(who)})")


def _who(who) -> str:
    if isinstance(who, BrowserPhone):
        return "browser softphone"
    if isinstance(who, Party):
        return f"scripted: {who.answers}" + (
            f" after {who.answer_after:g} s" if who.answers in ("answer", "reject") else ""
        )
    return "nobody registered"


def _end(run: CallRun, ring: Ringing, status: str) -> None:
    ring.state = status
    ring.leg.emit(run, status, "completed")
    if isinstance(ring.who, BrowserPhone):
        kind = "cancel" if status in ("canceled", "no-answer") else "disconnect"
        ring.who.push({"type": kind, "call_sid": ring.leg.sid})
        with ring.who.lock:
            ring.who.calls.pop(ring.leg.sid, None)
        run.persons -= 1
    run.note("leg", f"{ring.leg.record.to}: {status}")


def _ring(run: CallRun, rings: list[Ringing], timeout: int) -> Ringing | None:
    """Until one answers, all end, or the timeout. Returns the winner."""
    started = run.elapsed
    while True:
        ringing = [r for r in rings if r.state == "ringing"]
        if not ringing:
            return None
        now = run.elapsed - started
        if now >= timeout - 1e-9:
            return None
        moments = [t for r in ringing for t in (r.answer_at, r.reject_at) if t is not None]
        step = min([*moments, timeout]) - now
        event = run.wait_event(max(0.0, step))
        now = run.elapsed - started
        if event is not None:
            _, sid, action = event
            ring = next((r for r in ringing if r.leg.sid == sid), None)
            if ring is None:
                continue
            if action == "answer":
                return ring
            _end(run, ring, "busy")  # rejected (or hung up while ringing)
            continue
        due = sorted(
            (t, i)
            for i, r in enumerate(ringing)
            for t in (r.answer_at, r.reject_at)
            if t is not None and t <= now + 1e-9
        )
        for _, i in due:
            ring = ringing[i]
            if ring.answer_at is not None and ring.answer_at <= now + 1e-9:
                return ring
            _end(run, ring, "busy")


def _talk(run: CallRun, winner: Ringing, time_limit: int) -> bool:
    """The bridge. True when the caller hung up, False when the dialled party did."""
    limits = [float(time_limit)]
    callee_talks = winner.who.talk_seconds if isinstance(winner.who, Party) else None
    caller_talks = run.caller.talk_seconds if isinstance(run.caller, Party) else None
    limits += [t for t in (callee_talks, caller_talks) if t is not None]
    talk = min(limits)
    caller_ends = caller_talks is not None and caller_talks == talk and callee_talks != talk
    bridged = run.elapsed
    try:
        while True:
            event = run.wait_event(max(0.0, bridged + talk - run.elapsed))
            if event is None:
                if caller_ends:
                    raise CallerHungUp()
                return False
            _, sid, action = event
            if sid == winner.leg.sid and action in ("hangup", "reject"):
                return False
    except CallerHungUp:
        return True


@dataclass
class Outcome:
    status: str  # DialCallStatus
    winner: Ringing | None
    last: Ringing
    talked: int = 0
    caller_left: bool = False
    recording: object = None


def _bridge(run: CallRun, verb: Verb, base_url: str, winner: Ringing, time_limit: int):
    """Connected until one side hangs up; then the recording. Returns (talked seconds,
    caller left, recording)."""
    winner.state = "in-progress"
    winner.leg.emit(run, "in-progress", "answered")
    if isinstance(winner.who, BrowserPhone):
        winner.who.push({"type": "accept", "call_sid": winner.leg.sid})
    if isinstance(run.caller, BrowserPhone):
        run.caller.push({"type": "accept", "call_sid": run.parent.sid})
    run.flags.add("bridged")
    run.note("bridge", f"connected to {winner.leg.record.to}")
    started, began = run.elapsed, run.clock.now()
    caller_left = _talk(run, winner, time_limit)
    talked = round(run.elapsed - started)
    who = "caller" if caller_left else winner.leg.record.to
    run.note("bridge", f"{who} hung up after {talked} s")
    _end(run, winner, "completed")
    channels = RECORDING_MODES.get(verb.attrs.get("record", "do-not-record"))
    recording = None
    if channels:
        recording = run.new_recording(talked, channels, "DialVerb", started=began)
        run.recording_callback(
            recording, verb, base_url, status="completed", channels=channels, source="DialVerb"
        )
    return talked, caller_left, recording


def _unanswered_status(rings: list[Ringing], caller_left: bool) -> str:
    states = {r.state for r in rings}
    if caller_left or "no-answer" in states or "canceled" in states:
        return "no-answer"
    return "failed" if states == {"failed"} else "busy"


def _action_params(run: CallRun, outcome: Outcome) -> dict:
    params = run.parent.params("completed" if outcome.caller_left else "in-progress")
    params.update(
        {
            "DialCallStatus": outcome.status,
            "DialCallSid": outcome.last.leg.sid,
            "DialCallDuration": str(outcome.talked),
            "DialBridged": "true" if outcome.winner else "false",
        }
    )
    if outcome.recording is not None:
        params.update(
            {
                "RecordingUrl": run.recording_url(outcome.recording.sid),
                "RecordingSid": outcome.recording.sid,
                "RecordingDuration": str(outcome.recording.duration),
            }
        )
    return params


def _dial(run: CallRun, verb: Verb, base_url: str) -> Outcome:
    nouns = verb.children or ([Verb("Number", text=verb.text)] if verb.text.strip() else [])
    if not nouns:
        raise TwimlError(12200, "<Dial> has nothing to dial")
    if len(nouns) > MAX_NOUNS:
        raise TwimlError(12200, f"<Dial> can ring at most {MAX_NOUNS} nouns, got {len(nouns)}")
    caller_id = verb.attrs.get("callerId") or run.parent.record.from_
    run.flags.add("dialled")
    rings = [_open_leg(run, noun, caller_id) for noun in nouns]
    caller_left, winner = False, None
    try:
        for ring in rings:
            _start_ringing(run, ring)
        winner = _ring(run, rings, verb.int_attr("timeout", 30))
    except CallerHungUp:
        caller_left = True
    for ring in rings:
        if ring.state == "ringing" and ring is not winner:
            _end(run, ring, "canceled" if (winner or caller_left) else "no-answer")
    if winner is None:
        status = _unanswered_status(rings, caller_left)
        run.flags.add("hung-up-ringing" if caller_left else "dial-unanswered")
        run.dial_status = status
        return Outcome(status, None, rings[-1], caller_left=caller_left)
    talked, caller_left, recording = _bridge(
        run, verb, base_url, winner, verb.int_attr("timeLimit", 14400)
    )
    return Outcome("completed", winner, winner, talked, caller_left, recording)


def run_dial(run: CallRun, verb: Verb, base_url: str):
    outcome = _dial(run, verb, base_url)
    if not verb.attrs.get("action"):
        if outcome.caller_left:
            raise CallerHungUp()
        return None  # no action: the document goes on
    url, method = run.action_url(verb, base_url)
    params = _action_params(run, outcome)
    if outcome.caller_left:  # Twilio still requests the action; its TwiML is ignored
        run.request("action", url, method, params)
        raise CallerHungUp()
    return ("action", url, method, params)
