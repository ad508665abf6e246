"""Calls placed through the REST API (POST .../Calls.json, Direction=outbound-api): Twilio
rings `To`; if it answers, the TwiML at `Url` (or the inline `Twiml`) plays to it."""

from __future__ import annotations

import threading

from voiceapp.sim.engine import CallRun
from voiceapp.sim.legs import parse_events
from voiceapp.sim.parties import Party
from voiceapp.sim.state import CallRecord
from voiceapp.sim.verb_table import VERBS


def place_api_call(sim, form: dict, *, wait: bool) -> CallRecord:
    record = sim._new_record(form["From"], form["To"], "outbound-api")
    record.status = "queued"
    to = form["To"]
    if to.startswith("client:"):
        callee = sim.phones.who(to.removeprefix("client:"), {})
        callee = callee if isinstance(callee, Party) else Party(answers="no-answer")
    else:
        callee = sim.callee(to, {})
    run = CallRun(sim, record, caller=callee, verbs=VERBS)
    run.parent.callback_url = form.get("StatusCallback")
    run.parent.callback_method = (form.get("StatusCallbackMethod") or "POST").upper()
    run.parent.events = parse_events(form.get("StatusCallbackEvent"))
    run.note("call", f"REST API: {form['From']} calls {to}")

    def go():
        sim.runs[record.sid] = run
        try:
            _ring_then_follow(run, callee, form)
        finally:
            sim._remember(run)

    if wait:
        go()
    else:
        threading.Thread(target=go, daemon=True).start()
    return record


def _ring_then_follow(run: CallRun, callee: Party, form: dict) -> None:
    run.parent.emit(run, "initiated", "initiated")
    if callee.answers in ("busy", "fail"):
        run.final_status = "busy" if callee.answers == "busy" else "failed"
        run.finish()
        return
    run.parent.emit(run, "ringing", "ringing")
    timeout = int(form.get("Timeout") or 60)
    if callee.answers != "answer" or callee.answer_after >= timeout:
        run.clock.advance(min(timeout, callee.answer_after))
        run.final_status = "busy" if callee.answers == "reject" else "no-answer"
        run.finish()
        return
    run.clock.advance(callee.answer_after)
    run.answer()
    if form.get("Twiml"):
        from voiceapp.sim.engine import AppError, Document
        from voiceapp.sim.twiml import TwimlError, parse

        try:
            document = Document(form.get("Url") or run.sim.config.app_url, parse(form["Twiml"]))
        except TwimlError as exc:
            run.parent.record.error = str(AppError(exc.code, exc.message))
            run.flags.add("app-error")
            run.finish()
            return
        run.run_document(document)
        return
    first = (form["Url"], (form.get("Method") or "POST").upper(), run.parent.params("in-progress"))
    fallback = (form["FallbackUrl"], "POST") if form.get("FallbackUrl") else None
    run.run(first, fallback)
