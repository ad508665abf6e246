"""The whole IVR: what a caller hears and who rings, from the first request to voicemail.

- `menu`: the menu's pure state machine (language, then reason, bounded retries).
- `routing`: who rings, pure (the case owner first, then the longest-idle matching agents).
- `inbound`: the service tying both to the database per CallSid (within the caller's
  transaction, like every service).
- `render`: a step as TwiML with the public URLs Twilio follows.
- `blueprint`: the menu's action URLs (/twilio/ivr/...).

Imports: `menu` and `routing` import only `voiceapp.domain`; `inbound` what services may
(models, services, domain); only `render` and `blueprint` touch Flask. The prompts the
TwiML builders speak stay in `telephony.prompts`, and the agent identity helpers in
`domain.agent_identity`: lower layers use them.
"""
