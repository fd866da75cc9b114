// Reloads the page every few seconds while it shows work in progress (a report being made,
// a bulk job or purge running). The page adds this script only while something runs, so
// the reload stops by itself once everything is done. It waits while staff are busy on
// the page: a field in focus or rows ticked for an action.
(function () {
  "use strict";
  var script = document.currentScript;
  var seconds = parseInt(script && script.getAttribute("data-refresh-seconds"), 10) || 3;

  function busy() {
    var active = document.activeElement;
    if (active && /^(INPUT|SELECT|TEXTAREA)$/.test(active.tagName)) {
      return true;
    }
    return document.querySelector("#changelist-form input.action-select:checked") !== null;
  }

  function later() {
    window.setTimeout(function () {
      if (busy()) {
        later();
      } else {
        window.location.reload();
      }
    }, seconds * 1000);
  }

  later();
})();
