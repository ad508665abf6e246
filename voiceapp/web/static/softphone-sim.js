// Demo mode of the softphone: a stand-in for Twilio.Device that talks to the project's Twilio
// simulator (voiceapp sim serve) instead of Twilio. The same shape as the parts of the Voice
// JavaScript SDK softphone.js uses: new Device(token, options), on(event), register(),
// connect({params}), updateToken(token), audio (setInputDevice, speakerDevices, incoming);
// events registered, unregistered, error, incoming, tokenWillExpire; calls with parameters,
// on(accept | disconnect | cancel | reject | error), accept(), reject(), disconnect(),
// mute(bool), isMuted(), sendDigits(digits).
// Registration proves the identity with the same access token Twilio would check, and
// tokenWillExpire fires tokenRefreshMs (default 10 s, as the SDK) before the token's expiry.
(function () {
  "use strict";

  function Emitter() {
    this.handlers = {};
  }
  Emitter.prototype.on = function (name, fn) {
    (this.handlers[name] = this.handlers[name] || []).push(fn);
    return this;
  };
  Emitter.prototype.emit = function (name, arg) {
    (this.handlers[name] || []).forEach(function (fn) {
      fn(arg);
    });
  };

  function SimCall(device, sid, parameters) {
    Emitter.call(this);
    this.device = device;
    this.sid = sid;
    this.parameters = parameters || {};
    this.ended = false;
    this.muted = false;
    this.digits = "";
  }
  SimCall.prototype = Object.create(Emitter.prototype);
  SimCall.prototype.act = function (action) {
    const call = this;
    return this.device
      .post("/sim/phones/calls/" + encodeURIComponent(this.sid) + "/" + action, {})
      .catch(function (error) {
        call.emit("error", error);
      });
  };
  SimCall.prototype.accept = function () {
    this.act("answer");
  };
  SimCall.prototype.reject = function () {
    this.act("reject");
    this.finish("reject");
  };
  SimCall.prototype.disconnect = function () {
    this.act("hangup");
  };
  // The simulator plays no audio: muting and keypad tones are kept here, where the page
  // (and a test) can see them, as the SDK keeps them in the browser's audio path.
  SimCall.prototype.mute = function (shouldMute) {
    this.muted = shouldMute === undefined ? true : Boolean(shouldMute);
    this.emit("mute", this.muted);
  };
  SimCall.prototype.isMuted = function () {
    return this.muted;
  };
  SimCall.prototype.sendDigits = function (digits) {
    if (!/^[0-9*#w]+$/.test(digits)) {
      throw new Error("illegal keypad tone: " + digits);
    }
    this.digits += digits;
  };
  SimCall.prototype.finish = function (event) {
    if (!this.ended) {
      this.ended = true;
      delete this.device.calls[this.sid];
      this.emit(event);
    }
  };

  // Microphone and speaker choice: remembered (no audio flows in demo mode).
  function SimAudio() {
    const audio = this;
    this.inputDevice = "default";
    this.incomingSound = true;
    this.isOutputSelectionSupported = typeof HTMLMediaElement !== "undefined" &&
      "setSinkId" in HTMLMediaElement.prototype;
    this.speakerDevices = {
      ids: ["default"],
      set: function (id) {
        audio.speakerDevices.ids = [].concat(id);
        return Promise.resolve();
      },
    };
  }
  SimAudio.prototype.setInputDevice = function (id) {
    this.inputDevice = id;
    return Promise.resolve();
  };
  SimAudio.prototype.incoming = function (enabled) {
    if (enabled !== undefined) {
      this.incomingSound = Boolean(enabled);
    }
    return this.incomingSound;
  };

  // When the access token expires (its "exp", seconds since 1970), or null.
  function expiryOf(token) {
    try {
      const payload = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      return JSON.parse(atob(payload)).exp * 1000;
    } catch (ignored) {
      return null;
    }
  }

  function SimDevice(token, options) {
    Emitter.call(this);
    options = options || {};
    this.base = options.simulator || "";
    this.tokenRefreshMs = options.tokenRefreshMs || 10000;
    this.key = null;
    this.source = null;
    this.calls = {};
    this.audio = new SimAudio();
    this.expiryTimer = null;
    this.updateToken(token);
    const device = this;
    // Leaving the page ends the event stream now, not when the browser gets round to it.
    window.addEventListener("pagehide", function () {
      if (device.source) {
        device.source.close();
      }
    });
  }
  SimDevice.prototype = Object.create(Emitter.prototype);

  SimDevice.prototype.post = async function (path, body) {
    const response = await fetch(this.base + path, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Sim-Phone-Key": this.key || "" },
      body: JSON.stringify(body),
    });
    const data = await response.json();
    if (!response.ok) {
      throw new Error(data.error || "the simulator refused: HTTP " + response.status);
    }
    return data;
  };

  SimDevice.prototype.register = async function () {
    const device = this;
    const answer = await device.post("/sim/phones", { token: device.token });
    device.key = answer.key;
    if (device.source) {
      device.source.close();
    }
    const source = new EventSource(
      device.base + "/sim/phones/events?key=" + encodeURIComponent(device.key)
    );
    device.source = source;
    source.addEventListener("registered", function () {
      device.emit("registered");
    });
    source.addEventListener("tokenWillExpire", function () {
      device.warnExpiry();
    });
    source.addEventListener("incoming", function (message) {
      const data = JSON.parse(message.data);
      const call = new SimCall(device, data.call_sid, data.parameters);
      device.calls[call.sid] = call;
      device.emit("incoming", call);
    });
    ["accept", "cancel", "disconnect"].forEach(function (name) {
      source.addEventListener(name, function (message) {
        const call = device.calls[JSON.parse(message.data).call_sid];
        if (!call) {
          return;
        }
        if (name === "accept") {
          call.emit("accept");
        } else {
          call.finish(name);
        }
      });
    });
    source.onerror = function () {
      device.emit("unregistered");
      device.emit("error", { message: "lost the connection to the simulator, retrying" });
    };
  };

  SimDevice.prototype.connect = async function (options) {
    const params = (options && options.params) || {};
    const answer = await this.post("/sim/phones/connect", { params: params });
    const call = new SimCall(this, answer.call_sid, params);
    this.calls[call.sid] = call;
    return call;
  };

  SimDevice.prototype.updateToken = function (token) {
    const device = this;
    this.token = token;
    window.clearTimeout(this.expiryTimer);
    const expiry = expiryOf(token);
    if (expiry) {
      const wait = Math.max(0, expiry - Date.now() - this.tokenRefreshMs);
      this.expiryTimer = window.setTimeout(function () {
        device.warnExpiry();
      }, wait);
    }
    if (this.key) {
      // As Twilio.Device does: the new token replaces the old one on the connection.
      this.post("/sim/phones/token", { token: token }).catch(function () {});
    }
  };

  // The warning comes from this page's own timer (the token's "exp") and from the
  // simulator, which checks tokens as Twilio does; the panel hears it once per token.
  SimDevice.prototype.warnExpiry = function () {
    if (this.warnedToken === this.token) {
      return;
    }
    this.warnedToken = this.token;
    this.emit("tokenWillExpire", this);
  };

  window.VoiceappSimDevice = SimDevice;
})();
