"""The simulator follows TwiML as Twilio does, against a stand-in app that answers chosen
documents: gathers (timeout, finishOnKey, numDigits), redirects, dials (first to answer
wins, busy, no answer, failure), records, hangs up, rejects; an unknown verb or invalid XML
ends the call with Twilio's error code, after trying the fallback URL."""

from __future__ import annotations

import pytest

from tests.sim.conftest import CUSTOMER, OUR_NUMBER
from voiceapp.sim.parties import Party


def statuses(stub, path="/status", call_sid=None) -> list[tuple[str, str]]:
    return [
        (r["form"]["CallStatus"], r["form"]["SequenceNumber"])
        for r in stub.kinds(path)
        if call_sid is None or r["form"]["CallSid"] == call_sid
    ]


def gather_doc(url, **attrs) -> str:
    extra = " ".join(f'{k}="{v}"' for k, v in attrs.items())
    return (
        f'<Response><Gather action="{url}/menu" {extra}><Say>Press a key</Say></Gather>'
        f"<Say>Nothing pressed</Say><Redirect>{url}/nothing</Redirect></Response>"
    )


def test_gather_sends_the_digits_to_its_action(stubbed):
    stubbed.stub.on("/voice", gather_doc(stubbed.url, numDigits="1"))
    stubbed.stub.on("/menu", "<Response><Hangup/></Response>")
    run = stubbed.sim.inbound_call(CUSTOMER, OUR_NUMBER, caller=Party(digits=["2"]))
    (menu,) = stubbed.stub.kinds("/menu")
    assert menu["form"]["Digits"] == "2"
    assert menu["form"]["CallStatus"] == "in-progress"
    assert stubbed.stub.kinds("/nothing") == []
    assert run.parent.record.status == "completed"


def test_gather_without_input_goes_on_with_the_next_verb_after_its_timeout(stubbed):
    stubbed.stub.on("/voice", gather_doc(stubbed.url, timeout="7"))
    stubbed.stub.on("/nothing", "<Response><Hangup/></Response>")
    run = stubbed.sim.inbound_call(CUSTOMER, OUR_NUMBER, caller=Party(digits=[]))
    assert stubbed.stub.kinds("/menu") == []
    assert len(stubbed.stub.kinds("/nothing")) == 1
    # "Press a key" (3 words: 1.2 s) + 7 s of waiting + "Nothing pressed" (1 s), then the
    # redirect.
    redirect = next(e for e in run.log if e["text"].startswith("POST") and "/nothing" in e["text"])
    assert redirect["t"] == pytest.approx(9.2)


def test_gather_with_action_on_empty_result_requests_its_action_without_input(stubbed):
    stubbed.stub.on("/voice", gather_doc(stubbed.url, actionOnEmptyResult="true"))
    stubbed.sim.inbound_call(CUSTOMER, OUR_NUMBER, caller=Party(digits=[]))
    (menu,) = stubbed.stub.kinds("/menu")
    assert menu["form"]["Digits"] == ""
    assert stubbed.stub.kinds("/nothing") == []


def test_gather_ends_on_the_finish_key_which_is_not_part_of_the_digits(stubbed):
    stubbed.stub.on("/voice", gather_doc(stubbed.url, finishOnKey="#", timeout="5"))
    stubbed.sim.inbound_call(CUSTOMER, OUR_NUMBER, caller=Party(digits=["1234#"]))
    (menu,) = stubbed.stub.kinds("/menu")
    assert (menu["form"]["Digits"], menu["form"]["FinishedOnKey"]) == ("1234", "#")


def test_gather_without_the_finish_key_submits_after_the_timeout(stubbed):
    stubbed.stub.on("/voice", gather_doc(stubbed.url, finishOnKey="#", timeout="5"))
    run = stubbed.sim.inbound_call(CUSTOMER, OUR_NUMBER, caller=Party(digits=["12"]))
    (menu,) = stubbed.stub.kinds("/menu")
    assert (menu["form"]["Digits"], menu["form"]["FinishedOnKey"]) == ("12", "")
    sent = next(e for e in run.log if "/menu" in e["text"] and e["kind"] == "request")
    assert sent["t"] == pytest.approx(1.2 + 2 + 5)  # prompt, two keys, timeout


def test_an_unknown_verb_ends_the_call_with_an_application_error(stubbed):
    stubbed.stub.on("/voice", "<Response><Say>Hi</Say><Dance/></Response>")
    stubbed.stub.on("/fallback", "<Response><Dance/></Response>")
    run = stubbed.sim.inbound_call(CUSTOMER, OUR_NUMBER)
    assert run.parent.record.outcome == "application error"
    assert "12200" in run.parent.record.error and "<Dance>" in run.parent.record.error
    # The fallback URL was tried with the error, then the call ended; no <Say> was played.
    (fallback,) = stubbed.stub.kinds("/fallback")
    assert fallback["form"]["ErrorCode"] == "12200"
    assert fallback["form"]["ErrorUrl"] == f"{stubbed.url}/voice"
    assert not [e for e in run.log if e["kind"] == "verb"]
    assert statuses(stubbed.stub) == [("completed", "0")]


def test_invalid_xml_is_a_parse_failure_and_the_fallback_takes_over(stubbed):
    stubbed.stub.on("/voice", "<Response><Say>unclosed</Response>")
    stubbed.stub.on("/fallback", "<Response><Say>Sorry</Say><Hangup/></Response>")
    run = stubbed.sim.inbound_call(CUSTOMER, OUR_NUMBER)
    assert stubbed.stub.kinds("/fallback")[0]["form"]["ErrorCode"] == "12100"
    assert run.parent.record.outcome == "ended by the app"
    assert [e["text"] for e in run.log if e["kind"] == "verb"] == ["<Say>Sorry</Say>", "<Hangup>"]


def test_a_wrong_root_element_and_an_error_status_are_reported(stubbed):
    stubbed.sim.account.number(OUR_NUMBER).voice_fallback_url = None
    stubbed.stub.on("/voice", "<Reply><Say>Hi</Say></Reply>")
    run = stubbed.sim.inbound_call(CUSTOMER, OUR_NUMBER)
    assert run.parent.record.error.startswith("12102")
    stubbed.stub.on("/voice", ("oops", 500))
    run = stubbed.sim.inbound_call(CUSTOMER, OUR_NUMBER)
    assert run.parent.record.error.startswith("11200")


def test_reject_leaves_the_call_unanswered_and_busy(stubbed):
    stubbed.stub.on("/voice", '<Response><Reject reason="busy"/></Response>')
    run = stubbed.sim.inbound_call(CUSTOMER, OUR_NUMBER)
    assert run.parent.record.status == "busy"
    (final,) = stubbed.stub.kinds("/status")
    assert final["form"]["CallDuration"] == "0"


def dial_doc(url, nouns: str, **attrs) -> str:
    extra = " ".join(f'{k}="{v}"' for k, v in attrs.items())
    return f'<Response><Dial action="{url}/dialled" {extra}>{nouns}</Dial></Response>'


def client(identity: str, url: str) -> str:
    return (
        f'<Client statusCallback="{url}/leg" '
        f'statusCallbackEvent="initiated ringing answered completed">{identity}</Client>'
    )


def test_the_first_client_to_answer_wins_and_the_others_are_canceled(stubbed):
    url = stubbed.url
    stubbed.stub.on(
        "/voice",
        dial_doc(
            url,
            client("agent_1", url) + client("agent_2", url) + client("agent_3", url),
            timeout="20",
        ),
    )
    agents = {
        "agent_1": Party(answer_after=9),
        "agent_2": Party(answer_after=4, talk_seconds=30),
        "agent_3": Party(answers="reject", answer_after=2),
    }
    run = stubbed.sim.inbound_call(
        CUSTOMER, OUR_NUMBER, caller=Party(talk_seconds=60), agents=agents
    )
    legs = {leg.record.to: leg for leg in run.children}
    assert legs["client:agent_2"].record.status == "completed"
    assert legs["client:agent_1"].record.status == "canceled"
    assert legs["client:agent_3"].record.status == "busy"
    (dialled,) = stubbed.stub.kinds("/dialled")
    assert dialled["form"]["DialCallStatus"] == "completed"
    assert dialled["form"]["DialCallSid"] == legs["client:agent_2"].sid
    assert dialled["form"]["DialCallDuration"] == "30"  # the agent hung up first
    assert dialled["form"]["DialBridged"] == "true"
    winner = legs["client:agent_2"].sid
    assert statuses(stubbed.stub, "/leg", winner) == [
        ("initiated", "0"),
        ("ringing", "1"),
        ("in-progress", "2"),
        ("completed", "3"),
    ]
    assert all(r["form"]["ParentCallSid"] == run.parent.sid for r in stubbed.stub.kinds("/leg"))


def test_nobody_answering_rings_out_after_the_dial_timeout(stubbed):
    url = stubbed.url
    stubbed.stub.on("/voice", dial_doc(url, client("agent_1", url), timeout="12"))
    run = stubbed.sim.inbound_call(
        CUSTOMER, OUR_NUMBER, agents={"agent_1": Party(answers="no-answer")}
    )
    (dialled,) = stubbed.stub.kinds("/dialled")
    assert dialled["form"]["DialCallStatus"] == "no-answer"
    assert dialled["form"]["DialBridged"] == "false"
    sent = next(e for e in run.log if e["kind"] == "request" and "/dialled" in e["text"])
    assert sent["t"] == pytest.approx(12)
    assert run.children[0].record.status == "no-answer"


@pytest.mark.parametrize(
    ("answers", "dial_status"),
    [("busy", "busy"), ("fail", "failed"), ("no-answer", "no-answer"), ("answer", "completed")],
)
def test_a_dialled_customer_number_behaves_as_the_scenario_says(stubbed, answers, dial_status):
    url = stubbed.url
    stubbed.stub.on(
        "/voice",
        dial_doc(url, "<Number>+4917612345678</Number>", callerId=OUR_NUMBER, timeout="15"),
    )
    callee = Party(answers=answers, answer_after=5, talk_seconds=20)
    run = stubbed.sim.inbound_call(CUSTOMER, OUR_NUMBER, callees={"+4917612345678": callee})
    (dialled,) = stubbed.stub.kinds("/dialled")
    assert dialled["form"]["DialCallStatus"] == dial_status
    assert run.children[0].record.from_ == OUR_NUMBER  # callerId
    if answers == "answer":
        assert dialled["form"]["DialCallDuration"] == "20"


def test_more_than_ten_nouns_is_a_schema_error(stubbed):
    url = stubbed.url
    stubbed.sim.account.number(OUR_NUMBER).voice_fallback_url = None
    stubbed.stub.on("/voice", dial_doc(url, "".join(client(f"agent_{i}", url) for i in range(11))))
    run = stubbed.sim.inbound_call(CUSTOMER, OUR_NUMBER)
    assert run.parent.record.error.startswith("12200")
    assert run.children == []


def test_a_caller_who_hangs_up_after_n_seconds_leaves_during_the_ringing(stubbed):
    url = stubbed.url
    stubbed.stub.on(
        "/voice", "<Response><Say>One moment</Say>" + dial_doc(url, client("agent_1", url))[10:]
    )
    run = stubbed.sim.inbound_call(
        CUSTOMER,
        OUR_NUMBER,
        caller=Party(hangup_after=8),
        agents={"agent_1": Party(answers="no-answer")},
    )
    assert run.parent.record.outcome == "hung up while ringing"
    assert run.children[0].record.status == "canceled"
    (dialled,) = stubbed.stub.kinds("/dialled")  # requested, its TwiML ignored
    assert dialled["form"]["CallStatus"] == "completed"
    (final,) = stubbed.stub.kinds("/status")
    assert final["form"]["CallDuration"] == "8"


def test_record_sends_the_message_to_its_action_and_the_recording_callback(stubbed):
    url = stubbed.url
    stubbed.stub.on(
        "/voice",
        f'<Response><Say>Leave a message</Say><Record action="{url}/recorded" maxLength="60" '
        f'recordingStatusCallback="{url}/recording" '
        'recordingStatusCallbackEvent="completed absent"/>'
        "<Say>Nothing recorded</Say></Response>",
    )
    run = stubbed.sim.inbound_call(CUSTOMER, OUR_NUMBER, caller=Party(message_seconds=14))
    (recorded,) = stubbed.stub.kinds("/recorded")
    assert recorded["form"]["RecordingDuration"] == "14"
    assert recorded["form"]["Digits"] == "hangup"
    (callback,) = stubbed.stub.kinds("/recording")
    form = callback["form"]
    assert (form["RecordingStatus"], form["RecordingSource"], form["RecordingChannels"]) == (
        "completed",
        "RecordVerb",
        "1",
    )
    assert form["RecordingSid"] == recorded["form"]["RecordingSid"]
    assert form["CallSid"] == run.parent.sid
    assert run.parent.record.outcome == "voicemail"


def test_record_with_silence_skips_the_action(stubbed):
    url = stubbed.url
    stubbed.stub.on(
        "/voice",
        f'<Response><Record action="{url}/recorded" recordingStatusCallback="{url}/recording" '
        f'recordingStatusCallbackEvent="completed absent"/><Say>Goodbye</Say></Response>',
    )
    run = stubbed.sim.inbound_call(CUSTOMER, OUR_NUMBER, caller=Party(message_seconds=0))
    assert stubbed.stub.kinds("/recorded") == []
    assert stubbed.stub.kinds("/recording")[0]["form"]["RecordingStatus"] == "absent"
    assert "call ends: end of the TwiML document" in [e["text"] for e in run.log]


def test_relative_urls_and_get_actions_are_resolved_and_signed(stubbed):
    stubbed.stub.on("/voice", '<Response><Redirect method="GET">next?step=2</Redirect></Response>')
    stubbed.stub.on("/next", "<Response><Hangup/></Response>")
    stubbed.sim.inbound_call(CUSTOMER, OUR_NUMBER)
    (nxt,) = stubbed.stub.kinds("/next")
    assert nxt["method"] == "GET"
    assert nxt["args"]["step"] == "2" and nxt["args"]["CallSid"]


def test_a_connection_failure_is_tried_twice_with_the_same_token_then_the_fallback(stubbed):
    """A listener that drops every connection: Twilio tries twice, then the fallback URL."""
    import socket
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    accepted = []

    def drop():
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            accepted.append(connection.recv(65536))
            connection.close()

    threading.Thread(target=drop, daemon=True).start()
    number = stubbed.sim.account.number(OUR_NUMBER)
    number.voice_url = f"http://127.0.0.1:{listener.getsockname()[1]}/voice"
    stubbed.stub.on("/fallback", "<Response><Hangup/></Response>")
    try:
        run = stubbed.sim.inbound_call(CUSTOMER, OUR_NUMBER)
    finally:
        listener.close()
    assert len(accepted) == 2
    tokens = {
        line.split(b": ", 1)[1]
        for request in accepted
        for line in request.split(b"\r\n")
        if line.lower().startswith(b"i-twilio-idempotency-token")
    }
    assert len(tokens) == 1
    (fallback,) = stubbed.stub.kinds("/fallback")
    assert fallback["form"]["ErrorCode"] == "11205"
    assert run.parent.record.outcome == "ended by the app"
