// ketpath: the urge-surfing timer of the craving page (issue 14, point 3).
// Loaded with <script src> by templates/pages/craving.html only (the Content-Security-Policy
// allows no inline script). Hand-written and small: a countdown needs no library.
//
// Without script the page reads as plain steps ("give it 10 minutes... watch a clock"), and
// the controls stay hidden. With script:
// - Start / Pause / Resume, and Start again. The length comes from the page
//   (data-minutes, from knowledge/craving.toml), never from here.
// - Every word it says or shows comes from the page too, in the page's language: the
//   template fills data-say-* from the catalog (issue 15), a one and a many form for each
//   count ("{n}" is the number), so nothing here is English.
// - The time left is worked out from the clock (Date.now), not by counting ticks, so a
//   phone that throttles a background tab still shows the right time when it comes back.
// - The visible clock changes every second but is hidden from screen readers; the status
//   line (role="status", polite) is rewritten only on a whole minute, at start and pause,
//   and at the end, so a screen reader is not made to read out every second.
// - The breathing circle moves only by CSS and only while the timer runs; the stylesheet
//   keeps it still under prefers-reduced-motion.
(function () {
  "use strict";
  var timer = document.getElementById("urge-timer");
  if (!timer) {
    return;
  }
  var minutes = parseInt(timer.getAttribute("data-minutes") || "", 10);
  var controls = timer.querySelector("[data-timer-controls]");
  var clock = timer.querySelector("[data-timer-clock]");
  var status = timer.querySelector("[data-timer-status]");
  var toggle = timer.querySelector("[data-timer-toggle]");
  var reset = timer.querySelector("[data-timer-reset]");
  if (!(minutes > 0) || !controls || !clock || !status || !toggle || !reset) {
    return;
  }
  var full = minutes * 60 * 1000;
  var left = full; // milliseconds left while paused
  var endsAt = 0; // Date.now() at the end while running, else 0
  var ticking = null;
  var announcedMinute = minutes;

  function words(name) {
    return timer.getAttribute("data-say-" + name) || "";
  }

  // The one or many form of a counted sentence, with its number filled in.
  function counted(name, count) {
    return words(name + (count === 1 ? "-one" : "-many")).split("{n}").join(String(count));
  }

  function remaining() {
    return endsAt ? Math.max(0, endsAt - Date.now()) : left;
  }

  function showClock(ms) {
    var seconds = Math.ceil(ms / 1000);
    var shown = Math.floor(seconds / 60) + ":" + String(seconds % 60).padStart(2, "0");
    clock.textContent = shown;
  }

  function say(text) {
    status.textContent = text;
  }

  function stopTicking() {
    if (ticking !== null) {
      clearInterval(ticking);
      ticking = null;
    }
    timer.classList.remove("running");
  }

  function tick() {
    var ms = remaining();
    showClock(ms);
    if (ms <= 0) {
      stopTicking();
      endsAt = 0;
      left = full;
      announcedMinute = minutes;
      toggle.textContent = words("start");
      say(words("done"));
      return;
    }
    var minute = Math.ceil(ms / 60000);
    if (minute < announcedMinute) {
      announcedMinute = minute;
      say(counted("left", minute));
    }
  }

  function start() {
    endsAt = Date.now() + left;
    announcedMinute = Math.ceil(left / 60000);
    toggle.textContent = words("pause");
    timer.classList.add("running");
    say(counted("running", announcedMinute));
    ticking = setInterval(tick, 1000);
    tick();
  }

  function pause() {
    left = remaining();
    endsAt = 0;
    stopTicking();
    toggle.textContent = words("resume");
    say(counted("paused", Math.ceil(left / 60000)));
  }

  toggle.addEventListener("click", function () {
    if (endsAt) {
      pause();
    } else {
      start();
    }
  });

  reset.addEventListener("click", function () {
    stopTicking();
    endsAt = 0;
    left = full;
    showClock(left);
    start();
  });

  showClock(full);
  controls.hidden = false;
})();
