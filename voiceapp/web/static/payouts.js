// The payouts list: a question before "Mark paid" and before cancelling a payout (X).
// The page works without this file (the forms post as they are); the Content-Security-
// Policy allows no inline script.
(function () {
  "use strict";
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) {
        event.preventDefault();
      }
    });
  });
})();
