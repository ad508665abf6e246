// The softphone bar on every panel page (templates/calls/_softphone_bar.html): presence with
// its heartbeat, the incoming-call card with a ringing tone, the call in progress (timer,
// mute, keypad tones, hang up, microphone and speaker), the dial pad with its country
// picker, and click-to-call on every number link (data-call).
//
// One script for both devices, which have the same shape: Twilio.Device from the Voice
// JavaScript SDK (served from /static/vendor/), or in demo mode VoiceappSimDevice
// (softphone-sim.js) against the project's Twilio simulator. Used from them: new
// Device(token, options), on(registered | error | incoming | tokenWillExpire), register(),
// connect({params}), updateToken(token), audio.setInputDevice / speakerDevices.set; calls:
// parameters, on(accept | disconnect | cancel | reject | error), accept(), reject(),
// disconnect(), mute(bool), isMuted(), sendDigits(digits).
//
// Navigation: a page change would end the call (the audio lives in this page), so during a
// call links open in a new tab and leaving the page asks first; the new tab sees the call
// held here (localStorage) and starts its own softphone only when the call has ended.
// Presence is the server's, so it is the same on every page. The page's
// Content-Security-Policy allows no inline script: all of it is here.
(function () {
  "use strict";

  const root = document.getElementById("softphone");
  if (!root) {
    return;
  }
  const data = root.dataset;
  const csrfMeta = document.querySelector('meta[name="csrf-token"]');
  const csrfToken = csrfMeta ? csrfMeta.content : "";
  const el = (id) => document.getElementById(id);
  const ui = {
    presence: el("presence-status"),
    presenceToggle: el("presence-toggle"),
    status: el("call-status"),
    dialToggle: el("dial-toggle"),
    dialPad: el("dial-pad"),
    incoming: el("incoming"),
    incomingFrom: el("incoming-from"),
    incomingContact: el("incoming-contact"),
    incomingFacts: el("incoming-facts"),
    answer: el("answer-button"),
    reject: el("reject-button"),
    inCall: el("in-call"),
    inCallWho: el("in-call-who"),
    inCallFacts: el("in-call-facts"),
    timer: el("call-timer"),
    mute: el("mute-button"),
    hold: el("hold-button"),
    keypad: el("keypad-button"),
    hangup: el("hangup-button"),
    sentDigits: el("sent-digits"),
  };

  const state = {
    device: null,
    ready: false,
    call: null, // the call in progress
    pending: null, // the call ringing
    afterCall: null, // where to go once the call ends (the case's outcome form)
    timer: null,
    heartbeat: null,
    presence: data.presence,
    tokenRefreshes: 0,
  };

  function say(text) {
    ui.status.textContent = text;
  }

  async function apiErrorText(response) {
    try {
      const body = await response.json();
      const fields = body.errors && (body.errors.query || body.errors.json);
      if (fields) {
        return Object.values(fields).flat().join("; ");
      }
      return body.message || response.statusText;
    } catch (ignored) {
      return response.statusText || "HTTP " + response.status;
    }
  }

  function api(url, options) {
    const headers = { Accept: "application/json", "X-CSRFToken": csrfToken };
    if (options && options.body) {
      headers["Content-Type"] = "application/json";
    }
    return fetch(url, Object.assign({ credentials: "same-origin", headers: headers }, options));
  }

  // --- readable errors ---------------------------------------------------------------------

  // Twilio's error codes (twilio.com/docs/api/errors) the agent can act on, in words.
  const NETWORK_CODES = [31005, 31009, 53000, 53405, 31003];
  const TOKEN_CODES = [20101, 20104, 20157, 31204, 31205, 31206];
  const MICROPHONE_CODES = [31208, 31401, 31402];

  function describeError(error) {
    const code = error && (error.code || (error.twilioError && error.twilioError.code));
    if (NETWORK_CODES.indexOf(code) !== -1) {
      return (
        "The softphone cannot reach Twilio (no network, or a firewall blocks Twilio's voice " +
        "servers): calls cannot ring in this browser. It keeps trying."
      );
    }
    if (TOKEN_CODES.indexOf(code) !== -1) {
      return "Twilio refused this browser's access token: reload the page, or ask your admin to check the Telephony settings.";
    }
    if (MICROPHONE_CODES.indexOf(code) !== -1) {
      return "The browser did not allow the microphone: allow it for this site to call.";
    }
    const message = (error && (error.message || error.description)) || "unknown error";
    return "Softphone error: " + message + (code ? " (Twilio error " + code + ")" : "");
  }

  // --- presence and its heartbeat -----------------------------------------------------------

  function showPresence(status) {
    state.presence = status;
    root.dataset.presence = status;
    ui.presence.textContent = status;
    ui.presence.className = "presence presence-" + status;
    ui.presenceToggle.dataset.status = status;
    ui.presenceToggle.textContent = status === "offline" ? "Go online" : "Go offline";
    keepHeartbeat();
  }

  async function setPresence(status) {
    ui.presenceToggle.disabled = true;
    try {
      const response = await api(data.presenceUrl, {
        method: "PUT",
        body: JSON.stringify({ status: status }),
      });
      if (!response.ok) {
        say("Could not change your presence: " + (await apiErrorText(response)));
        return;
      }
      const presence = await response.json();
      showPresence(presence.status);
      say(presence.status === "online" ? "You are online." : "You are offline.");
    } catch (error) {
      say("Could not change your presence: the server did not answer.");
    } finally {
      ui.presenceToggle.disabled = false;
    }
  }

  async function beat() {
    try {
      const response = await api(data.heartbeatUrl, { method: "POST" });
      if (!response.ok) {
        return;
      }
      const presence = await response.json();
      if (presence.status === "offline" && state.presence !== "offline") {
        say("You were taken offline: this browser had not been heard from. Go online again to take calls.");
      }
      if (presence.status !== state.presence) {
        showPresence(presence.status);
      }
    } catch (ignored) {
      // The network is gone: without heartbeats the server takes the agent offline.
    }
  }

  // While the agent is not offline the browser says every few seconds that it is still
  // there; a closed tab or a lost network stops it, and the server lets the presence expire.
  function keepHeartbeat() {
    const wanted = state.presence !== "offline";
    if (wanted && !state.heartbeat) {
      const seconds = parseInt(data.heartbeatSeconds, 10) || 20;
      state.heartbeat = window.setInterval(beat, seconds * 1000);
    } else if (!wanted && state.heartbeat) {
      window.clearInterval(state.heartbeat);
      state.heartbeat = null;
    }
  }

  ui.presenceToggle.addEventListener("click", function () {
    setPresence(ui.presenceToggle.dataset.status === "offline" ? "online" : "offline");
  });

  // --- the ringing tone (WebAudio: no sound file) -------------------------------------------

  let audioContext = null;
  let ringTimer = null;

  // Browsers let a page play sound only after the person did something on it.
  function unlockAudio() {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!audioContext && Context) {
      audioContext = new Context();
    }
    if (audioContext && audioContext.state === "suspended") {
      audioContext.resume().catch(function () {});
    }
  }
  document.addEventListener("pointerdown", unlockAudio);
  document.addEventListener("keydown", unlockAudio);

  function ringOnce() {
    if (!audioContext || audioContext.state !== "running") {
      return;
    }
    // The European ring: 425 Hz, one second on, four off.
    const now = audioContext.currentTime;
    const tone = audioContext.createOscillator();
    const gain = audioContext.createGain();
    tone.frequency.value = 425;
    gain.gain.setValueAtTime(0, now);
    gain.gain.linearRampToValueAtTime(0.2, now + 0.02);
    gain.gain.setValueAtTime(0.2, now + 0.98);
    gain.gain.linearRampToValueAtTime(0, now + 1);
    tone.connect(gain).connect(audioContext.destination);
    tone.start(now);
    tone.stop(now + 1.05);
  }

  function startRinging() {
    root.dataset.ringing = "yes";
    if (!ringTimer) {
      ringOnce();
      ringTimer = window.setInterval(ringOnce, 5000);
    }
  }

  function stopRinging() {
    root.dataset.ringing = "no";
    if (ringTimer) {
      window.clearInterval(ringTimer);
      ringTimer = null;
    }
  }

  // --- who is on the line (the caller card) -------------------------------------------------

  function link(href, text, testid) {
    const a = document.createElement("a");
    a.href = href;
    a.textContent = text;
    if (testid) {
      a.dataset.testid = testid;
    }
    return a;
  }

  function fact(list, label, anchor) {
    const item = document.createElement("li");
    item.append(label + " ", anchor);
    list.append(item);
  }

  async function callerCard(number) {
    if (!number || number.indexOf("client:") === 0) {
      return null;
    }
    try {
      const response = await api(data.callerUrl + "?number=" + encodeURIComponent(number));
      return response.ok ? await response.json() : null;
    } catch (ignored) {
      return null; // the card is a convenience; the call still rings
    }
  }

  function showCard(card, nameLink, facts) {
    facts.textContent = "";
    if (nameLink) {
      nameLink.hidden = true;
    }
    if (!card) {
      return;
    }
    if (card.contact && nameLink) {
      nameLink.textContent = card.contact.name;
      nameLink.href = data.contactUrl + card.contact.id;
      nameLink.hidden = false;
    } else if (card.contact) {
      fact(facts, "Contact", link(data.contactUrl + card.contact.id, card.contact.name, "card-contact"));
    }
    if (card.open_case) {
      const c = card.open_case;
      fact(facts, "Open case", link(data.caseUrl + c.id, "#" + c.id + " " + c.type.replace(/_/g, " "), "card-case"));
    }
    if (card.open_order) {
      const o = card.open_order;
      fact(facts, "Unpaid order", link(data.orderUrl + o.id, o.number + " (" + o.total + " " + o.currency + ")", "card-order"));
    }
    (card.open_requests || []).forEach(function (r) {
      const what = (r.stage || r.status).replace(/_/g, " ");
      fact(facts, "Open request", link(data.requestUrl + r.id, "#" + r.id + " " + what, "card-request"));
    });
  }

  // --- the call in progress -----------------------------------------------------------------

  const TAB = Math.random().toString(36).slice(2);
  const LOCK = "voiceapp-softphone-call";
  let lockTimer = null;

  function holdLock() {
    const write = function () {
      try {
        localStorage.setItem(LOCK, JSON.stringify({ tab: TAB, at: Date.now() }));
      } catch (ignored) {
        // Storage refused (private mode): other tabs just do not know about the call.
      }
    };
    write();
    lockTimer = window.setInterval(write, 2000);
  }

  function releaseLock() {
    window.clearInterval(lockTimer);
    lockTimer = null;
    try {
      const held = JSON.parse(localStorage.getItem(LOCK) || "null");
      if (held && held.tab === TAB) {
        localStorage.removeItem(LOCK);
      }
    } catch (ignored) {
      // nothing held
    }
  }

  function callInAnotherTab() {
    try {
      const held = JSON.parse(localStorage.getItem(LOCK) || "null");
      return Boolean(held && held.tab !== TAB && Date.now() - held.at < 6000);
    } catch (ignored) {
      return false;
    }
  }

  function showTimer(started) {
    const seconds = Math.floor((Date.now() - started) / 1000);
    const minutes = Math.floor(seconds / 60);
    ui.timer.textContent = minutes + ":" + String(seconds % 60).padStart(2, "0");
  }

  function startTimer() {
    const started = Date.now();
    showTimer(started);
    state.timer = window.setInterval(function () {
      showTimer(started);
    }, 1000);
  }

  function enterCall(call, who, card) {
    state.call = call;
    holdLock();
    ui.incoming.hidden = true;
    ui.inCall.hidden = false;
    ui.inCallWho.textContent = who;
    ui.timer.textContent = "0:00";
    ui.sentDigits.textContent = "";
    showCallButton();
    ui.mute.textContent = "Mute";
    ui.mute.setAttribute("aria-pressed", "false");
    ui.hold.hidden = typeof call.hold !== "function";
    showCard(card, null, ui.inCallFacts);
    let over = false;
    const ended = function (message) {
      return function () {
        if (over) {
          return;
        }
        over = true;
        endCall(message);
      };
    };
    call.on("accept", function () {
      say("Connected.");
      startTimer();
    });
    call.on("disconnect", ended("Call ended."));
    call.on("cancel", ended("The caller hung up."));
    call.on("reject", ended("Call rejected."));
    call.on("error", function (error) {
      say(describeError(error));
    });
  }

  function endCall(message) {
    window.clearInterval(state.timer);
    state.timer = null;
    state.call = null;
    releaseLock();
    ui.inCall.hidden = true;
    showCallButton();
    say(message);
    // The server moved the presence (busy, then the wrap-up): show it.
    window.setTimeout(beat, 500);
    if (state.afterCall) {
      const next = state.afterCall;
      state.afterCall = null;
      say(message + " Opening the outcome form…");
      window.location.assign(next);
    }
  }

  ui.hangup.addEventListener("click", function () {
    if (state.call) {
      state.call.disconnect();
    }
  });

  ui.mute.addEventListener("click", function () {
    if (!state.call) {
      return;
    }
    const muted = !state.call.isMuted();
    state.call.mute(muted);
    ui.mute.textContent = muted ? "Unmute" : "Mute";
    ui.mute.setAttribute("aria-pressed", muted ? "true" : "false");
    say(muted ? "Muted: the other side does not hear you." : "Connected.");
  });

  ui.keypad.addEventListener("click", function () {
    toggleDialPad(ui.dialPad.hidden);
  });

  // --- incoming calls -----------------------------------------------------------------------

  async function onIncoming(call) {
    if (state.call || state.pending) {
      call.reject();
      return;
    }
    state.pending = call;
    const from = (call.parameters && call.parameters.From) || "";
    ui.incoming.hidden = false;
    ui.incomingFrom.textContent = from;
    ui.incomingContact.hidden = true;
    ui.incomingFacts.textContent = "";
    startRinging();
    say("Incoming call…");
    const gone = function () {
      if (state.pending === call) {
        state.pending = null;
        stopRinging();
        ui.incoming.hidden = true;
        say("Missed: the caller hung up or a colleague answered.");
      }
    };
    call.on("cancel", gone);
    call.on("disconnect", gone);
    call.on("reject", gone);
    const card = await callerCard(from);
    call.card = card;
    if (state.pending === call && card) {
      ui.incomingFrom.textContent = card.display;
      showCard(card, ui.incomingContact, ui.incomingFacts);
    }
  }

  ui.answer.addEventListener("click", function () {
    const call = state.pending;
    if (!call) {
      return;
    }
    state.pending = null;
    stopRinging();
    enterCall(call, ui.incomingFrom.textContent, call.card || null);
    say("Answering…");
    call.accept();
  });

  ui.reject.addEventListener("click", function () {
    const call = state.pending;
    if (call) {
      state.pending = null;
      stopRinging();
      ui.incoming.hidden = true;
      call.reject();
      say("Call rejected.");
    }
  });

  // --- outgoing calls -----------------------------------------------------------------------

  // The dial pad's fields enter the page when it is first opened (a <template> in the bar;
  // the Phone page has them already): until then every page holds no "Country" or
  // "Number to call" field of ours beside its own.
  function mountDialPad() {
    if (!el("dial-form")) {
      const template = el("dial-pad-template");
      if (!template) {
        return;
      }
      ui.dialPad.append(template.content.cloneNode(true));
    }
    if (ui.dialForm) {
      return;
    }
    ui.dialForm = el("dial-form");
    ui.region = el("dial-region");
    ui.number = el("dial-number");
    ui.dialError = el("dial-error");
    ui.callButton = el("call-button");
    ui.mic = el("mic-select");
    ui.speaker = el("speaker-select");
    ui.speakerChoice = el("speaker-choice");
    ui.dialForm.addEventListener("submit", function (event) {
      event.preventDefault();
      const text = ui.number.value.trim();
      if (!text) {
        dialError("Type the number to call.");
        return;
      }
      dial(text, { region: ui.region.value });
    });
    ui.mic.addEventListener("change", function () {
      const audio = state.device && state.device.audio;
      if (audio && audio.setInputDevice) {
        audio.setInputDevice(ui.mic.value).catch(function (error) {
          say("Could not use that microphone: " + error.message);
        });
      }
    });
    ui.speaker.addEventListener("change", function () {
      const audio = state.device && state.device.audio;
      if (audio && audio.isOutputSelectionSupported && audio.speakerDevices) {
        audio.speakerDevices.set(ui.speaker.value).catch(function (error) {
          say("Could not use that speaker: " + error.message);
        });
      }
    });
    showCallButton();
    showSpeakerChoice();
    listAudioDevices();
  }

  function showCallButton() {
    if (ui.callButton) {
      ui.callButton.disabled = !state.ready || Boolean(state.call);
    }
  }

  function showSpeakerChoice() {
    const audio = state.device && state.device.audio;
    if (ui.speakerChoice) {
      ui.speakerChoice.hidden = !(audio && audio.isOutputSelectionSupported);
    }
  }

  function toggleDialPad(open) {
    if (open) {
      mountDialPad();
    }
    ui.dialPad.hidden = !open;
    ui.dialToggle.setAttribute("aria-expanded", open ? "true" : "false");
  }

  ui.dialToggle.addEventListener("click", function () {
    toggleDialPad(ui.dialPad.hidden);
  });

  function dialError(text) {
    if (!ui.dialError) {
      return;
    }
    ui.dialError.textContent = text || "";
    ui.dialError.hidden = !text;
    ui.number.setAttribute("aria-invalid", text ? "true" : "false");
  }

  // The number as the server reads it (E.164), in the country chosen for national forms.
  async function normalized(text, region) {
    const url =
      data.normalizeUrl + "?number=" + encodeURIComponent(text) + "&region=" + encodeURIComponent(region);
    const response = await api(url);
    if (response.status === 422) {
      throw new Error(await apiErrorText(response));
    }
    if (!response.ok) {
      throw new Error("the server could not read the number (" + response.status + ")");
    }
    return response.json();
  }

  async function dial(text, options) {
    options = options || {};
    if (!state.device || !state.ready) {
      say("The softphone is not ready: " + ui.status.textContent);
      return;
    }
    if (state.call || state.pending) {
      say("Finish the current call first.");
      return;
    }
    let number;
    try {
      number = await normalized(text, options.region || data.defaultRegion);
    } catch (error) {
      dialError(error.message);
      say("Not called: " + error.message);
      return;
    }
    dialError(null);
    const card = await callerCard(number.number);
    try {
      const call = await state.device.connect({ params: { To: number.number } });
      enterCall(call, (card && card.contact ? card.contact.name + " " : "") + number.display, card);
      state.afterCall = options.afterCall || null;
      say("Calling " + number.display + "…");
    } catch (error) {
      say("Could not call: " + describeError(error));
    }
  }

  ui.dialPad.addEventListener("click", function (event) {
    const key = event.target.closest("[data-key]");
    if (!key) {
      return;
    }
    if (state.call) {
      state.call.sendDigits(key.dataset.key);
      ui.sentDigits.textContent += key.dataset.key;
    } else if (ui.number) {
      ui.number.value += key.dataset.key;
    }
  });

  // Click-to-call: any link with data-call (contact, case, Call today, missed calls, the
  // order page). The link itself leads to /phone?to=…, for a page without this script.
  document.addEventListener("click", function (event) {
    const target = event.target.closest("a[data-call]");
    if (!target || event.defaultPrevented || event.button !== 0 || event.ctrlKey || event.metaKey) {
      return;
    }
    // Without a softphone in this browser (not configured, no SDK) the link goes to the
    // Phone page, which says why and holds the number.
    if (!state.device) {
      return;
    }
    event.preventDefault();
    const number = target.dataset.call;
    if (
      target.dataset.invalid === "yes" &&
      !window.confirm(number + " is marked as an invalid number. Call it anyway?")
    ) {
      return;
    }
    dial(number, { region: data.defaultRegion, afterCall: target.dataset.afterCall || null });
  });

  // During a call a page change would hang up: links open in a new tab instead, and
  // leaving the page (reload, a form, closing the tab) asks first.
  document.addEventListener("click", function (event) {
    if (!state.call || event.defaultPrevented) {
      return;
    }
    const anchor = event.target.closest("a[href]");
    if (!anchor || anchor.target || anchor.hasAttribute("download")) {
      return;
    }
    const url = new URL(anchor.href, window.location.href);
    if (url.origin !== window.location.origin || url.hash && url.pathname === window.location.pathname) {
      return;
    }
    event.preventDefault();
    window.open(url.href, "_blank", "noopener");
    say("Opened in a new tab: your call goes on here.");
  });

  window.addEventListener("beforeunload", function (event) {
    if (state.call) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
  window.addEventListener("pagehide", releaseLock);

  // --- microphone and speaker ---------------------------------------------------------------

  async function listAudioDevices() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.enumerateDevices) {
      return;
    }
    let devices = [];
    try {
      devices = await navigator.mediaDevices.enumerateDevices();
    } catch (ignored) {
      return;
    }
    const fill = function (select, kind) {
      devices
        .filter((d) => d.kind === kind && d.deviceId && d.deviceId !== "default")
        .forEach(function (d, i) {
          const option = document.createElement("option");
          option.value = d.deviceId;
          option.textContent = d.label || (kind === "audioinput" ? "Microphone " : "Speaker ") + (i + 1);
          select.append(option);
        });
    };
    fill(ui.mic, "audioinput");
    fill(ui.speaker, "audiooutput");
  }


  // --- the device ---------------------------------------------------------------------------

  async function fetchToken() {
    const response = await api(data.tokenUrl);
    if (!response.ok) {
      throw new Error(await apiErrorText(response));
    }
    return (await response.json()).token;
  }

  const simulator = data.simulator || "";
  const DeviceClass = simulator ? window.VoiceappSimDevice : window.Twilio && window.Twilio.Device;

  async function startDevice() {
    if (state.device) {
      return;
    }
    if (data.sdk !== "yes" || data.configured !== "yes" || !DeviceClass) {
      say("Browser calling is not available.");
      return;
    }
    if (callInAnotherTab()) {
      say("On a call in another tab: this tab's phone starts when that call ends.");
      window.setTimeout(startDevice, 3000);
      return;
    }
    let device;
    try {
      device = new DeviceClass(await fetchToken(), {
        codecPreferences: ["opus", "pcmu"],
        simulator: simulator,
      });
    } catch (error) {
      say("The softphone could not start: " + describeError(error));
      return;
    }
    state.device = device;
    // Our own ringing tone plays (the same in demo mode); the SDK's would be a second one.
    if (device.audio && device.audio.incoming) {
      device.audio.incoming(false);
    }
    showSpeakerChoice();
    device.on("registered", function () {
      state.ready = true;
      showCallButton();
      root.dataset.ready = "yes";
      if (!state.call && !state.pending) {
        say("Ready: calls can ring in this browser.");
      }
    });
    device.on("unregistered", function () {
      state.ready = false;
      root.dataset.ready = "no";
    });
    device.on("error", function (error) {
      say(describeError(error));
    });
    device.on("incoming", onIncoming);
    device.on("tokenWillExpire", async function () {
      try {
        device.updateToken(await fetchToken());
        state.tokenRefreshes += 1;
        root.dataset.tokenRefreshes = String(state.tokenRefreshes);
      } catch (error) {
        say("Could not renew the softphone's access: " + error.message);
      }
    });
    try {
      await device.register();
    } catch (error) {
      say(describeError(error));
    }
  }

  window.addEventListener("storage", function (event) {
    if (event.key === LOCK && !event.newValue && !state.device) {
      startDevice();
    }
  });

  keepHeartbeat();
  if (el("dial-form")) {
    mountDialPad(); // the Phone page, where the pad is open
  }
  startDevice();
})();
