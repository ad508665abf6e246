// The order page (/orders/<id>): tabs switched in place, and a question before the forms
// that cannot be undone (delete, refund, deleting a note). The page works without this
// file: the tabs are links (?tab=...), the forms post as they are. The Content-Security-
// Policy allows no inline script: all of it is here.
(function () {
  "use strict";

  const root = document.querySelector(".order-page");
  if (!root) {
    return;
  }

  // Forms with data-confirm ask first.
  root.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) {
        event.preventDefault();
      }
    });
  });

  // Tabs: show the chosen panel, keep ?tab= in the address so a reload stays on it.
  const tabs = Array.from(root.querySelectorAll(".tab-list [data-tab]"));
  function show(key) {
    tabs.forEach(function (tab) {
      const chosen = tab.dataset.tab === key;
      tab.setAttribute("aria-selected", chosen ? "true" : "false");
      const panel = document.getElementById("panel-" + tab.dataset.tab);
      if (panel) {
        panel.hidden = !chosen;
      }
    });
  }
  tabs.forEach(function (tab, index) {
    tab.addEventListener("click", function (event) {
      event.preventDefault();
      show(tab.dataset.tab);
      const url = new URL(window.location.href);
      url.searchParams.set("tab", tab.dataset.tab);
      url.hash = "tabs";
      window.history.replaceState(null, "", url.toString());
    });
    // Arrow keys move between tabs, as in any tab list.
    tab.addEventListener("keydown", function (event) {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (!step) {
        return;
      }
      event.preventDefault();
      const next = tabs[(index + step + tabs.length) % tabs.length];
      next.focus();
      next.click();
    });
  });
})();
