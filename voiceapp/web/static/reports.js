// The report download page: asks the status endpoint how far the job is until the file
// is ready (or the job failed), moves the progress bar, then offers the file.
(function () {
  "use strict";

  var box = document.querySelector("[data-status-url]");
  if (!box) {
    return;
  }
  var url = box.getAttribute("data-status-url");
  var stateText = box.querySelector("[data-role=state]");
  var bar = box.querySelector("[data-role=bar]");
  var count = box.querySelector("[data-role=count]");
  var link = box.querySelector("[data-role=file]");
  var LABELS = {
    queued: "Waiting for a worker…",
    running: "Counting…",
    ready: "Ready.",
    failed: "The report could not be made. Ask for it again; if it fails again, tell your admin."
  };
  var INTERVAL_MS = 700;

  function show(status) {
    box.setAttribute("data-state", status.state);
    stateText.textContent = LABELS[status.state] || status.state;
    bar.value = status.percent;
    bar.textContent = status.percent + " %";
    count.textContent = status.total ? status.done + " of " + status.total + " steps" : "";
    var finished = status.state === "ready" || status.state === "failed";
    bar.hidden = finished;
    if (status.state === "ready") {
      link.href = status.file_url;
      link.textContent = "Download " + status.file_name;
      link.hidden = false;
    }
    return finished;
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (status) {
        if (!show(status)) {
          window.setTimeout(poll, INTERVAL_MS);
        }
      })
      .catch(function () {
        stateText.textContent = "Could not ask how far the report is. Reload the page to try again.";
      });
  }

  if (box.getAttribute("data-state") !== "ready" && box.getAttribute("data-state") !== "failed") {
    poll();
  }
})();
