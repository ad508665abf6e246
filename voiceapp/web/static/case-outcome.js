// The case page's outcome form: the "new order" buttons follow a completed conversation
// only, so they are shown while the outcome chosen is the one their group names
// (data-for-outcome). Without this script they are always shown, and the server refuses
// a new order after any other outcome.
(function () {
  "use strict";
  function start() {
    var select = document.getElementById("outcome");
    if (!select) {
      return;
    }
    var groups = document.querySelectorAll("[data-for-outcome]");
    function sync() {
      groups.forEach(function (group) {
        group.hidden = select.value !== group.getAttribute("data-for-outcome");
      });
    }
    select.addEventListener("change", sync);
    sync();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
