"""The Twilio simulator: plays Twilio's part against a running voiceapp, so the demo and the
end-to-end tests run whole call flows without a Twilio account.

- `simulator.Simulator`: the account (numbers, TwiML app, calls, recordings), the
  softphones, and the calls it places (inbound customers, browser softphones, REST calls).
- `engine`: one call following the TwiML the app returns, with Twilio's requests and
  callbacks (`transport` signs them like Twilio); `verbs` / `dial`: what each verb does,
  given to the engine as the table in `verb_table`.
- `rest`: Twilio's REST paths the app uses; `control`: the simulator's own endpoints
  (scenario calls, softphones for the browser); `server`: both served over HTTP.
- `clock`: virtual time, so scripted calls take no real time.
"""

from voiceapp.sim.simulator import SimConfig, Simulator

__all__ = ["SimConfig", "Simulator"]
