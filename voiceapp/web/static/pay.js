// The pay page's thank-you page, while the payment is not confirmed yet (a provider's
// webhook not in, a transfer not marked received): ask the server for the order's state
// now and then, and reload the page once it changes. Every 5 s for the first minute, then
// every 15 s, for 15 minutes at most: well inside the pay page's rate limit per address.
(function () {
  "use strict";
  var box = document.querySelector("[data-pay-status-url]");
  if (!box) {
    return;
  }
  var url = box.getAttribute("data-pay-status-url");
  var state = box.getAttribute("data-pay-state");
  var started = Date.now();
  var FAST_FOR = 60 * 1000;
  var GIVE_UP_AFTER = 15 * 60 * 1000;

  function delay() {
    return Date.now() - started < FAST_FOR ? 5000 : 15000;
  }

  function later() {
    if (Date.now() - started > GIVE_UP_AFTER) {
      var stopped = box.querySelector("[data-pay-stopped]");
      if (stopped) {
        stopped.hidden = false;
      }
      return;
    }
    window.setTimeout(poll, delay());
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (answer) {
        if (answer && answer.state && answer.state !== state) {
          window.location.reload();
          return;
        }
        later();
      })
      .catch(later);
  }

  later();
})();
