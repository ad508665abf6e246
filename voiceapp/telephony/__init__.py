"""The Twilio side that is not HTTP routing: credentials, signature checks, TwiML builders,
access tokens and the REST adapter."""
