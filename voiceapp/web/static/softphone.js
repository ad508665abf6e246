// The browser softphone on /phone: presence (Online / Offline) through the JSON API, and
// calls through the Twilio Voice JavaScript SDK when the server has it and the account is
// configured (in demo mode, through the Twilio simulator: softphone-sim.js). The page's Content-Security-Policy allows no inline script: all of it is here.
(function () {
  "use strict";

  const root = document.getElementById("softphone");
  if (!root) {
    return;
  }
  const csrfMeta = document.querySelector('meta[name="csrf-token"]');
  const csrfToken = csrfMeta ? csrfMeta.content : "";
  const el = (id) => document.getElementById(id);
  const presenceStatus = el("presence-status");
  const presenceToggle = el("presence-toggle");
  const notice = el("sdk-notice");
  const noticeDetail = el("sdk-notice-detail");
  const statusLine = el("call-status");
  const dialForm = el("dial-form");
  const numberInput = el("dial-number");
  const callButton = el("call-button");
  const hangupButton = el("hangup-button");
  const incomingBox = el("incoming");
  const incomingFrom = el("incoming-from");
  const incomingContact = el("incoming-contact");
  const answerButton = el("answer-button");
  const rejectButton = el("reject-button");

  let device = null;
  let activeCall = null;
  let pendingCall = null;

  function say(text) {
    statusLine.textContent = text;
  }

  function showNotice(detail) {
    if (detail) {
      noticeDetail.textContent = detail;
    }
    notice.hidden = false;
  }

  async function apiErrorText(response) {
    try {
      const body = await response.json();
      return body.message || response.statusText;
    } catch (ignored) {
      return response.statusText || "HTTP " + response.status;
    }
  }

  // --- presence ---------------------------------------------------------------------------

  function showPresence(status) {
    presenceStatus.textContent = status;
    presenceStatus.className = "presence presence-" + status;
    presenceToggle.dataset.status = status;
    presenceToggle.textContent = status === "offline" ? "Go online" : "Go offline";
  }

  async function setPresence(status) {
    presenceToggle.disabled = true;
    try {
      const response = await fetch(root.dataset.presenceUrl, {
        method: "PUT",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          "Accept": "application/json",
          "X-CSRFToken": csrfToken,
        },
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
      presenceToggle.disabled = false;
    }
  }

  presenceToggle.addEventListener("click", function () {
    setPresence(presenceToggle.dataset.status === "offline" ? "online" : "offline");
  });

  // --- calls through the Voice SDK ----------------------------------------------------------

  function inCall(call, text) {
    activeCall = call;
    callButton.hidden = true;
    hangupButton.hidden = false;
    say(text);
    const ended = function (message) {
      return function () {
        activeCall = null;
        callButton.hidden = false;
        hangupButton.hidden = true;
        incomingBox.hidden = true;
        say(message);
      };
    };
    call.on("accept", function () {
      say("Connected.");
    });
    call.on("disconnect", ended("Call ended."));
    call.on("cancel", ended("The caller hung up."));
    call.on("reject", ended("Call rejected."));
    call.on("error", function (error) {
      say("Call error: " + error.message);
    });
  }

  async function showCaller(number) {
    incomingFrom.textContent = number;
    incomingContact.hidden = true;
    if (!/^\+\d{6,15}$/.test(number)) {
      return;
    }
    try {
      const url = root.dataset.contactsApi + "?per_page=1&phone=" + encodeURIComponent(number);
      const response = await fetch(url, { credentials: "same-origin" });
      if (!response.ok) {
        return;
      }
      const page = await response.json();
      if (page.items && page.items.length) {
        const contact = page.items[0];
        incomingContact.textContent = contact.display_name;
        incomingContact.href = root.dataset.contactUrl + contact.id;
        incomingContact.hidden = false;
      }
    } catch (ignored) {
      // The name is a convenience; the call still rings.
    }
  }

  function onIncoming(call) {
    if (activeCall) {
      call.reject();
      return;
    }
    pendingCall = call;
    incomingBox.hidden = false;
    showCaller(call.parameters.From || "");
    say("Incoming call…");
    const gone = function () {
      if (pendingCall === call) {
        pendingCall = null;
        incomingBox.hidden = true;
        say("Missed: the caller hung up or another agent answered.");
      }
    };
    call.on("cancel", gone);
  }

  answerButton.addEventListener("click", function () {
    if (!pendingCall) {
      return;
    }
    const call = pendingCall;
    pendingCall = null;
    incomingBox.hidden = true;
    inCall(call, "Answering…");
    call.accept();
  });

  rejectButton.addEventListener("click", function () {
    if (pendingCall) {
      pendingCall.reject();
      pendingCall = null;
      incomingBox.hidden = true;
      say("Call rejected.");
    }
  });

  hangupButton.addEventListener("click", function () {
    if (activeCall) {
      activeCall.disconnect();
    }
  });

  dialForm.addEventListener("submit", async function (event) {
    event.preventDefault();
    const number = numberInput.value.trim();
    if (!number) {
      say("Type the number to call.");
      return;
    }
    if (!device || activeCall) {
      return;
    }
    try {
      const call = await device.connect({ params: { To: number } });
      inCall(call, "Calling " + number + "…");
    } catch (error) {
      say("Could not call: " + error.message);
    }
  });

  async function fetchToken() {
    const response = await fetch(root.dataset.tokenUrl, {
      credentials: "same-origin",
      headers: { "Accept": "application/json" },
    });
    if (response.status === 503) {
      showNotice(await apiErrorText(response));
      return null;
    }
    if (!response.ok) {
      throw new Error(await apiErrorText(response));
    }
    return (await response.json()).token;
  }

  // Demo mode (development): the project's Twilio simulator stands in for Twilio.
  const simulator = root.dataset.simulator || "";
  const DeviceClass = simulator
    ? window.VoiceappSimDevice
    : window.Twilio && window.Twilio.Device;

  async function startDevice() {
    if (root.dataset.sdk !== "yes" || !DeviceClass) {
      showNotice(null);
      say("Browser calling is not available.");
      return;
    }
    if (root.dataset.configured !== "yes") {
      showNotice(null);
      say("Browser calling is not available.");
      return;
    }
    try {
      const token = await fetchToken();
      if (!token) {
        say("Browser calling is not available.");
        return;
      }
      device = new DeviceClass(token, { codecPreferences: ["opus", "pcmu"], simulator: simulator });
      device.on("registered", function () {
        callButton.disabled = false;
        say("Ready: calls can ring in this browser.");
      });
      device.on("error", function (error) {
        say("Softphone error: " + error.message);
      });
      device.on("incoming", onIncoming);
      device.on("tokenWillExpire", async function () {
        const fresh = await fetchToken();
        if (fresh) {
          device.updateToken(fresh);
        }
      });
      await device.register();
    } catch (error) {
      say("The softphone could not start: " + error.message);
    }
  }

  startDevice();
})();
