// The agent's payment screen (/orders/<id>/taken): the box is yellow while the order is
// pending and turns green without a reload once it is paid (grey when cancelled). It asks
// the small JSON status every 2 seconds, less often while the tab is hidden and after
// errors, and stops once the order is no longer pending. Copy buttons put an address on
// the clipboard. The page's Content-Security-Policy allows no inline script: all of it
// is here.
(function () {
  "use strict";

  const box = document.getElementById("pay-box");
  if (!box) {
    return;
  }
  const EVERY = 2000; // while the agent looks at the screen
  const HIDDEN_EVERY = 15000; // while the tab is hidden
  const MOST = 30000; // the longest wait after errors
  const statusUrl = box.dataset.statusUrl;
  const stateLine = document.getElementById("pay-state");
  const payPart = document.getElementById("pay-part");
  const thanksPart = document.getElementById("thanks-part");
  const thanksUrl = document.getElementById("thanks-url");
  const copyNote = document.getElementById("copy-note");
  let timer = null;
  let failures = 0;
  let done = box.dataset.status !== "pending";

  function localTime(iso) {
    // In the team's time zone, as the page shows times when it is loaded.
    const options = { hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
    try {
      return new Date(iso).toLocaleTimeString([], { ...options, timeZone: box.dataset.zone });
    } catch (error) {
      return new Date(iso).toLocaleTimeString([], options); // a zone this browser lacks
    }
  }

  function show(state) {
    box.classList.remove("pay-pending", "pay-paid", "pay-cancelled", "pay-refunded");
    box.classList.add("pay-" + state.status);
    box.dataset.status = state.status;
    if (state.status === "paid") {
      stateLine.textContent =
        "Paid" + (state.paid_at ? " at " + localTime(state.paid_at) : "") + ". Thank you!";
    } else if (state.status === "cancelled") {
      stateLine.textContent =
        "Cancelled" + (state.cancel_reason ? ": " + state.cancel_reason : "");
    } else {
      stateLine.textContent = state.status.charAt(0).toUpperCase() + state.status.slice(1);
    }
    if (payPart) {
      payPart.hidden = true;
    }
    copyNote.textContent = "";
    document.querySelectorAll(".while-pending").forEach(function (element) {
      element.hidden = true;
    });
    if (thanksPart && state.thanks_url) {
      thanksUrl.textContent = state.thanks_url;
      thanksPart.hidden = false;
    }
  }

  function stop(message) {
    done = true;
    stateLine.textContent = message;
  }

  function schedule(delay) {
    window.clearTimeout(timer);
    if (!done) {
      timer = window.setTimeout(poll, delay);
    }
  }

  function poll() {
    const next = document.hidden ? HIDDEN_EVERY : EVERY;
    fetch(statusUrl, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      cache: "no-store",
    })
      .then(function (response) {
        const type = response.headers.get("Content-Type") || "";
        if (response.redirected || response.status === 401) {
          stop("You were signed out: reload the page to see whether it was paid.");
          return;
        }
        if (response.status === 404) {
          stop("This order is gone (deleted).");
          return;
        }
        if (!response.ok || type.indexOf("application/json") === -1) {
          throw new Error("status " + response.status);
        }
        return response.json().then(function (state) {
          failures = 0;
          if (state.status !== "pending") {
            done = true;
            show(state);
            return;
          }
          schedule(next);
        });
      })
      .catch(function () {
        // The network or the server hiccuped: try again, waiting longer each time.
        failures += 1;
        schedule(Math.min(next * Math.pow(2, failures), MOST));
      });
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) {
      schedule(0); // back on the screen: look now
    }
  });
  schedule(EVERY);

  function selectText(element) {
    const range = document.createRange();
    range.selectNodeContents(element);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  document.querySelectorAll("button.copy").forEach(function (button) {
    button.addEventListener("click", function () {
      const source = document.getElementById(button.dataset.copy);
      const text = source.textContent.trim();
      const fallback = function () {
        selectText(source);
        copyNote.textContent = "Selected: press Ctrl+C (or Cmd+C) to copy.";
      };
      if (!navigator.clipboard) {
        fallback();
        return;
      }
      navigator.clipboard.writeText(text).then(function () {
        copyNote.textContent = "Copied: " + text;
      }, fallback);
    });
  });
})();
