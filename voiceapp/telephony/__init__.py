"""The Twilio side that is not HTTP routing: credentials, TwiML builders and the prompts
they speak, access tokens, public URLs and the REST adapter. Used by services, the IVR and
the webhooks; imports services only for the team's saved credentials."""
