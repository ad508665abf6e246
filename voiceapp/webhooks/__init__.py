"""What Twilio requests of us, one module per kind: `voice` (inbound, outbound, fallback:
Twilio asks for TwiML), `callbacks` (status, recording, a softphone call's Dial action:
Twilio reports), `signature` (the X-Twilio-Signature guard every /twilio/ route wears,
the IVR's action URLs in voiceapp.ivr.blueprint included).

Blueprints only parse, call one service, commit and answer; they import services, the IVR's
service and renderer, and telephony's TwiML builders, never models.
"""
