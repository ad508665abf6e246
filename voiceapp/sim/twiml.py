"""Reading the TwiML the app answers, as Twilio does: a <Response> of known verbs, or the
call ends with an application error (12100 parse failure, 12102 wrong root, 12200 schema
violation such as an unknown verb or a noun where it cannot be)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

# What the simulator follows. Twilio knows more verbs; a document using one of those ends
# the call here with a clear report rather than pretending.
SIMULATED_VERBS = frozenset(
    {"Say", "Play", "Pause", "Gather", "Redirect", "Dial", "Record", "Hangup", "Reject"}
)
OTHER_TWILIO_VERBS = frozenset(
    {
        "Enqueue",
        "Leave",
        "Refer",
        "Connect",
        "Start",
        "Stop",
        "Pay",
        "Prompt",
        "Queue",
        "Sms",
        "Message",
        "Echo",
    }
)
NESTED = {
    "Gather": frozenset({"Say", "Play", "Pause"}),
    "Dial": frozenset({"Client", "Number"}),
    "Say": frozenset(
        {"break", "emphasis", "lang", "p", "phoneme", "prosody", "s", "say-as", "sub", "w"}
    ),
}
UNSIMULATED_NOUNS = frozenset({"Sip", "Conference", "Queue", "Sim", "Application"})


class TwimlError(Exception):
    """The document cannot be executed; Twilio ends the call (or tries the fallback URL)."""

    def __init__(self, code: int, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass
class Verb:
    name: str
    attrs: dict[str, str] = field(default_factory=dict)
    text: str = ""
    children: list[Verb] = field(default_factory=list)

    def int_attr(self, name: str, default: int) -> int:
        raw = self.attrs.get(name)
        try:
            return int(raw) if raw not in (None, "") else default
        except ValueError as exc:
            raise TwimlError(12200, f"<{self.name} {name}={raw!r}> is not a number") from exc

    def describe(self) -> str:
        attrs = " ".join(f'{k}="{v}"' for k, v in self.attrs.items())
        inner = self.text.strip()
        if self.children:
            inner = " ".join(child.describe() for child in self.children)
        head = f"<{self.name}{' ' + attrs if attrs else ''}>"
        return f"{head}{inner[:80]}</{self.name}>" if inner else head


def _element(node: ET.Element, parent: str | None) -> Verb:
    if parent is None:
        if node.tag in OTHER_TWILIO_VERBS:
            raise TwimlError(12200, f"<{node.tag}> is a Twilio verb the simulator does not play")
        if node.tag not in SIMULATED_VERBS:
            raise TwimlError(12200, f"<{node.tag}> is not a TwiML verb")
    elif node.tag not in NESTED.get(parent, ()):
        if parent == "Dial" and node.tag in UNSIMULATED_NOUNS:
            raise TwimlError(12200, f"<Dial><{node.tag}> is not simulated")
        raise TwimlError(12200, f"<{node.tag}> cannot be nested in <{parent}>")
    children = [_element(child, node.tag) for child in node] if node.tag != "Say" else []
    text = "".join(node.itertext()) if node.tag == "Say" else (node.text or "")
    return Verb(node.tag, dict(node.attrib), text.strip(), children)


def parse(body: str) -> list[Verb]:
    if body.startswith((" ", "\n", "\r", "\t")) and body.lstrip().startswith("<?xml"):
        raise TwimlError(12100, "whitespace before the XML declaration")
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise TwimlError(12100, f"document parse failure: {exc}") from exc
    if root.tag != "Response":
        raise TwimlError(12102, f"the root element must be Response, not <{root.tag}>")
    return [_element(node, None) for node in root]
