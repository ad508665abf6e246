// The subscription page: a question before cancelling. The page works without this file
// (the form posts as it is); the Content-Security-Policy allows no inline script.
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
