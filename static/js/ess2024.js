/* ESS 2024 — progressive enhancement only: every page works without this file. */
(function () {
  "use strict";

  // A form that came back with errors: move focus to its error summary so screen readers read it first.
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }

  // Phone menu (<details>): Escape closes it and gives focus back to its toggle; a click outside closes it.
  var menu = document.querySelector("[data-site-menu]");
  if (menu) {
    var toggle = menu.querySelector("summary");
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && menu.open && toggle.offsetParent !== null) {
        menu.open = false;
        toggle.focus();
      }
    });
    document.addEventListener("click", function (event) {
      if (menu.open && toggle.offsetParent !== null && !menu.contains(event.target)) {
        menu.open = false;
      }
    });
  }
})();
