// Demo mode of the softphone: a stand-in for Twilio.Device that talks to the project's Twilio
// simulator (voiceapp sim serve) instead of Twilio. Same shape as the parts of the Voice
// JavaScript SDK softphone.js uses: new Device(token), on(event), register(), connect({params}),
// updateToken(); calls with parameters, on(event), accept(), reject(), disconnect().
// Registration proves the identity with the same access token Twilio would check.
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
  }
  SimCall.prototype = Object.create(Emitter.prototype);
  SimCall.prototype.act = function (action) {
    return this.device.post("/sim/phones/calls/" + encodeURIComponent(this.sid) + "/" + action, {});
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
  SimCall.prototype.finish = function (event) {
    if (!this.ended) {
      this.ended = true;
      delete this.device.calls[this.sid];
      this.emit(event);
    }
  };

  function SimDevice(token, options) {
    Emitter.call(this);
    this.base = (options && options.simulator) || "";
    this.token = token;
    this.key = null;
    this.source = null;
    this.calls = {};
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
      device.emit("tokenWillExpire");
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
    this.token = token;
    if (this.key) {
      // As Twilio.Device does: the new token replaces the old one on the connection.
      this.post("/sim/phones/token", { token: token }).catch(function () {});
    }
  };

  window.VoiceappSimDevice = SimDevice;
})();
