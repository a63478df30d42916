// ketpath: the browser's time zone and UTC offset into hidden form fields.
// Loaded with <script src> (the Content-Security-Policy allows no inline script).
// - input[data-browser-zone]: the IANA zone name, e.g. "Europe/Berlin";
// - input[data-browser-offset]: minutes east of UTC right now (Berlin in summer: 120);
// - select[data-browser-zone-choice="unset"]: the browser's zone chosen, when the
//   person has none stored yet (the server writes "set" when they have one).
(function () {
  "use strict";
  var zone = "";
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (error) {
    zone = "";
  }
  var offset = String(-new Date().getTimezoneOffset());
  function fill() {
    document.querySelectorAll("input[data-browser-zone]").forEach(function (input) {
      input.value = zone;
    });
    document.querySelectorAll("input[data-browser-offset]").forEach(function (input) {
      input.value = offset;
    });
    document.querySelectorAll("select[data-browser-zone-choice]").forEach(function (select) {
      if (select.getAttribute("data-browser-zone-choice") !== "unset" || !zone) {
        return;
      }
      for (var i = 0; i < select.options.length; i += 1) {
        if (select.options[i].value === zone) {
          select.value = zone;
          return;
        }
      }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", fill);
  } else {
    fill();
  }
})();
