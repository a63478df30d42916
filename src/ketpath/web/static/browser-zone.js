// ketpath: the browser's time zone and UTC offset into hidden form fields.
// Loaded with <script src> (the Content-Security-Policy allows no inline script).
// - input[data-browser-zone]: the IANA zone name, e.g. "Europe/Berlin";
// - input[data-browser-offset]: minutes east of UTC right now (Berlin in summer: 120);
// - select[data-browser-zone-choice="unset"]: the browser's zone chosen, when the
//   person has none stored yet (the server writes "set" when they have one);
// - input[data-browser-local-time="<UTC time>"]: a stored time the server could only
//   write in UTC (no zone yet), shown in this browser's offset, the one the form sends
//   back: a record saved unchanged does not move. The current offset, not the one of
//   that date, since the server reads the typed time in the current offset too.
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
    document.querySelectorAll("input[data-browser-local-time]").forEach(function (input) {
      var instant = Date.parse(input.getAttribute("data-browser-local-time"));
      if (isNaN(instant)) {
        return;
      }
      // toISOString of the shifted instant reads the local wall-clock time: YYYY-MM-DDTHH:MM.
      input.value = new Date(instant + Number(offset) * 60000).toISOString().slice(0, 16);
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
